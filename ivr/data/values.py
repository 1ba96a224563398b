"""One value of an imported row, as it was meant: amounts in the currency's
minor unit, written the way Polish, Hungarian and Lithuanian spreadsheets
write them, and the YAML scalars that are not what they look like.

Every function takes the cell's text (or, from YAML, a `Typed` for what YAML
read as something other than a string) and returns the value or raises
ValueError with the message shown after `FILE:LINE: field:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# ISO 4217 minor units (exponents), SIX's "List one" (current currencies), for
# the currencies whose exponent is not 2; every other code has 2.
# HUF is 2 in ISO 4217, but the fillér left circulation in 1999 (Magyar Nemzeti
# Bank): prices, bills and cash are whole forints, and the speech rules say
# forints only (ivr/speech/core.py `money`, ivr/speech/hu.py). An import that
# kept 12.50 HUF would be read to the caller as 13 forints: it is refused.
MINOR_UNITS: dict[str, int] = {
    "HUF": 0,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}
STORED_DECIMALS = 2            # accounts.balance and tariffs.price are NUMERIC(12, 2)
MAX_AMOUNT = Decimal(10) ** 10  # exclusive: 12 digits, 2 after the point

# Digit grouping that cannot be a decimal mark: spaces (Excel's pl/hu/lt
# "1 000" uses U+00A0, newer ones U+202F) and the Swiss apostrophe.
_SPACES = "\u0020\u00a0\u202f\u2009'\u2019"
_AMOUNT = re.compile(r"([+-]?)([0-9][0-9" + _SPACES + r",.]*)")
_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:X[0-9]{3})+")   # X: the grouping mark


@dataclass(frozen=True)
class Typed:
    """A YAML scalar that YAML did not read as a string: `text` as written,
    `value` what YAML made of it, `tag` its YAML type (bool, int, float, null,
    timestamp)."""
    text: str
    tag: str
    value: object

    def reads_as(self) -> str:
        """In words, as `ivr validate` says it (ivr/menu/validate.py `_reads_as`)."""
        if self.tag == "bool":
            return f"the boolean {str(self.value).lower()}"
        if self.tag in ("int", "float"):
            return f"the number {self.value}"
        if self.tag == "null":
            return "null (no value)"
        if self.tag == "timestamp":
            return f"the date {self.value}"
        return f"a {self.tag}"

    def quote_it(self, wanted: str) -> str:
        """The message of `ivr validate`'s `_not_a_string`."""
        if self.tag in ("list", "mapping"):
            return f"must be {wanted}, not {self.reads_as()}"
        return f"must be {wanted}: YAML reads unquoted {self.text} as {self.reads_as()}; quote it"


def minor_unit(currency: str) -> int:
    """Digits after the decimal point for `currency` (ISO 4217; HUF 0, see MINOR_UNITS)."""
    return MINOR_UNITS.get(currency, 2)


def text(raw: object, wanted: str = "text") -> str:
    if isinstance(raw, Typed):
        raise ValueError(raw.quote_it(wanted))
    return raw  # type: ignore[return-value]


def amount(raw: object, currency: str | None, decimal_mark: str | None = None) -> Decimal:
    """An exact amount in `currency`'s minor unit (None: an unknown currency, 2).

    Accepted: digits with one decimal mark, `,` or `.`; digits grouped by
    spaces or apostrophes (1 000,50); and, where the file's dialect names its
    decimal mark (`;` files: `,`; `,` files: `.`), the other mark as grouping
    when both appear (1.000,50). Refused, with the reason: a single `,` or
    `.` followed by exactly three digits (1,000 or 1.000: a thousand, or one
    with three decimals? the spreadsheet's locale decides, and we cannot see
    it); more decimals than the currency has (0.125 PLN, 12.50 HUF); trailing
    zeros beyond it are fine (12.500 is refused as ambiguous, 12.5000 is 12.50).
    """
    if isinstance(raw, Typed):
        raise ValueError(raw.quote_it("a quoted amount like '12.50'"))
    s = raw.strip()
    m = _AMOUNT.fullmatch(s)
    if not m:
        raise ValueError(f"{raw!r} is not an amount")
    sign, body = m.groups()
    if any(c in body for c in _SPACES):
        parts = re.split("[" + _SPACES + "]", body)
        last = re.fullmatch(r"([0-9]{3})([,.][0-9]+)?", parts[-1])
        if not last or not _GROUPED.fullmatch("X".join(parts[:-1] + [last.group(1)])):
            raise ValueError(f"{raw!r}: digits grouped wrongly (groups of three: 1 000 000)")
        body = "".join(parts)
    body = _decimal_point(body, raw, decimal_mark)
    try:
        value = Decimal(sign + body)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount") from None
    code = currency or "?"
    digits = minor_unit(currency) if currency else 2
    if digits > STORED_DECIMALS:
        raise ValueError(f"{code} has {digits} decimals (ISO 4217); amounts are stored with {STORED_DECIMALS}")
    step = Decimal(1).scaleb(-digits)
    if value != value.quantize(step):
        unit = "whole forints: the fillér was withdrawn in 1999" if code == "HUF" else f"{digits}, ISO 4217"
        raise ValueError(f"{raw!r} has more decimals than {code} allows ({unit})")
    if abs(value) >= MAX_AMOUNT:
        raise ValueError(f"{raw!r} is out of range (under {MAX_AMOUNT:,})")
    return value.quantize(Decimal("0.01"))


def _decimal_point(body: str, raw: object, decimal_mark: str | None) -> str:
    """`body` (digits, `,` and `.`) with `.` as its only separator, or ValueError."""
    commas, dots = body.count(","), body.count(".")
    if not commas and not dots:
        return body
    if commas and dots:
        mark = "," if body.rfind(",") > body.rfind(".") else "."
        group = "." if mark == "," else ","
        if decimal_mark and mark != decimal_mark:
            raise ValueError(f"{raw!r}: the decimal mark in this file is {decimal_mark!r}")
        whole, _, frac = body.rpartition(mark)
        if not _GROUPED.fullmatch(whole.replace(group, "X")) or mark in whole:
            raise ValueError(f"{raw!r}: digits grouped wrongly (groups of three: 1.000.000,50)")
        return whole.replace(group, "") + "." + frac
    sep = "," if commas else "."
    if body.count(sep) > 1:  # 1.000.000: grouping only, never a decimal mark
        if sep == decimal_mark or not _GROUPED.fullmatch(body.replace(sep, "X")):
            raise ValueError(f"{raw!r} is not an amount")
        return body.replace(sep, "")
    whole, _, frac = body.partition(sep)
    if len(frac) == 3 and _GROUPED.fullmatch(whole + "X" + frac):
        raise ValueError(f"{raw!r} is ambiguous: {sep!r} as a thousands separator or as the decimal mark? "
                         f"write it without thousands separators ({whole}{frac})")
    if not frac:
        raise ValueError(f"{raw!r} is not an amount")
    return whole + "." + frac


def day(raw: object) -> date:
    """A calendar day: YYYY-MM-DD (ISO 8601), or a YAML date."""
    if isinstance(raw, Typed):
        if raw.tag == "timestamp" and isinstance(raw.value, date) and not isinstance(raw.value, datetime):
            return raw.value
        raise ValueError(raw.quote_it("a date like 2026-12-15"))
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (use YYYY-MM-DD)") from None


def whole_number(raw: object) -> int:
    if isinstance(raw, Typed):
        if raw.tag == "int":
            return raw.value  # type: ignore[return-value]
        raise ValueError(raw.quote_it("a whole number"))
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number") from None
