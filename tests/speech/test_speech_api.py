"""The public API: expand() for menu prompts, defaults, and the errors."""

import pytest

from ivr.errors import IVRError
from ivr.menu.model import Say
from ivr.menu.prompts import PromptResolver
from ivr.speech import LANGUAGES, SpeechError, expand, fragments, vocabulary, words


def test_languages():
    assert LANGUAGES == ("en", "hu", "lt", "pl")


def test_example_from_the_brief():
    assert words("pl", "money", "22.05", currency="PLN") == ["dwadzieścia", "dwa", "złote", "pięć", "groszy"]
    # hu compounds are played in recordable parts; the words stay whole
    assert words("hu", "number", "22") == ["huszonkettő"]
    assert fragments("hu", "number", "22") == ["say/huszon", "say/kettő"]


@pytest.mark.parametrize("lang, value, expected", [
    ("pl", "1234.56 PLN", ["say/tysiąc", "say/dwieście", "say/trzydzieści", "say/cztery", "say/złote",
                           "say/pięćdziesiąt", "say/sześć", "say/groszy"]),
    ("en", "12.50 EUR", ["say/twelve", "say/euros", "say/and", "say/fifty", "say/cents"]),
    ("hu", "2 HUF", ["say/két", "say/forint"]),
    ("lt", "2", ["say/du", "say/eurai"]),
])
def test_expand_money(lang, value, expected):
    assert expand(Say("money", value), lang) == expected


@pytest.mark.parametrize("lang, unit", [("en", "euros"), ("pl", "złote"), ("hu", "forint"), ("lt", "eurai")])
def test_default_currency(lang, unit):
    assert words(lang, "money", "2")[-1] == unit


def test_expand_other_kinds():
    assert expand(Say("date", "2026-12-05"), "hu") == ["say/kétezer", "say/huszon", "say/hat", "say/december",
                                                      "say/ötödike"]
    assert expand(Say("number", "42"), "en") == ["say/forty", "say/two"]
    assert expand(Say("count", "5 minutes"), "pl") == ["say/pięć", "say/minut"]
    assert expand(Say("digits", "12"), "lt") == ["say/vienas", "say/du"]


def test_prompt_resolver_expands_say_items(tmp_path):
    resolver = PromptResolver(tmp_path)
    assert resolver.names(("balance-is", Say("money", "1 PLN")), "pl") == ["balance-is", "say/jeden", "say/złoty"]


def test_language_with_region():
    assert words("pl-PL", "number", "2") == words("pl_pl", "number", "2") == ["dwa"]


def test_noun_and_currency_spellings():
    assert words("en", "count", "2", noun="Minutes") == ["two", "minutes"]
    assert words("en", "money", "2 usd") == words("en", "money", "2", currency="usd") == ["two", "dollars"]
    assert words("pl", "money", "2 PLN", currency="PLN") == ["dwa", "złote"]
    assert words("pl", "money", " 1.5 ") == ["jeden", "złoty", "pięćdziesiąt", "groszy"]
    assert words("en", "money", "2.500") == ["two", "euros", "and", "fifty", "cents"]
    assert words("en", "number", "+7") == ["seven"]
    assert words("en", "money", "-0.00") == ["zero", "euros"]


def test_vocabulary_is_a_fresh_set():
    v = vocabulary("hu")
    v.clear()
    assert "huszonkettő" in vocabulary("hu")


def test_speech_error_is_an_ivr_error():
    assert issubclass(SpeechError, IVRError)


@pytest.mark.parametrize("call, message", [
    (lambda: words("pl", "money", "12,3x"), "pl money: '12,3x' is not an amount"),
    (lambda: words("pl", "money", "1.234"), "pl money: '1.234' has more than 2 decimals"),
    (lambda: words("pl", "money", "12 XYZ"), "pl money: '12 XYZ' has an unknown currency 'XYZ'"),
    (lambda: words("pl", "money", "12 EUR", currency="PLN"), "pl money: '12 EUR' is in EUR but currency PLN"),
    (lambda: words("en", "money", "1000000000"), "en money: '1000000000' is out of range"),
    (lambda: words("en", "number", "1000000000"), "en number: '1000000000' is out of range"),
    (lambda: words("en", "number", "4.0"), "en number: '4.0' is not a whole number"),
    (lambda: words("en", "number", ""), "en number: '' is not a whole number"),
    (lambda: words("hu", "ordinal", "0"), "hu ordinal: '0' is out of range (1 .. 9999)"),
    (lambda: words("hu", "ordinal", "10000"), "hu ordinal: '10000' is out of range (1 .. 9999)"),
    (lambda: words("pl", "ordinal", "-1"), "pl ordinal: '-1' is out of range (1 .. 9999)"),
    (lambda: words("lt", "ordinal", "1e3"), "lt ordinal: '1e3' is not an ordinal"),
    (lambda: words("en", "ordinal", "101st"), "en ordinal: '101st' is not an ordinal"),
    (lambda: words("en", "ordinal", "1 000"), "en ordinal: '1 000' is not an ordinal"),
    (lambda: words("lt", "date", "2026-02-30"), "lt date: '2026-02-30' is not a valid date"),
    (lambda: words("lt", "date", "5.12.2026"), "lt date: '5.12.2026' is not a date (YYYY-MM-DD)"),
    (lambda: words("lt", "date", "0999-12-31"), "lt date: '0999-12-31' is out of range"),
    (lambda: words("pl", "count", "5"), "pl count: '5' needs a noun"),
    (lambda: words("pl", "count", "5", noun="parsec"), "pl count: '5' has an unknown noun 'parsec'"),
    (lambda: words("pl", "count", "5 days", noun="minute"), "pl count: '5 days' names the noun 'days'"),
    (lambda: words("pl", "count", "-5", noun="minute"), "pl count: '-5' is out of range"),
    (lambda: words("en", "digits", "12a4"), "en digits: '12a4' is not a string of digits"),
    (lambda: words("en", "digits", "²"), "en digits: '²' is not a string of digits"),
    (lambda: words("en", "time", "12:00"), "en: unknown kind 'time'"),
    (lambda: words("de", "number", "1"), "no speech rules for language 'de' (have en, hu, lt, pl)"),
    (lambda: expand(Say("money", "abc"), "pl"), "pl money: 'abc' is not an amount"),
])
def test_errors_name_what_is_wrong(call, message):
    with pytest.raises(SpeechError) as exc:
        call()
    assert str(exc.value).startswith(message)
