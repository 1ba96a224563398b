"""Hungarian (Rounds, "Hungarian: An Essential Grammar", ch. on numerals and
dates; A magyar helyesírás szabályai (AkH., 12th ed.) on writing
numbers in words).

- Numbers up to 2000 are one word (ezerkilencszázkilencvenkilenc); above
  2000 the groups of three are joined with hyphens (kétezer-huszonhat,
  egymillió-ezer), and we speak each hyphen-separated part as one fragment.
- 2 is "kettő" when it stands alone and "két" as the first part of a
  compound (kétszáz, kétezer, kétmillió) or before a noun (két forint,
  huszonkét forint). 1000 is "ezer", a million "egymillió".
- 10 and 20 are "tíz", "húsz" alone but "tizen-", "huszon-" before a unit.
- The noun stays singular after any number: egy perc, öt perc.
- HUF is said in whole forints: the fillér was withdrawn in 1999.
- Dates year-month-day: year cardinal, month nominative, day as the
  possessive of the ordinal (-a/-e by vowel harmony; 1 is "elseje"):
  2026-12-05 "kétezer-huszonhat december ötödike".
- The "ordinal" kind (1..9,999): the ordinal suffix -adik/-edik/-odik/-ödik
  goes on the whole compound, after its last element, and the rest of the
  word stays as the cardinal is written (Rounds, ch. on ordinal numbers;
  AkH. 12th ed. on writing numerals, the 2000 hyphen rule included).
  "első" and "második" are said only alone; at the end of a compound 1 and
  2 are "egyedik" and "kettedik": tizenegyedik, huszonkettedik,
  százegyedik, ezerkettedik, kétezer-egyedik. A round last element takes
  the suffix itself: száz -> századik, kétszáz -> kétszázadik, ezer ->
  ezredik (the stem drops its e), kétezer -> kétezredik. So 101
  "százegyedik", 121 "százhuszonegyedik", 1100 "ezerszázadik", 2021
  "kétezer-huszonegyedik" (two words, as the cardinal above 2000).

Fragments: the words above are a few thousand compounds, too many to record.
`split` cuts each into recordable parts the way Asterisk's say.c plays hu
(digits/10en "tizen", digits/20on "huszon", a tens word, a unit, "ezer"),
with two joins say.c lacks because they are one stress group: the hundreds
(kétszáz, not két + száz) and a unit before ezer/millió (kétezer, egymillió).
So "huszonkettő" is huszon + kettő, "kétezer-huszonhat" kétezer + huszon +
hat, "tizenegyedike" tizen + egyedike.

Ordinals are cut the same way, with the suffix staying on the last element
it belongs to: a unit (száz + egyedik, ezer + kettedik), a round ten
(száz + huszadik), a round hundred, whole like the cardinal hundreds
(ezer + kétszázadik, kétezer + századik), or a round thousand, whole like
kétezer (kétezredik, ezredik). That adds the 18 round hundreds and
thousands with their suffix to the parts: about 130 recordings in all.
"""

from __future__ import annotations

from functools import lru_cache

from .core import ORDINAL_MAX, Noun, groups

CODE = "hu"
MINUS = "mínusz"
AND = ""  # "két euró öt cent"
DEFAULT_CURRENCY = "HUF"

UNITS = ("", "egy", "kettő", "három", "négy", "öt", "hat", "hét", "nyolc", "kilenc")
TENS = ("", "tíz", "húsz", "harminc", "negyven", "ötven", "hatvan", "hetven", "nyolcvan", "kilencven")
TENS_BEFORE_UNIT = ("", "tizen", "huszon") + TENS[3:]
ORD_UNITS = ("", "első", "második", "harmadik", "negyedik", "ötödik", "hatodik", "hetedik",
             "nyolcadik", "kilencedik")
ORD_UNITS_IN_COMPOUND = ("", "egyedik", "kettedik") + ORD_UNITS[3:]  # tizenegyedik, not tizenelső


def _hundreds(h: int) -> str:
    """The multiplier before száz and ezer: száz, kétszáz, háromszáz."""
    return "" if h == 1 else "két" if h == 2 else UNITS[h]


ORD_HUNDREDS = ("",) + tuple(_hundreds(h) + "századik" for h in range(1, 10))  # kétszázadik
ORD_THOUSANDS = ("",) + tuple(_hundreds(t) + "ezredik" for t in range(1, 10))  # ezredik, kétezredik
ORD_TENS = ("", "tizedik", "huszadik", "harmincadik", "negyvenedik", "ötvenedik", "hatvanadik",
            "hetvenedik", "nyolcvanadik", "kilencvenedik")
MONTHS = ("", "január", "február", "március", "április", "május", "június", "július", "augusztus",
          "szeptember", "október", "november", "december")

CURRENCIES = {
    "HUF": (Noun("forint", "forint", "forint"), None),
    "EUR": (Noun("euró", "euró", "euró"), Noun("cent", "cent", "cent")),
    "USD": (Noun("dollár", "dollár", "dollár"), Noun("cent", "cent", "cent")),
    "GBP": (Noun("font", "font", "font"), Noun("penny", "penny", "penny")),
    "PLN": (Noun("zloty", "zloty", "zloty"), Noun("grosz", "grosz", "grosz")),
}
NOUNS = {name: Noun(w, w, w) for name, w in (
    ("second", "másodperc"), ("minute", "perc"), ("hour", "óra"),
    ("day", "nap"), ("week", "hét"), ("month", "hónap"))}


