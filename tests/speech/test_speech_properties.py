"""Properties over many values: every word is in the language's vocabulary
and every fragment in its fragment vocabulary (so the prompt catalog is
complete), fragments are "say/" + the parts of each word, bad values raise
SpeechError naming the value."""

import datetime
import functools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.speech import KINDS, LANGUAGES, SpeechError, fragment_vocabulary, fragments, vocabulary, words
from ivr.speech import en, hu, lt, pl
from ivr.speech.core import ORDINAL_MAX

MODULES = {"en": en, "hu": hu, "lt": lt, "pl": pl}
VOCABULARY = {lang: vocabulary(lang) for lang in LANGUAGES}
FRAGMENTS = {lang: fragment_vocabulary(lang) for lang in LANGUAGES}
langs = st.sampled_from(LANGUAGES)


def amounts(has_sub: bool):
    cents = st.integers(-100_000_000, 100_000_000)  # up to 1e6 with cents, both signs
    return cents.map(lambda c: f"{c / 100:.2f}" if has_sub else str(c // 100))


@st.composite
def values(draw):
    """(lang, kind, value, currency, noun) for any valid value."""
    lang = draw(langs)
    module = MODULES[lang]
    kind = draw(st.sampled_from(KINDS))
    currency = noun = None
    if kind == "number":
        value = str(draw(st.integers(-999_999_999, 999_999_999)))
    elif kind == "digits":
        value = draw(st.text("0123456789", min_size=1, max_size=20))
    elif kind == "ordinal":
        value = str(draw(st.integers(1, ORDINAL_MAX)))
    elif kind == "count":
        value = str(draw(st.integers(0, 999_999_999)))
        noun = draw(st.sampled_from(sorted(module.NOUNS)))
    elif kind == "money":
        currency = draw(st.sampled_from(sorted(module.CURRENCIES)))
        value = draw(amounts(module.CURRENCIES[currency][1] is not None))
    else:
        day = draw(st.dates(datetime.date(1990, 1, 1), datetime.date(2099, 12, 31)))
        value = day.isoformat()
    return lang, kind, value, currency, noun


@settings(max_examples=3000, deadline=None)
@given(values())
def test_every_word_is_in_the_vocabulary(case):
    lang, kind, value, currency, noun = case
    said = words(lang, kind, value, currency=currency, noun=noun)
    assert said
    assert set(said) <= VOCABULARY[lang], set(said) - VOCABULARY[lang]


@settings(max_examples=500, deadline=None)
@given(values())
def test_fragments_are_say_slash_parts_of_words(case):
    lang, kind, value, currency, noun = case
    split = getattr(MODULES[lang], "split", lambda w: (w,))  # only hu has compounds to split
    got = fragments(lang, kind, value, currency, noun)
    assert got == ["say/" + p for w in words(lang, kind, value, currency, noun) for p in split(w)]
    assert {f.removeprefix("say/") for f in got} <= FRAGMENTS[lang]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 999_999_999), langs)
def test_money_in_whole_units_is_spoken_like_a_count(n, lang):
    # the currency word follows the same agreement as any noun after the number
    module = MODULES[lang]
    main = module.CURRENCIES[module.DEFAULT_CURRENCY][0]
    assert words(lang, "money", str(n)) == module.counted(n, main)


@functools.lru_cache(maxsize=None)
def said_over_a_covering_set(lang: str) -> frozenset:
    """Every word for values that reach every rule: numbers are built per group
    of three digits, so each group value in each place covers 0..999,999,999."""
    module, seen = MODULES[lang], set(words(lang, "number", "-1"))
    for g in range(1000):
        for n in (g, g * 1000, g * 1_000_000, 1000 + g, 2000 + g):
            seen.update(words(lang, "number", str(n)))
            for noun in module.NOUNS:
                seen.update(words(lang, "count", str(n), noun=noun))
            for code in module.CURRENCIES:
                seen.update(words(lang, "money", str(n), currency=code))
    for code, (_, sub) in module.CURRENCIES.items():
        for cents in range(1, 100) if sub else ():
            seen.update(words(lang, "money", f"1.{cents:02}", currency=code))
    for n in range(1, ORDINAL_MAX + 1):
        seen.update(words(lang, "ordinal", str(n)))
    seen.update(words(lang, "digits", "0123456789"))
    for year in range(1000, 3000):
        seen.update(words(lang, "date", f"{year}-01-01"))
    day = datetime.date(2024, 1, 1)
    while day.year == 2024:
        seen.update(words(lang, "date", day.isoformat()))
        day += datetime.timedelta(days=1)
    return frozenset(seen)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_vocabulary_is_exhaustive(lang):
    missing = said_over_a_covering_set(lang) - VOCABULARY[lang]
    assert not missing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_vocabulary_holds_no_word_that_is_never_said(lang):
    # each word is a prompt file to record or synthesize: none may be dead
    unused = VOCABULARY[lang] - said_over_a_covering_set(lang)
    assert not unused


