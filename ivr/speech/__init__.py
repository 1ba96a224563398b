"""Speaking values as prompt fragments, per language (en, pl, hu, lt).

A value becomes words with the grammar of its language (numeral-noun
agreement, gender, cases in dates), and each word one prompt,
prompts/<lang>/say/<word>.wav; a language whose numbers are compounds
(hu: huszonkettő) has `split(word)`, and its fragments are the parts
(say/huszon, say/kettő) so a studio records dozens of files, not thousands.
The rules and their references are in one module per language; parsing
and money are in `core`.

Kinds: number (integer, |n| <= 999,999,999), digits (one word per digit),
count ("N NOUN" or noun=), ordinal (1..9,999), money ("AMOUNT [CUR]" or
currency=; 2 decimals), date (YYYY-MM-DD, years 1000..2999).
"""

from __future__ import annotations

from . import en, hu, lt, pl
from ..errors import SpeechError
from .core import KINDS, MAX, ORDINAL_MAX, Value
from .core import money as _money
from .core import vocabulary as _vocabulary

__all__ = ["KINDS", "LANGUAGES", "SpeechError", "expand", "fragment_vocabulary", "fragments", "vocabulary",
           "words"]

_MODULES = {m.CODE: m for m in (en, hu, lt, pl)}
LANGUAGES = tuple(sorted(_MODULES))
PREFIX = "say/"


def _language(language: str):
    # "pl-PL" and "pl_PL" are Polish too: the rules do not vary by country
    code = str(language).strip().lower().replace("_", "-").split("-")[0]
    if code not in _MODULES:
        raise SpeechError(f"no speech rules for language {language!r} (have {', '.join(LANGUAGES)})")
    return _MODULES[code]


def words(language: str, kind: str, value: str, currency: str | None = None,
          noun: str | None = None) -> list[str]:
    """The spoken words in order, lowercase: words("pl", "money", "22.05", "PLN")
    is ["dwadzieścia", "dwa", "złote", "pięć", "groszy"]."""
    lang = _language(language)
    if kind not in KINDS:
        raise SpeechError(f"{lang.CODE}: unknown kind {kind!r} (have {', '.join(KINDS)})")
    v = Value(lang, kind, value)
    if kind == "number":
        n = v.integer(v.text, -MAX, MAX)
        return ([lang.MINUS] if n < 0 else []) + lang.number(abs(n))
    if kind == "digits":
        return [w for d in v.digits() for w in lang.number(d)]
    if kind == "ordinal":
        return lang.ordinal(v.integer(v.text, 1, ORDINAL_MAX, "an ordinal"))
    if kind == "count":
        return lang.counted(*v.count(noun))
    if kind == "money":
        negative, units, cents, code = v.money(currency)
        return ([lang.MINUS] if negative else []) + _money(lang, units, cents, code)
    return lang.date(*v.date())


def _split(lang, word: str) -> tuple[str, ...]:
    split = getattr(lang, "split", None)  # optional: only languages with compound numerals
    return tuple(split(word)) if split else (word,)


def fragments(language: str, kind: str, value: str, currency: str | None = None,
              noun: str | None = None) -> list[str]:
    """Prompt names, one per word or per part of a compound: "say/złote"
    plays prompts/pl/say/złote; hu 22 is ["say/huszon", "say/kettő"]."""
    lang = _language(language)
    return [PREFIX + part for w in words(language, kind, value, currency, noun) for part in _split(lang, w)]


def expand(item, language: str) -> list[str]:
    """Fragments for a {say: KIND, value: ...} prompt item whose value is
    already resolved ("12.50 EUR", "2026-12-05", "5 minutes")."""
    return fragments(language, item.kind, item.value)


def vocabulary(language: str) -> set[str]:
    """Every word the rules of `language` can produce."""
    return _vocabulary(_language(language))


def fragment_vocabulary(language: str) -> set[str]:
    """Every fragment (without "say/") the rules can play: the prompt catalog."""
    lang = _language(language)
    return {part for w in _vocabulary(lang) for part in _split(lang, w)}
