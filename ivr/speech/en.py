"""English, American style (Huddleston & Pullum, "The Cambridge Grammar of
the English Language" (CGEL), on numerals; The Chicago Manual of Style
ch. 9 for dates).

- Cardinals without "and" after hundred (American): 105 "one hundred five".
  Hyphenated tens are two fragments: 21 "twenty" "one".
- The noun is singular only after exactly one: 1 minute, 0/2/21 minutes.
- Money joins units and subunits with "and": "two euros and five cents".
- Ordinals (the "ordinal" kind, 1..9,999): in a compound numeral only the
  last component takes the ordinal form, what comes before stays a
  cardinal (CGEL, on numerals; the usual grammar rule: "twenty-first,
  one hundred and first"). The "and" before a last part below 100 that
  follows hundred or thousand is the rule in British English and often
  left out in American English (CGEL); we say it in ordinals because that
  is how a position is said aloud ("caller number one hundred and first",
  "the hundred and first time"), and leave it out of cardinals as above. 101 "one hundred and first", 1001 "one thousand
  and first", 2021 "two thousand and twenty first", 1100 "one thousand one
  hundredth", 2000 "two thousandth".
- Dates month-day-year, day as an ordinal, year read in pairs:
  2026-12-05 "December fifth, twenty twenty-six"; 2005 "two thousand five",
  1905 "nineteen oh five", 1900 "nineteen hundred".
"""

from __future__ import annotations

from .core import Noun, groups

CODE = "en"
MINUS = "minus"
AND = "and"
DEFAULT_CURRENCY = "EUR"

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES = ("million", "thousand", "")
ORD_ONES = [""] + ("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
            "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth").split()
ORD_TENS = ("", "", "twentieth", "thirtieth", "fortieth", "fiftieth", "sixtieth", "seventieth",
            "eightieth", "ninetieth")
MONTHS = ("", "january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")

CURRENCIES = {
    "EUR": (Noun("euro", "euros", "euros"), Noun("cent", "cents", "cents")),
    "USD": (Noun("dollar", "dollars", "dollars"), Noun("cent", "cents", "cents")),
    "GBP": (Noun("pound", "pounds", "pounds"), Noun("penny", "pence", "pence")),
    "PLN": (Noun("zloty", "zlotys", "zlotys"), Noun("grosz", "groszy", "groszy")),
    "HUF": (Noun("forint", "forints", "forints"), None),
}
NOUNS = {
    "second": Noun("second", "seconds", "seconds"),
    "minute": Noun("minute", "minutes", "minutes"),
    "hour": Noun("hour", "hours", "hours"),
    "day": Noun("day", "days", "days"),
    "week": Noun("week", "weeks", "weeks"),
    "month": Noun("month", "months", "months"),
}


def _below_100(n: int) -> list[str]:
    if n < 20:
        return [ONES[n]]
    tens, unit = divmod(n, 10)
    return [TENS[tens]] + ([ONES[unit]] if unit else [])


def _below_1000(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    out = [ONES[hundreds], "hundred"] if hundreds else []
    return out + (_below_100(rest) if rest else [])


def number(n: int, noun: Noun | None = None) -> list[str]:
    if n == 0:
        return ["zero"]
    out: list[str] = []
    for group, scale in zip(groups(n), SCALES):
        if group:
            out += _below_1000(group) + ([scale] if scale else [])
    return out


def counted(n: int, noun: Noun) -> list[str]:
    return number(n) + [noun.one if n == 1 else noun.many]


def _ordinal_below_100(n: int) -> list[str]:
    if n < 20:
        return [ORD_ONES[n]]
    tens, unit = divmod(n, 10)
    return [TENS[tens], ORD_ONES[unit]] if unit else [ORD_TENS[tens]]


def ordinal(n: int) -> list[str]:
    """1..9,999: the cardinal of what precedes the last element, then the
    last element as an ordinal ("and" before a last part below 100)."""
    thousands, rest = divmod(n, 1000)
    hundreds, below = divmod(rest, 100)
    if below:
        before = number(n - below) if n > below else []
        return before + (["and"] if before else []) + _ordinal_below_100(below)
    if hundreds:
        return ([ONES[thousands], "thousand"] if thousands else []) + [ONES[hundreds], "hundredth"]
    return [ONES[thousands], "thousandth"]


def year(y: int) -> list[str]:
    century, rest = divmod(y, 100)
    if y % 1000 < 10:  # 2000-2009 are not read in pairs: "two thousand five"
        return number(y)
    if rest == 0:
        return number(century) + ["hundred"]
    return number(century) + (["oh"] if rest < 10 else []) + number(rest)


def date(y: int, m: int, d: int) -> list[str]:
    return [MONTHS[m]] + ordinal(d) + year(y)


def vocabulary() -> set[str]:
    return {*ONES, *TENS, *ORD_ONES, *ORD_TENS, *MONTHS, *SCALES, "hundred", "hundredth", "thousandth", "oh"} - {""}
