"""Lithuanian, expected words written from the rules (Ambrazas, "Lithuanian
Grammar"): ending in 1 but not 11 -> nom. sg., in 2-9 but not 12-19 -> nom.
pl., in 0 or 11-19 -> gen. pl.; 1-9 agree in gender; dates with the year as
a genitive plural definite ordinal + metų, the day a feminine definite
ordinal."""

import pytest

from ivr.speech import words

CASES = [
    # number
    ("number", "0", None, "nulis"),
    ("number", "1", None, "vienas"),
    ("number", "2", None, "du"),
    ("number", "10", None, "dešimt"),
    ("number", "11", None, "vienuolika"),
    ("number", "19", None, "devyniolika"),
    ("number", "20", None, "dvidešimt"),
    ("number", "21", None, "dvidešimt vienas"),
    ("number", "45", None, "keturiasdešimt penki"),
    ("number", "100", None, "šimtas"),
    ("number", "101", None, "šimtas vienas"),
    ("number", "200", None, "du šimtai"),
    ("number", "999", None, "devyni šimtai devyniasdešimt devyni"),
    ("number", "1000", None, "tūkstantis"),
    ("number", "1001", None, "tūkstantis vienas"),
    ("number", "2000", None, "du tūkstančiai"),
    ("number", "10000", None, "dešimt tūkstančių"),
    ("number", "11000", None, "vienuolika tūkstančių"),
    ("number", "21000", None, "dvidešimt vienas tūkstantis"),
    ("number", "1000000", None, "milijonas"),
    ("number", "2500000", None, "du milijonai penki šimtai tūkstančių"),
    ("number", "10000000", None, "dešimt milijonų"),
    ("number", "-3", None, "minus trys"),
    # money: euras / eurai / eurų, centas / centai / centų
    ("money", "1", "EUR", "vienas euras"),
    ("money", "2", "EUR", "du eurai"),
    ("money", "9", None, "devyni eurai"),
    ("money", "10", None, "dešimt eurų"),
    ("money", "11", None, "vienuolika eurų"),
    ("money", "20", None, "dvidešimt eurų"),
    ("money", "21", None, "dvidešimt vienas euras"),
    ("money", "22", None, "dvidešimt du eurai"),
    ("money", "0", None, "nulis eurų"),
    ("money", "100", None, "šimtas eurų"),
    ("money", "101", None, "šimtas vienas euras"),
    ("money", "111", None, "šimtas vienuolika eurų"),
    ("money", "1000", None, "tūkstantis eurų"),
    ("money", "1001", None, "tūkstantis vienas euras"),
    ("money", "1000000", None, "milijonas eurų"),
    ("money", "0.01", None, "vienas centas"),
    ("money", "0.02", None, "du centai"),
    ("money", "0.10", None, "dešimt centų"),
    ("money", "0.15", None, "penkiolika centų"),
    ("money", "0.21", None, "dvidešimt vienas centas"),
    ("money", "12.50", None, "dvylika eurų penkiasdešimt centų"),
    ("money", "1.01", None, "vienas euras vienas centas"),
    ("money", "1234.56 EUR", None,
     "tūkstantis du šimtai trisdešimt keturi eurai penkiasdešimt šeši centai"),
    ("money", "-2.05", None, "minus du eurai penki centai"),
    ("money", "3", "USD", "trys doleriai"),
    ("money", "15 PLN", None, "penkiolika zlotų"),
    # count: gender
    ("count", "1", "minute", "viena minutė"),
    ("count", "2", "minute", "dvi minutės"),
    ("count", "5", "minute", "penkios minutės"),
    ("count", "10", "minute", "dešimt minučių"),
    ("count", "12", "minute", "dvylika minučių"),
    ("count", "21", "minute", "dvidešimt viena minutė"),
    ("count", "22", "day", "dvidešimt dvi dienos"),
    ("count", "11 days", None, "vienuolika dienų"),
    ("count", "102", "hour", "šimtas dvi valandos"),
    ("count", "2000", "minute", "du tūkstančiai minučių"),
    ("count", "1", "month", "vienas mėnuo"),
    ("count", "3", "month", "trys mėnesiai"),
    # ordinal: plain masculine
    ("ordinal", "1", None, "pirmas"),
    ("ordinal", "2", None, "antras"),
    ("ordinal", "3", None, "trečias"),
    ("ordinal", "10", None, "dešimtas"),
    ("ordinal", "11", None, "vienuoliktas"),
    ("ordinal", "20", None, "dvidešimtas"),
    ("ordinal", "21", None, "dvidešimt pirmas"),
    ("ordinal", "100", None, "šimtas"),
    # digits
    ("digits", "2045", None, "du nulis keturi penki"),
    # date
    ("date", "2026-12-05", None, "du tūkstančiai dvidešimt šeštųjų metų gruodžio penktoji"),
    ("date", "2000-01-01", None, "du tūkstantųjų metų sausio pirmoji"),
    ("date", "1999-02-02", None,
     "tūkstantis devyni šimtai devyniasdešimt devintųjų metų vasario antroji"),
    ("date", "2010-03-03", None, "du tūkstančiai dešimtųjų metų kovo trečioji"),
    ("date", "2001-04-11", None, "du tūkstančiai pirmųjų metų balandžio vienuoliktoji"),
    ("date", "2011-05-20", None, "du tūkstančiai vienuoliktųjų metų gegužės dvidešimtoji"),
    ("date", "2020-06-21", None, "du tūkstančiai dvidešimtųjų metų birželio dvidešimt pirmoji"),
    ("date", "2003-07-30", None, "du tūkstančiai trečiųjų metų liepos trisdešimtoji"),
    ("date", "1990-08-31", None,
     "tūkstantis devyni šimtai devyniasdešimtųjų metų rugpjūčio trisdešimt pirmoji"),
    ("date", "2024-09-12", None, "du tūkstančiai dvidešimt ketvirtųjų metų rugsėjo dvyliktoji"),
    ("date", "2015-10-15", None, "du tūkstančiai penkioliktųjų metų spalio penkioliktoji"),
    ("date", "2099-11-09", None,
     "du tūkstančiai devyniasdešimt devintųjų metų lapkričio devintoji"),
    ("date", "2012-12-24", None, "du tūkstančiai dvyliktųjų metų gruodžio dvidešimt ketvirtoji"),
]


