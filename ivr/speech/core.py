"""What every language shares: parsing the values, nouns with their forms,
money and counts built from a language's numbers and agreement rules.

A language module provides: CODE, MINUS, AND (joins units and subunits,
or ""), DEFAULT_CURRENCY, CURRENCIES {code: (main Noun, sub Noun | None)},
NOUNS {name: Noun}, number(n, noun=None), counted(n, noun), ordinal(n),
date(y, m, d), vocabulary().
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import SpeechError

KINDS = ("money", "number", "digits", "date", "ordinal", "count")
MAX = 999_999_999
ORDINAL_MAX = 9_999  # queue positions; dates use 1..31
YEARS = (1000, 2999)  # enough for due dates; the year rules are checked over all of it


@dataclass(frozen=True)
class Noun:
    """A noun's forms after numbers: `one` (1), `few` (pl/lt 2-4/2-9), `many`."""

    one: str
    few: str
    many: str
    gender: str = "m"  # "m", "f" or "n": pl and lt numerals agree with it

    def forms(self) -> set[str]:
        return {self.one, self.few, self.many}


def groups(n: int) -> tuple[int, int, int]:
    """(millions, thousands, units) of 0 <= n <= MAX."""
    return n // 1_000_000, n // 1000 % 1000, n % 1000


class Value:
    """Parses one value for `lang kind: ...` error messages."""

    def __init__(self, lang, kind: str, text: str):
        self.lang, self.kind, self.text = lang, kind, str(text).strip()

    def error(self, what: str) -> SpeechError:
        return SpeechError(f"{self.lang.CODE} {self.kind}: {self.text!r} {what}",
                           language=self.lang.CODE, kind=self.kind, value=self.text)

    def integer(self, text: str, lo: int, hi: int, what: str = "a whole number") -> int:
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            raise self.error(f"is not {what}")
        n = int(text)
        if not lo <= n <= hi:
            raise self.error(f"is out of range ({lo} .. {hi})")
        return n

    def digits(self) -> list[int]:
        # spaces and dashes group account numbers on paper; they are not spoken
        text = re.sub(r"[\s-]", "", self.text)
        if not text or not text.isascii() or not text.isdigit():
            raise self.error("is not a string of digits")
        return [int(c) for c in text]

    def date(self) -> tuple[int, int, int]:
        m = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", self.text)
        if not m:
            raise self.error("is not a date (YYYY-MM-DD)")
        try:
            d = datetime.date(*map(int, m.groups()))
        except ValueError:
            raise self.error("is not a valid date") from None
        if not YEARS[0] <= d.year <= YEARS[1]:
            raise self.error(f"is out of range (years {YEARS[0]} .. {YEARS[1]})")
        return d.year, d.month, d.day

    def count(self, noun: str | None) -> tuple[int, Noun]:
        m = re.fullmatch(r"(\S+)(?:\s+(\S+))?", self.text)
        if not m:
            raise self.error("is not a count (NUMBER [NOUN])")
        n = self.integer(m.group(1), 0, MAX, "a count")
        if m.group(2) and noun and _noun_key(m.group(2)) != _noun_key(noun):
            raise self.error(f"names the noun {m.group(2)!r} but noun {noun!r} was asked for")
        name = noun or m.group(2)
        known = ", ".join(sorted(self.lang.NOUNS))
        if not name:
            raise self.error(f"needs a noun ({known})")
        key = _noun_key(name)
        if key not in self.lang.NOUNS:
            raise self.error(f"has an unknown noun {name!r} ({known})")
        return n, self.lang.NOUNS[key]

    def money(self, currency: str | None) -> tuple[bool, int, int, str]:
        """(negative, units, subunits, currency); currencies without a spoken
        subunit (HUF: the fillér is gone since 1999) round to whole units."""
        m = re.fullmatch(r"([+-]?[0-9]+(?:[.,][0-9]+)?)(?:\s*([A-Za-z]{3}))?", self.text)
        if not m:
            raise self.error("is not an amount")
        try:
            amount = Decimal(m.group(1).replace(",", "."))
        except InvalidOperation:
            raise self.error("is not an amount") from None
        if m.group(2) and currency and m.group(2).upper() != currency.upper():
            raise self.error(f"is in {m.group(2).upper()} but currency {currency.upper()} was asked for")
        code = (currency or m.group(2) or self.lang.DEFAULT_CURRENCY).upper()
        if code not in self.lang.CURRENCIES:
            known = ", ".join(sorted(self.lang.CURRENCIES))
            raise self.error(f"has an unknown currency {code!r} ({known})")
        has_sub = self.lang.CURRENCIES[code][1] is not None
        step = Decimal("0.01") if has_sub else Decimal(1)
        rounded = amount.quantize(step, rounding=ROUND_HALF_UP)
        if has_sub and rounded != amount:
            raise self.error("has more than 2 decimals")
        cents = int(abs(rounded) * 100)
        if cents // 100 > MAX:
            raise self.error(f"is out of range (up to {MAX} {code})")
        return rounded < 0, cents // 100, cents % 100, code


def _noun_key(name: str) -> str:
    key = name.strip().lower()
    return key[:-1] if key.endswith("s") else key  # "minutes" names "minute"


def money(lang, units: int, cents: int, code: str) -> list[str]:
    """Units then subunits, each with its noun in the agreeing form; a zero
    part is not spoken unless the whole amount is zero."""
    main, sub = lang.CURRENCIES[code]
    out: list[str] = []
    if units or not cents:
        out += lang.counted(units, main)
    if cents:
        if out and lang.AND:
            out.append(lang.AND)
        out += lang.counted(cents, sub)
    return out


def vocabulary(lang) -> set[str]:
    """The language's own number/date words plus every noun and currency form."""
    out = set(lang.vocabulary()) | {lang.MINUS}
    if lang.AND:
        out.add(lang.AND)
    for noun in lang.NOUNS.values():
        out |= noun.forms()
    for main, sub in lang.CURRENCIES.values():
        out |= main.forms() | (sub.forms() if sub else set())
    return out
