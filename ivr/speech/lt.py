"""Lithuanian (Ambrazas (ed.), "Lithuanian Grammar", Vilnius 1997, on
cardinal and ordinal numerals and their agreement; checked against the
ordinal tables of the skaitvardžiai library, github.com/monrealis/
skaitvardziai, which follows ualgiman.dtiltas.lt/skaitvardis.html).

- The noun after a number: nominative singular when it ends in 1 but not 11
  (1, 21, 101 euras), nominative plural when it ends in 2-9 but not 12-19
  (2, 9, 22 eurai), genitive plural when it ends in 0 or 11-19 (0, 10, 11,
  20, 100, 1000 eurų). Šimtas, tūkstantis and milijonas follow the same rule
  (du šimtai, dešimt tūkstančių) and are said without "vienas" for 1.
- 1-9 agree in gender, also inside compounds: viena minutė, dvi minutės,
  dvidešimt viena minutė, penkios minutės (vienas, du, penki for masculine).
- Dates: year as a definite ordinal in the genitive plural with "metų",
  month genitive, day as the feminine nominative definite ordinal (agreeing
  with the unsaid "diena"): "du tūkstančiai dvidešimt šeštųjų metų gruodžio
  penktoji". In a compound ordinal only the last word is an ordinal, the
  rest stay nominative cardinals (1999 "tūkstantis devyni šimtai
  devyniasdešimt devintųjų"); 2000 is "du tūkstantųjų" (written
  "dutūkstantųjų" too; the sound is the same).
- The "ordinal" kind (1..9,999) is the plain (indefinite) masculine
  nominative singular, the form that agrees with the caller or "numeris"
  ("jūs esate šimtas pirmas eilėje"). As in years and days, only the last
  word is an ordinal and gendered, everything before it stays a nominative
  cardinal (Ambrazas, on compound ordinals; the skaitvardžiai tables:
  101 "šimtas pirmas", 210 "du šimtai dešimtas", 1018 "tūkstantis
  aštuonioliktas"). A round hundred or thousand makes šimtas/tūkstantis
  the ordinal, its multiplier staying a cardinal as in the years above
  (skaitvardžiai: "du šimtasis", "trys tūkstančiai penki šimtasis"; in
  the plain form "du šimtas", "tūkstantas" (the ordinal of tūkstantis:
  tū́kstantas, dutū́kstantas in the numeral table of
  lituania.italietuva.com/lingua/grammatica/numerazione), "du
  tūkstantas"; the one-word spellings dušimtas, dutūkstantas are the same
  sound). 100 "šimtas" is the ordinal and the cardinal alike. So 121 "šimtas dvidešimt pirmas", 1100
  "tūkstantis šimtas", 2021 "du tūkstančiai dvidešimt pirmas".
"""

from __future__ import annotations

from .core import ORDINAL_MAX, Noun, groups

CODE = "lt"
MINUS = "minus"
AND = ""  # "du eurai penki centai": amounts are read without "ir"
DEFAULT_CURRENCY = "EUR"

ONES = {"m": "nulis vienas du trys keturi penki šeši septyni aštuoni devyni".split(),
        "f": "nulis viena dvi trys keturios penkios šešios septynios aštuonios devynios".split()}
TEENS = ("dešimt vienuolika dvylika trylika keturiolika penkiolika šešiolika septyniolika "
         "aštuoniolika devyniolika").split()
TENS = ("", "dešimt", "dvidešimt", "trisdešimt", "keturiasdešimt", "penkiasdešimt", "šešiasdešimt",
        "septyniasdešimt", "aštuoniasdešimt", "devyniasdešimt")
HUNDRED = Noun("šimtas", "šimtai", "šimtų")
SCALES = (Noun("milijonas", "milijonai", "milijonų"), Noun("tūkstantis", "tūkstančiai", "tūkstančių"))
# ordinal stems: + "as" plain masculine, + "oji" feminine definite, + "ųjų" genitive plural definite
ORD_ONES = [""] + ("pirm antr treči ketvirt penkt šešt septint aštunt devint dešimt vienuolikt dvylikt "
            "trylikt keturiolikt penkiolikt šešiolikt septyniolikt aštuoniolikt devyniolikt").split()
MONTHS = ("", "sausio", "vasario", "kovo", "balandžio", "gegužės", "birželio", "liepos", "rugpjūčio",
          "rugsėjo", "spalio", "lapkričio", "gruodžio")

