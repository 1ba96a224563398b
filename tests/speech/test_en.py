"""English (American, CGEL): no "and" inside numbers, hyphenated tens as two
words, singular noun only after one, "and" between units and cents, dates
"December fifth, twenty twenty-six"."""

import pytest

from ivr.speech import words

CASES = [
    # number
    ("number", "0", None, "zero"),
    ("number", "1", None, "one"),
    ("number", "11", None, "eleven"),
    ("number", "12", None, "twelve"),
    ("number", "13", None, "thirteen"),
    ("number", "15", None, "fifteen"),
    ("number", "18", None, "eighteen"),
    ("number", "20", None, "twenty"),
    ("number", "21", None, "twenty one"),
    ("number", "40", None, "forty"),
    ("number", "99", None, "ninety nine"),
    ("number", "100", None, "one hundred"),
    ("number", "105", None, "one hundred five"),
    ("number", "110", None, "one hundred ten"),
    ("number", "1000", None, "one thousand"),
    ("number", "1234", None, "one thousand two hundred thirty four"),
    ("number", "20015", None, "twenty thousand fifteen"),
    ("number", "1000000", None, "one million"),
    ("number", "1000001", None, "one million one"),
    ("number", "999999999", None,
     "nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine"),
    ("number", "-42", None, "minus forty two"),
    # money
    ("money", "1", "EUR", "one euro"),
    ("money", "2", None, "two euros"),
    ("money", "0", None, "zero euros"),
    ("money", "0.01", None, "one cent"),
    ("money", "0.05", None, "five cents"),
    ("money", "1.01", None, "one euro and one cent"),
    ("money", "12.50", None, "twelve euros and fifty cents"),
    ("money", "1", "GBP", "one pound"),
    ("money", "0.01 GBP", None, "one penny"),
    ("money", "2.02", "GBP", "two pounds and two pence"),
    ("money", "21 USD", None, "twenty one dollars"),
    ("money", "1000000", "USD", "one million dollars"),
    ("money", "1234.56", "HUF", "one thousand two hundred thirty five forints"),
    ("money", "-3.10", None, "minus three euros and ten cents"),
    # count
    ("count", "1", "minute", "one minute"),
    ("count", "2", "minute", "two minutes"),
    ("count", "0", "minute", "zero minutes"),
    ("count", "21", "day", "twenty one days"),
    ("count", "1 hour", None, "one hour"),
    # ordinal
    ("ordinal", "1", None, "first"),
    ("ordinal", "2", None, "second"),
    ("ordinal", "3", None, "third"),
    ("ordinal", "5", None, "fifth"),
    ("ordinal", "8", None, "eighth"),
    ("ordinal", "9", None, "ninth"),
    ("ordinal", "12", None, "twelfth"),
    ("ordinal", "13", None, "thirteenth"),
    ("ordinal", "20", None, "twentieth"),
    ("ordinal", "21", None, "twenty first"),
    ("ordinal", "22", None, "twenty second"),
    ("ordinal", "30", None, "thirtieth"),
    ("ordinal", "40", None, "fortieth"),
    ("ordinal", "99", None, "ninety ninth"),
    ("ordinal", "100", None, "one hundredth"),
    # digits
    ("digits", "0042", None, "zero zero four two"),
    # date
    ("date", "2026-12-05", None, "december fifth twenty twenty six"),
    ("date", "2000-01-01", None, "january first two thousand"),
    ("date", "2005-02-02", None, "february second two thousand five"),
    ("date", "2010-03-03", None, "march third twenty ten"),
    ("date", "1999-04-30", None, "april thirtieth nineteen ninety nine"),
    ("date", "1905-05-31", None, "may thirty first nineteen oh five"),
    ("date", "1900-06-21", None, "june twenty first nineteen hundred"),
    ("date", "2099-07-22", None, "july twenty second twenty ninety nine"),
    ("date", "2020-08-23", None, "august twenty third twenty twenty"),
]


# Ordinals 1..9,999, written by hand from the rule in CGEL and the usual
# English grammars (only the last component of a compound numeral is an
# ordinal; "and" before a last part below 100 after hundred/thousand:
# "one hundred and first").
ORDINALS = [
    (1, "first"),
    (2, "second"),
    (3, "third"),
    (11, "eleventh"),
    (12, "twelfth"),
    (13, "thirteenth"),
    (20, "twentieth"),
    (21, "twenty first"),
    (99, "ninety ninth"),
    (100, "one hundredth"),
    (101, "one hundred and first"),
    (102, "one hundred and second"),
    (110, "one hundred and tenth"),
    (111, "one hundred and eleventh"),
    (121, "one hundred and twenty first"),
    (200, "two hundredth"),
    (999, "nine hundred and ninety ninth"),
    (1000, "one thousandth"),
    (1001, "one thousand and first"),
    (1100, "one thousand one hundredth"),
    (2000, "two thousandth"),
    (2021, "two thousand and twenty first"),
    (9999, "nine thousand nine hundred and ninety ninth"),
    # and a few more
    (103, "one hundred and third"),
    (1010, "one thousand and tenth"),
    (1234, "one thousand two hundred and thirty fourth"),
    (5300, "five thousand three hundredth"),
]
CASES += [("ordinal", str(n), None, said) for n, said in ORDINALS]

@pytest.mark.parametrize("kind, value, option, expected", CASES)
def test_en(kind, value, option, expected):
    extra = {"currency": option} if kind == "money" else {"noun": option} if kind == "count" else {}
    assert " ".join(words("en", kind, value, **extra)) == expected
