"""Hungarian, expected words written from the rules (Rounds, "Hungarian: An
Essential Grammar"; AkH.): one word up to 2000, hyphens between groups
above it (each part one fragment); kettő alone, két before a noun or in a
compound; singular noun after numbers; dates year-month-day, day -a/-e."""

import importlib.util
from pathlib import Path

import pytest

from ivr.speech import fragment_vocabulary, fragments, hu, vocabulary, words

CASES = [
    # number
    ("number", "0", None, "nulla"),
    ("number", "1", None, "egy"),
    ("number", "2", None, "kettő"),
    ("number", "10", None, "tíz"),
    ("number", "11", None, "tizenegy"),
    ("number", "12", None, "tizenkettő"),
    ("number", "20", None, "húsz"),
    ("number", "22", None, "huszonkettő"),
    ("number", "29", None, "huszonkilenc"),
    ("number", "30", None, "harminc"),
    ("number", "31", None, "harmincegy"),
    ("number", "45", None, "negyvenöt"),
    ("number", "100", None, "száz"),
    ("number", "101", None, "százegy"),
    ("number", "200", None, "kétszáz"),
    ("number", "222", None, "kétszázhuszonkettő"),
    ("number", "999", None, "kilencszázkilencvenkilenc"),
    ("number", "1000", None, "ezer"),
    ("number", "1001", None, "ezeregy"),
    ("number", "1999", None, "ezerkilencszázkilencvenkilenc"),
    ("number", "2000", None, "kétezer"),
    ("number", "2001", None, "kétezer egy"),
    ("number", "2026", None, "kétezer huszonhat"),
    ("number", "12000", None, "tizenkétezer"),
    ("number", "22222", None, "huszonkétezer kétszázhuszonkettő"),
    ("number", "100000", None, "százezer"),
    ("number", "1000000", None, "egymillió"),
    ("number", "1001000", None, "egymillió ezer"),
    ("number", "2000002", None, "kétmillió kettő"),
    ("number", "999999999", None,
     "kilencszázkilencvenkilencmillió kilencszázkilencvenkilencezer kilencszázkilencvenkilenc"),
    ("number", "-5", None, "mínusz öt"),
    # money: HUF in whole forints, noun singular, két before the noun
    ("money", "1", "HUF", "egy forint"),
    ("money", "2", "HUF", "két forint"),
    ("money", "5", None, "öt forint"),
    ("money", "22", None, "huszonkét forint"),
    ("money", "0", None, "nulla forint"),
    ("money", "1234.56 HUF", None, "ezerkétszázharmincöt forint"),
    ("money", "1234.49", None, "ezerkétszázharmincnégy forint"),
    ("money", "0.50", "HUF", "egy forint"),
    ("money", "2000", None, "kétezer forint"),
    ("money", "2002", None, "kétezer két forint"),
    ("money", "1000000", None, "egymillió forint"),
    ("money", "-3", None, "mínusz három forint"),
    ("money", "12.50 EUR", None, "tizenkét euró ötven cent"),
    ("money", "2.02", "EUR", "két euró két cent"),
    ("money", "0.05", "EUR", "öt cent"),
    ("money", "1.01", "USD", "egy dollár egy cent"),
    # count
    ("count", "1", "minute", "egy perc"),
    ("count", "2", "minute", "két perc"),
    ("count", "5", "minute", "öt perc"),
    ("count", "22", "day", "huszonkét nap"),
    ("count", "2", "week", "két hét"),
    ("count", "3 hours", None, "három óra"),
    # ordinal
    ("ordinal", "1", None, "első"),
    ("ordinal", "2", None, "második"),
    ("ordinal", "3", None, "harmadik"),
    ("ordinal", "10", None, "tizedik"),
    ("ordinal", "11", None, "tizenegyedik"),
    ("ordinal", "12", None, "tizenkettedik"),
    ("ordinal", "20", None, "huszadik"),
    ("ordinal", "21", None, "huszonegyedik"),
    ("ordinal", "22", None, "huszonkettedik"),
    ("ordinal", "100", None, "századik"),
    # digits: each alone, so kettő
    ("digits", "2020", None, "kettő nulla kettő nulla"),
    # date
    ("date", "2026-12-05", None, "kétezer huszonhat december ötödike"),
    ("date", "2026-01-01", None, "kétezer huszonhat január elseje"),
    ("date", "2000-02-02", None, "kétezer február másodika"),
    ("date", "1999-03-03", None, "ezerkilencszázkilencvenkilenc március harmadika"),
    ("date", "1990-04-04", None, "ezerkilencszázkilencven április negyedike"),
    ("date", "2010-05-06", None, "kétezer tíz május hatodika"),
    ("date", "2011-06-07", None, "kétezer tizenegy június hetedike"),
    ("date", "2012-07-08", None, "kétezer tizenkettő július nyolcadika"),
    ("date", "2022-08-09", None, "kétezer huszonkettő augusztus kilencedike"),
    ("date", "2030-09-10", None, "kétezer harminc szeptember tizedike"),
    ("date", "2031-10-11", None, "kétezer harmincegy október tizenegyedike"),
    ("date", "2032-11-12", None, "kétezer harminckettő november tizenkettedike"),
    ("date", "2033-12-13", None, "kétezer harminchárom december tizenharmadika"),
    ("date", "2034-01-18", None, "kétezer harmincnégy január tizennyolcadika"),
    ("date", "2035-01-20", None, "kétezer harmincöt január huszadika"),
    ("date", "2036-01-21", None, "kétezer harminchat január huszonegyedike"),
    ("date", "2037-01-22", None, "kétezer harminchét január huszonkettedike"),
    ("date", "2038-01-30", None, "kétezer harmincnyolc január harmincadika"),
    ("date", "2039-01-31", None, "kétezer harminckilenc január harmincegyedike"),
    ("date", "2020-01-15", None, "kétezer húsz január tizenötödike"),
]


