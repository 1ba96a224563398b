"""Polish (Swan, "A Grammar of Contemporary Polish", on numerals and
their agreement; Wielki słownik ortograficzny PWN and the Poradnia językowa
PWN for the spelling of numerals and the reading of dates).

- After a number the noun is nominative singular for exactly 1 (1 złoty),
  nominative plural when the number ends in 2-4 but not 12-14 (2, 22, 104
  złote), else genitive plural (0, 5, 12, 112, 1000 złotych). The same rule
  picks tysiąc/tysiące/tysięcy and milion/miliony/milionów.
- Exactly 1 agrees in gender (jeden złoty, jedna minuta, jedno euro) and is
  left out before tysiąc/milion; inside a compound it is always "jeden"
  (dwadzieścia jeden minut). 2 is "dwie" with feminine nouns, also inside
  compounds (dwadzieścia dwie minuty).
- Dates: day and year are genitive masculine ordinals, month genitive, then
  "roku"; in the year only the last non-zero part is an ordinal:
  2026 "dwa tysiące dwudziestego szóstego", 1900 "tysiąc dziewięćsetnego",
  2000 "dwutysięcznego".
- The "ordinal" kind (1..9,999) is the nominative masculine (a caller's
  place: "jest pan sto pierwszy w kolejce"). In a compound ordinal only
  the tens and units are ordinals, hundreds and thousands stay cardinals;
  when the tens and units are zero, only the last non-zero element is an
  ordinal, and a round hundred or thousand is one word with the multiplier
  as its first part (Poradnia językowa PWN, "Sto dwadzieścia tysięcy
  dwutysięczny", K. Kłosińska, 2015: "dwa tysiące piętnasty",
  "tysiąc pięćsetny", "osiem tysięcy czterechsetny"; the round hundreds
  and thousands as listed in "Grammatik des Polnischen", Slavolinguistica
  5, §4.4 Ordinalia: setny, dwusetny, trzechsetny, czterechsetny,
  pięćsetny ..., tysięczny, dwutysięczny, pięciotysięczny, and "101 sto
  pierwszy, 112 sto dwunasty"). So 101 "sto pierwszy", 121 "sto dwudziesty pierwszy",
  200 "dwusetny", 1100 "tysiąc setny", 2000 "dwutysięczny", 2021 "dwa
  tysiące dwudziesty pierwszy". Days (1..31) are the same rule in the
  genitive.
"""

from __future__ import annotations

from .core import Noun, groups

CODE = "pl"
MINUS = "minus"
AND = ""  # "dwa złote pięć groszy": amounts are read without "i"
DEFAULT_CURRENCY = "PLN"

ONES = ("zero jeden dwa trzy cztery pięć sześć siedem osiem dziewięć dziesięć jedenaście dwanaście "
        "trzynaście czternaście piętnaście szesnaście siedemnaście osiemnaście dziewiętnaście").split()
ONE = {"m": "jeden", "f": "jedna", "n": "jedno"}
TENS = ("", "", "dwadzieścia", "trzydzieści", "czterdzieści", "pięćdziesiąt", "sześćdziesiąt",
        "siedemdziesiąt", "osiemdziesiąt", "dziewięćdziesiąt")
HUNDREDS = ("", "sto", "dwieście", "trzysta", "czterysta", "pięćset", "sześćset", "siedemset",
            "osiemset", "dziewięćset")
SCALES = (Noun("milion", "miliony", "milionów"), Noun("tysiąc", "tysiące", "tysięcy"))
ORD_ONES = [""] + ("pierwszy drugi trzeci czwarty piąty szósty siódmy ósmy dziewiąty dziesiąty jedenasty "
            "dwunasty trzynasty czternasty piętnasty szesnasty siedemnasty osiemnasty "
            "dziewiętnasty").split()
ORD_TENS = ("", "", "dwudziesty", "trzydziesty", "czterdziesty", "pięćdziesiąty", "sześćdziesiąty",
            "siedemdziesiąty", "osiemdziesiąty", "dziewięćdziesiąty")
# nominative ordinals of round hundreds and thousands (trzechsetny, czterechsetny like the years below)
ORD_HUNDREDS = ("", "setny", "dwusetny", "trzechsetny", "czterechsetny", "pięćsetny", "sześćsetny",
                "siedemsetny", "osiemsetny", "dziewięćsetny")
ORD_THOUSANDS = ("", "tysięczny", "dwutysięczny", "trzytysięczny", "czterotysięczny", "pięciotysięczny",
                 "sześciotysięczny", "siedmiotysięczny", "ośmiotysięczny", "dziewięciotysięczny")