CENT = Noun("centas", "centai", "centų")
CURRENCIES = {
    "EUR": (Noun("euras", "eurai", "eurų"), CENT),
    "USD": (Noun("doleris", "doleriai", "dolerių"), CENT),
    "GBP": (Noun("svaras", "svarai", "svarų"), Noun("pensas", "pensai", "pensų")),
    "PLN": (Noun("zlotas", "zlotai", "zlotų"), Noun("grašis", "grašiai", "grašių")),
    "HUF": (Noun("forintas", "forintai", "forintų"), None),
}
NOUNS = {
    "second": Noun("sekundė", "sekundės", "sekundžių", "f"),
    "minute": Noun("minutė", "minutės", "minučių", "f"),
    "hour": Noun("valanda", "valandos", "valandų", "f"),
    "day": Noun("diena", "dienos", "dienų", "f"),
    "week": Noun("savaitė", "savaitės", "savaičių", "f"),
    "month": Noun("mėnuo", "mėnesiai", "mėnesių"),
}


def form(n: int, noun: Noun) -> str:
    if n % 10 == 0 or 11 <= n % 100 <= 19:
        return noun.many
    return noun.one if n % 10 == 1 else noun.few


def _group(n: int, gender: str) -> list[str]:
    hundreds, rest = divmod(n, 100)
    out = []
    if hundreds:  # šimtas is masculine: "du šimtai" for any noun
        out += ([] if hundreds == 1 else [ONES["m"][hundreds]]) + [form(hundreds, HUNDRED)]
    if 10 <= rest < 20:
        return out + [TEENS[rest - 10]]
    if rest >= 20:
        out.append(TENS[rest // 10])
    if rest % 10:
        out.append(ONES[gender][rest % 10])
    return out


def number(n: int, noun: Noun | None = None) -> list[str]:
    if n == 0:
        return ["nulis"]
    millions, thousands, units = groups(n)
    out: list[str] = []
    for group, scale in ((millions, SCALES[0]), (thousands, SCALES[1])):
        if group:  # tūkstantis and milijonas are masculine
            out += ([] if group == 1 else _group(group, "m")) + [form(group, scale)]
    return out + _group(units, noun.gender if noun else "m")


def counted(n: int, noun: Noun) -> list[str]:
    return number(n, noun) + [form(n, noun)]


def _ordinal(n: int, ending: str) -> list[str]:
    """1..100: tens stay cardinal, the last word takes the ordinal ending."""
    if n == 100:
        return ["šimt" + ending]
    if n < 20:
        return [ORD_ONES[n] + ending]
    tens, unit = divmod(n, 10)
    return [TENS[tens], ORD_ONES[unit] + ending] if unit else [TENS[tens] + ending]


def ordinal(n: int) -> list[str]:
    """1..9,999: cardinals up to the last non-zero element, which is the
    ordinal (šimtas pirmas, du šimtas, du tūkstančiai dvidešimt pirmas)."""
    thousands, rest = divmod(n, 1000)
    hundreds, below = divmod(rest, 100)
    if not rest:
        return _times(thousands) + ["tūkstantas"]
    out = number(thousands * 1000) if thousands else []  # tūkstantis, du tūkstančiai
    if not below:
        return out + _times(hundreds) + ["šimtas"]
    return out + (_group(hundreds * 100, "m") if hundreds else []) + _ordinal(below, "as")


def year(y: int) -> list[str]:
    rest = y % 100
    if rest:
        return number(y - rest) + _ordinal(rest, "ųjų")
    thousands, hundreds = divmod(y // 100, 10)
    if hundreds:  # 1900: "tūkstantis devyni šimtųjų"
        return number(thousands * 1000) + _times(hundreds) + ["šimtųjų"]
    return _times(thousands) + ["tūkstantųjų"]


def _times(k: int) -> list[str]:
    return [] if k == 1 else [ONES["m"][k]]


def date(y: int, m: int, d: int) -> list[str]:
    return year(y) + ["metų", MONTHS[m]] + _ordinal(d, "oji")


def vocabulary() -> set[str]:
    ordinals = {w for n in range(1, ORDINAL_MAX + 1) for w in ordinal(n)}
    ordinals |= {w for n in range(1, 101) for w in _ordinal(n, "ųjų")}  # years
    ordinals |= {w for d in range(1, 32) for w in _ordinal(d, "oji")}  # days
    # hundreds are 1-9, so šimtas/šimtai only, never "šimtų"
    scales = {HUNDRED.one, HUNDRED.few} | {w for s in SCALES for w in s.forms()}
    return ({*ONES["m"], *ONES["f"], *TEENS, *TENS, *MONTHS, "metų", "tūkstantųjų"}
            | scales | ordinals) - {""}