# Ordinals 1..9,999, written by hand from Rounds ("Hungarian: An Essential
# Grammar", ordinal numbers: the suffix on the last element of the whole
# compound, első/második only alone, egyedik/kettedik in compounds; ezer ->
# ezredik) and AkH. 12th ed. (one word up to 2000, a hyphen above it: the
# parts are two words here, "kétezer-huszonegyedik" is "kétezer huszonegyedik").
ORDINALS = [
    (1, "első"),
    (2, "második"),
    (3, "harmadik"),
    (11, "tizenegyedik"),
    (12, "tizenkettedik"),
    (13, "tizenharmadik"),
    (20, "huszadik"),
    (21, "huszonegyedik"),
    (99, "kilencvenkilencedik"),
    (100, "századik"),
    (101, "százegyedik"),
    (102, "százkettedik"),
    (110, "száztizedik"),
    (111, "száztizenegyedik"),
    (121, "százhuszonegyedik"),
    (200, "kétszázadik"),
    (999, "kilencszázkilencvenkilencedik"),
    (1000, "ezredik"),
    (1001, "ezeregyedik"),
    (1100, "ezerszázadik"),
    (2000, "kétezredik"),
    (2021, "kétezer huszonegyedik"),
    (9999, "kilencezer kilencszázkilencvenkilencedik"),
    # more compounds ending in 1 and 2, round hundreds and thousands
    (132, "százharminckettedik"),
    (521, "ötszázhuszonegyedik"),
    (1002, "ezerkettedik"),
    (1200, "ezerkétszázadik"),
    (1999, "ezerkilencszázkilencvenkilencedik"),
    (2001, "kétezer egyedik"),
    (2002, "kétezer kettedik"),
    (2100, "kétezer századik"),
    (3524, "háromezer ötszázhuszonnegyedik"),
    (5000, "ötezredik"),
]
CASES += [("ordinal", str(n), None, said) for n, said in ORDINALS]

@pytest.mark.parametrize("kind, value, option, expected", CASES)
def test_hu(kind, value, option, expected):
    extra = {"currency": option} if kind == "money" else {"noun": option} if kind == "count" else {}
    assert " ".join(words("hu", kind, value, **extra)) == expected