@pytest.mark.parametrize("lang", LANGUAGES)
def test_vocabulary_words_make_file_names(lang):
    for word in VOCABULARY[lang]:
        assert word and word == word.lower() and re.fullmatch(r"[^\s/\-]+", word), word


@settings(max_examples=500, deadline=None)
@given(langs, st.sampled_from(KINDS), st.text(max_size=12))
def test_bad_values_raise_speech_error_naming_them(lang, kind, text):
    value = text + "?"  # "?" fits no kind, so every such value is wrong
    with pytest.raises(SpeechError) as exc:
        words(lang, kind, value, noun="minute" if kind == "count" else None)
    assert repr(value.strip()) in str(exc.value)
    assert str(exc.value).startswith(f"{lang} {kind}: ")


# Ordinals: the whole range, every language (queue positions up to 9,999).

@functools.lru_cache(maxsize=None)
def all_ordinals(lang: str) -> dict[int, list[str]]:
    return {n: words(lang, "ordinal", str(n)) for n in range(1, ORDINAL_MAX + 1)}


def test_ordinal_max_is_at_least_9999():
    assert ORDINAL_MAX >= 9999


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_ordinal_is_spoken_in_vocabulary_words_and_fragments(lang):
    for n, said in all_ordinals(lang).items():
        assert said and set(said) <= VOCABULARY[lang], (n, set(said) - VOCABULARY[lang])
        got = {f.removeprefix("say/") for f in fragments(lang, "ordinal", str(n))}
        assert got <= FRAGMENTS[lang], (n, got - FRAGMENTS[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_two_ordinals_sound_the_same(lang):
    # two callers in different places must never hear the same words
    heard = {" ".join(said) for said in all_ordinals(lang).values()}
    assert len(heard) == ORDINAL_MAX


@pytest.mark.parametrize("lang", ["en", "pl", "lt"])
def test_only_the_last_element_is_an_ordinal(lang):
    # n = head + tail with 0 < tail < 100: the head is the cardinal, the tail
    # the ordinal of 1..99 (en puts "and" between them)
    module = MODULES[lang]
    for n, said in all_ordinals(lang).items():
        head, tail = n - n % 100, n % 100
        if head and tail:
            joint = ["and"] if lang == "en" else []
            assert said == module.number(head) + joint + module.ordinal(tail), n


def test_hu_ordinal_is_the_cardinal_with_its_last_element_made_ordinal():
    # the same words as the cardinal (one up to 2000, two above it) except
    # the last, which differs from the cardinal only at the end
    for n, said in all_ordinals("hu").items():
        cardinal = hu.number(n)
        assert len(said) == len(cardinal) and said[:-1] == cardinal[:-1], n
        assert said[-1].endswith("dik") or said[-1] == "első", n
        if n > 2:
            assert not said[-1].endswith(("első", "második")), n  # egyedik, kettedik in compounds


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("value", ["0", "10000", "-1", "-101", "99999", "abc", "1.5", "1e3", "101st", ""])
def test_ordinals_out_of_range_or_not_numbers_are_refused_naming_them(lang, value):
    with pytest.raises(SpeechError) as exc:
        words(lang, "ordinal", value)
    message = str(exc.value)
    assert message.startswith(f"{lang} ordinal: {value!r} ")
    assert ("out of range (1 .. 9999)" in message) == (value.lstrip("-").isdigit())
