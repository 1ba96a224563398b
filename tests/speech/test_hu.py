"""Hungarian, expected words written from the rules (Rounds, "Hungarian: An
Essential Grammar"; AkH.): one word up to 2000, hyphens between groups
above it (each part one fragment); kettő alone, két before a noun or in a
compound; singular noun after numbers; dates year-month-day, day -a/-e."""

import pytest

from ivr.speech import words

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


@pytest.mark.parametrize("kind, value, option, expected", CASES)
def test_hu(kind, value, option, expected):
    extra = {"currency": option} if kind == "money" else {"noun": option} if kind == "count" else {}
    assert " ".join(words("hu", kind, value, **extra)) == expected