# Fragments: compounds played in recordable parts, as say.c plays hu
# (digits/10en "tizen", digits/20on "huszon"), hundreds and unit+ezer/millió
# kept whole. Words above are unchanged.
FRAGMENT_CASES = [
    ("number", "22", None, "huszon kettő"),
    ("number", "12", None, "tizen kettő"),
    ("number", "20", None, "húsz"),
    ("number", "100", None, "száz"),
    ("number", "222", None, "kétszáz huszon kettő"),
    ("number", "1000", None, "ezer"),
    ("number", "1999", None, "ezer kilencszáz kilencven kilenc"),
    ("number", "2026", None, "kétezer huszon hat"),
    ("number", "21000", None, "huszon egyezer"),
    ("number", "122222", None, "száz huszon kétezer kétszáz huszon kettő"),
    ("number", "1001000", None, "egymillió ezer"),
    ("number", "999999999", None, "kilencszáz kilencven kilencmillió kilencszáz kilencven kilencezer "
                                  "kilencszáz kilencven kilenc"),
    ("number", "-45", None, "mínusz negyven öt"),
    ("money", "22", None, "huszon két forint"),
    ("money", "122222.05", None, "száz huszon kétezer kétszáz huszon két forint"),
    ("money", "12.50 EUR", None, "tizen két euró ötven cent"),
    ("count", "22", "day", "huszon két nap"),
    ("ordinal", "22", None, "huszon kettedik"),
    ("ordinal", "11", None, "tizen egyedik"),
    ("ordinal", "60", None, "hatvanadik"),
    # ordinals above 100: the suffix stays with its last element, round
    # hundreds and thousands are whole like kétszáz and kétezer
    ("ordinal", "101", None, "száz egyedik"),
    ("ordinal", "121", None, "száz huszon egyedik"),
    ("ordinal", "200", None, "kétszázadik"),
    ("ordinal", "999", None, "kilencszáz kilencven kilencedik"),
    ("ordinal", "1000", None, "ezredik"),
    ("ordinal", "1001", None, "ezer egyedik"),
    ("ordinal", "1100", None, "ezer századik"),
    ("ordinal", "1200", None, "ezer kétszázadik"),
    ("ordinal", "2000", None, "kétezredik"),
    ("ordinal", "2002", None, "kétezer kettedik"),
    ("ordinal", "2021", None, "kétezer huszon egyedik"),
    ("ordinal", "5000", None, "ötezredik"),
    ("ordinal", "9999", None, "kilencezer kilencszáz kilencven kilencedik"),
    ("date", "2026-12-05", None, "kétezer huszon hat december ötödike"),
    ("date", "2026-01-01", None, "kétezer huszon hat január elseje"),
    ("date", "1999-03-13", None, "ezer kilencszáz kilencven kilenc március tizen harmadika"),
    ("date", "2039-01-31", None, "kétezer harminc kilenc január harminc egyedike"),
    ("date", "2037-01-22", None, "kétezer harminc hét január huszon kettedike"),
]


def _extra(kind, option):
    return {"currency": option} if kind == "money" else {"noun": option} if kind == "count" else {}


@pytest.mark.parametrize("kind, value, option, expected", FRAGMENT_CASES)
def test_hu_fragments(kind, value, option, expected):
    got = fragments("hu", kind, value, **_extra(kind, option))
    assert got == ["say/" + p for p in expected.split()]
    # the parts spell the words: nothing is lost or added by splitting
    assert "".join(got).replace("say/", "") == "".join(words("hu", kind, value, **_extra(kind, option)))


def test_hu_fragment_vocabulary_is_a_few_dozen_recordings():
    frags = fragment_vocabulary("hu")
    assert len(frags) <= 130  # 6263 words
    assert len(vocabulary("hu")) > 6000
    assert {"huszon", "tizen", "kettő", "két", "száz", "kétszáz", "ezer", "kétezer", "egymillió"} <= frags
    # ordinals up to 9,999 add only the round hundreds and thousands with their suffix
    assert {"századik", "kétszázadik", "kilencszázadik", "ezredik", "kétezredik", "kilencezredik"} <= frags
    assert not any("-" in f or " " in f for f in frags)


def test_hu_split_of_every_word_rejoins_it():
    for word in vocabulary("hu"):
        parts = hu.split(word)
        assert "".join(parts) == word
        assert len(parts) == 1 or set(parts) <= hu.PARTS, (word, parts)


def _table(lang: str) -> list:
    # the other languages' tables, read from their test modules (tests/speech is no package)
    path = Path(__file__).with_name(f"test_{lang}.py")
    spec = importlib.util.spec_from_file_location(f"_speech_table_{lang}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CASES


@pytest.mark.parametrize("lang", ["en", "hu", "lt", "pl"])
def test_every_fragment_of_the_tables_is_in_the_fragment_vocabulary(lang):
    frags = fragment_vocabulary(lang)
    table = CASES + FRAGMENT_CASES if lang == "hu" else _table(lang)
    for kind, value, option, _ in table:
        got = {f.removeprefix("say/") for f in fragments(lang, kind, value, **_extra(kind, option))}
        assert got <= frags, (value, got - frags)
