"""English, American style (Huddleston & Pullum, "The Cambridge Grammar of
the English Language" (CGEL), on numerals; The Chicago Manual of Style
ch. 9 for dates).

- Cardinals without "and" after hundred (American): 105 "one hundred five".
  Hyphenated tens are two fragments: 21 "twenty" "one".
- The noun is singular only after exactly one: 1 minute, 0/2/21 minutes.
- Money joins units and subunits with "and": "two euros and five cents".
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


def ordinal(n: int) -> list[str]:
    if n == 100:
        return ["one", "hundredth"]
    tens, unit = divmod(n, 10)
    if n < 20:
        return [ORD_ONES[n]]
    return [TENS[tens], ORD_ONES[unit]] if unit else [ORD_TENS[tens]]


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
    return {*ONES, *TENS, *ORD_ONES, *ORD_TENS, *MONTHS, *SCALES, "hundred", "hundredth", "oh"} - {""}