def _group(n: int, attributive: bool) -> str:
    """1..999 as one word; `attributive`: something follows (két, not kettő)."""
    hundreds, rest = divmod(n, 100)
    tens, unit = divmod(rest, 10)
    word = ("" if hundreds == 1 else _unit(hundreds, True)) + "száz" if hundreds else ""
    word += (TENS_BEFORE_UNIT if unit else TENS)[tens]
    return word + _unit(unit, attributive)


def _unit(n: int, attributive: bool) -> str:
    return "két" if n == 2 and attributive else UNITS[n]


def _parts(n: int, attributive: bool) -> list[str]:
    millions, thousands, units = groups(n)
    parts = []
    if millions:
        parts.append(_group(millions, True) + "millió")
    if thousands:
        parts.append(("" if thousands == 1 else _group(thousands, True)) + "ezer")
    if units:
        parts.append(_group(units, attributive))
    return parts


def number(n: int, noun: Noun | None = None) -> list[str]:
    if n == 0:
        return ["nulla"]
    parts = _parts(n, attributive=noun is not None)
    return ["".join(parts)] if n <= 2000 else parts


def counted(n: int, noun: Noun) -> list[str]:
    return number(n, noun) + [noun.one]


def _ordinal_group(n: int, in_compound: bool) -> str:
    """1..999 as one ordinal word; `in_compound`: something precedes it
    (ezer-, kétezer-), so 1 and 2 are egyedik and kettedik."""
    hundreds, rest = divmod(n, 100)
    tens, unit = divmod(rest, 10)
    if not rest:
        return ORD_HUNDREDS[hundreds]
    word = _hundreds(hundreds) + "száz" if hundreds else ""
    if not unit:
        return word + ORD_TENS[tens]
    if word or tens or in_compound:
        return word + TENS_BEFORE_UNIT[tens] + ORD_UNITS_IN_COMPOUND[unit]
    return ORD_UNITS[unit]


def ordinal(n: int) -> list[str]:
    """1..9,999, written as the cardinal is: one word up to 2000, the
    thousands apart above it (kétezer-egyedik is "kétezer", "egyedik")."""
    thousands, rest = divmod(n, 1000)
    if not rest:
        return [ORD_THOUSANDS[thousands]]
    if not thousands:
        return [_ordinal_group(rest, False)]
    head = _hundreds(thousands) + "ezer"
    last = _ordinal_group(rest, True)
    return [head + last] if n <= 2000 else [head, last]


def _possessive(ordinal_word: str) -> str:
    """ötödik -> ötödike, harmadik -> harmadika: the vowel before -dik decides."""
    return ordinal_word + ("a" if ordinal_word[-4] in "aáoóuú" else "e")


def day(d: int) -> str:
    return "elseje" if d == 1 else _possessive(ordinal(d)[0])


def date(y: int, m: int, d: int) -> list[str]:
    return number(y) + [MONTHS[m], day(d)]


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    # numbers are compounds, so list every group word in each of its places
    words = {"nulla", "ezer"} | set(MONTHS[1:])
    for g in range(1, 1000):
        for attributive in (False, True):
            words.add(_group(g, attributive))
            words.add("ezer" + _group(g, attributive))  # 1001..1999 are one word
        words.add(_group(g, True) + "millió")
        if g > 1:  # 1000 is "ezer", not "egyezer"
            words.add(_group(g, True) + "ezer")
    words |= {w for n in range(1, ORDINAL_MAX + 1) for w in ordinal(n)} | {day(d) for d in range(1, 32)}
    return frozenset(words)


def vocabulary() -> set[str]:
    return set(_vocabulary())


# The recordable parts (see the module docstring). Ordinals and days keep
# their suffix on the unit or the round ten: tizen + egyedik, huszadika.
_ORDINAL_PARTS = (set(ORD_UNITS[1:]) | set(ORD_UNITS_IN_COMPOUND[1:]) | set(ORD_TENS[1:])
                  | set(ORD_HUNDREDS[1:]) | set(ORD_THOUSANDS[1:]))
PARTS = frozenset(
    {"nulla", "ezer", "millió", "két", "tizen", "huszon"}
    | set(UNITS[1:]) | set(TENS[1:])
    | {("" if h == 1 else _unit(h, True)) + "száz" for h in range(1, 10)}
    | {_unit(u, True) + big for u in range(1, 10) for big in ("ezer", "millió")}
    | _ORDINAL_PARTS
    # days go up to 31: elseje, másodika, (tizen|huszon|harminc) + egyedike, huszadika, ...
    | {"elseje"} | {_possessive(w) for w in ORD_UNITS[2:] + ORD_UNITS_IN_COMPOUND[1:3] + ORD_TENS[1:4]}
)


@lru_cache(maxsize=None)
def split(word: str) -> tuple[str, ...]:
    """A number word as the fewest PARTS that spell it (longest first part on
    a tie); any other word (a month, a noun, a currency) stays whole."""
    best: list[tuple[str, ...] | None] = [None] * (len(word) + 1)
    best[len(word)] = ()
    for start in range(len(word) - 1, -1, -1):
        for end in range(len(word), start, -1):  # longest first part first
            rest = best[end]
            if rest is not None and word[start:end] in PARTS:
                if best[start] is None or len(rest) + 1 < len(best[start]):
                    best[start] = (word[start:end], *rest)
    return best[0] or (word,)