# Ordinals 1..9,999 (plain masculine nominative), written by hand from
# Ambrazas (only the last word of a compound is an ordinal) and the
# skaitvardžiai tables (github.com/monrealis/skaitvardziai, KelintiniaiTest:
# "šimtas pirmas", "du šimtai dešimtas", "tūkstantis aštuonioliktas", a
# round hundred or thousand with a cardinal multiplier: "du šimtasis",
# "du tūkstantasis", here in the plain form).
ORDINALS = [
    (1, "pirmas"),
    (2, "antras"),
    (3, "trečias"),
    (11, "vienuoliktas"),
    (12, "dvyliktas"),
    (13, "tryliktas"),
    (20, "dvidešimtas"),
    (21, "dvidešimt pirmas"),
    (99, "devyniasdešimt devintas"),
    (100, "šimtas"),
    (101, "šimtas pirmas"),
    (102, "šimtas antras"),
    (110, "šimtas dešimtas"),
    (111, "šimtas vienuoliktas"),
    (121, "šimtas dvidešimt pirmas"),
    (200, "du šimtas"),
    (999, "devyni šimtai devyniasdešimt devintas"),
    (1000, "tūkstantas"),
    (1001, "tūkstantis pirmas"),
    (1100, "tūkstantis šimtas"),
    (2000, "du tūkstantas"),
    (2021, "du tūkstančiai dvidešimt pirmas"),
    (9999, "devyni tūkstančiai devyni šimtai devyniasdešimt devintas"),
    # the skaitvardžiai examples (3500 is "penki šimtasis" there, plain here)
    (210, "du šimtai dešimtas"),
    (313, "trys šimtai tryliktas"),
    (441, "keturi šimtai keturiasdešimt pirmas"),
    (1018, "tūkstantis aštuonioliktas"),
    (3500, "trys tūkstančiai penki šimtas"),
    (9823, "devyni tūkstančiai aštuoni šimtai dvidešimt trečias"),
    (9000, "devyni tūkstantas"),
]
CASES += [("ordinal", str(n), None, said) for n, said in ORDINALS]

@pytest.mark.parametrize("kind, value, option, expected", CASES)
def test_lt(kind, value, option, expected):
    extra = {"currency": option} if kind == "money" else {"noun": option} if kind == "count" else {}
    assert " ".join(words("lt", kind, value, **extra)) == expected