# genitive ordinals of round hundreds and thousands, for years only
HUNDREDS_GEN = ("", "setnego", "dwusetnego", "trzechsetnego", "czterechsetnego", "pięćsetnego",
                "sześćsetnego", "siedemsetnego", "osiemsetnego", "dziewięćsetnego")
THOUSANDS_GEN = ("", "tysięcznego", "dwutysięcznego")
MONTHS = ("", "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
          "września", "października", "listopada", "grudnia")

CENT = Noun("cent", "centy", "centów")
CURRENCIES = {
    "PLN": (Noun("złoty", "złote", "złotych"), Noun("grosz", "grosze", "groszy")),
    "EUR": (Noun("euro", "euro", "euro", "n"), CENT),
    "USD": (Noun("dolar", "dolary", "dolarów"), CENT),
    "GBP": (Noun("funt", "funty", "funtów"), Noun("pens", "pensy", "pensów")),
    "HUF": (Noun("forint", "forinty", "forintów"), None),
}
NOUNS = {
    "second": Noun("sekunda", "sekundy", "sekund", "f"),
    "minute": Noun("minuta", "minuty", "minut", "f"),
    "hour": Noun("godzina", "godziny", "godzin", "f"),
    "day": Noun("dzień", "dni", "dni"),
    "week": Noun("tydzień", "tygodnie", "tygodni"),
    "month": Noun("miesiąc", "miesiące", "miesięcy"),
}


def form(n: int, noun: Noun) -> str:
    if n == 1:
        return noun.one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return noun.few
    return noun.many


def _group(n: int, gender: str) -> list[str]:
    hundreds, rest = divmod(n, 100)
    out = [HUNDREDS[hundreds]] if hundreds else []
    if rest >= 20:
        out.append(TENS[rest // 10])
        rest %= 10
    if rest:
        out.append("dwie" if rest == 2 and gender == "f" else ONES[rest])
    return out


def number(n: int, noun: Noun | None = None) -> list[str]:
    gender = noun.gender if noun else "m"
    if n <= 1:
        return [ONE[gender] if n else "zero"]
    millions, thousands, units = groups(n)
    out: list[str] = []
    for group, scale in ((millions, SCALES[0]), (thousands, SCALES[1])):
        if group:  # tysiąc and milion are masculine: "dwa tysiące" for any noun
            out += ([] if group == 1 else _group(group, "m")) + [form(group, scale)]
    return out + _group(units, gender)


def counted(n: int, noun: Noun) -> list[str]:
    return number(n, noun) + [form(n, noun)]


def _ordinal_below_100(n: int) -> list[str]:
    if n < 20:
        return [ORD_ONES[n]]
    tens, unit = divmod(n, 10)
    return [ORD_TENS[tens]] + ([ORD_ONES[unit]] if unit else [])


def ordinal(n: int) -> list[str]:
    """1..9,999: thousands and hundreds cardinal, tens and units ordinal;
    a round hundred or thousand is the ordinal (tysiąc setny, dwutysięczny)."""
    thousands, rest = divmod(n, 1000)
    hundreds, below = divmod(rest, 100)
    if not rest:
        return [ORD_THOUSANDS[thousands]]
    out = number(thousands * 1000) if thousands else []  # tysiąc, dwa tysiące, pięć tysięcy
    if not below:
        return out + [ORD_HUNDREDS[hundreds]]
    return out + ([HUNDREDS[hundreds]] if hundreds else []) + _ordinal_below_100(below)


def _genitive(word: str) -> str:
    # masculine genitive of an adjective: pierwszy -> pierwszego, drugi -> drugiego
    return (word[:-1] if word.endswith("y") else word) + "ego"


def year(y: int) -> list[str]:
    rest = y % 100
    if rest:
        return number(y - rest) + [_genitive(w) for w in ordinal(rest)]
    if y % 1000:
        return number(y - y % 1000) + [HUNDREDS_GEN[y // 100 % 10]]
    return [THOUSANDS_GEN[y // 1000]]


def date(y: int, m: int, d: int) -> list[str]:
    return [_genitive(w) for w in ordinal(d)] + [MONTHS[m]] + year(y) + ["roku"]


def vocabulary() -> set[str]:
    ordinals = {*ORD_ONES, *ORD_TENS}  # also in the genitive: days and years
    scales = {w for s in SCALES for w in s.forms()}
    return ({*ONES, *ONE.values(), "dwie", *TENS, *HUNDREDS, *ordinals, *ORD_HUNDREDS, *ORD_THOUSANDS,
             *scales, *HUNDREDS_GEN, *THOUSANDS_GEN, *MONTHS, "roku"}
            | {_genitive(w) for w in ordinals if w}) - {""}
