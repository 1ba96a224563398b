"""Called numbers to hotlines, by Asterisk's pattern rules (pbx.c)."""

from __future__ import annotations

import pytest

from ivr.errors import ConfigError
from ivr.hotlines.numbers import NumberPattern, best_match

TABLE = [(NumberPattern("0800123456"), "telecom"), (NumberPattern("_0801XXXXXX"), "utility"),
         (NumberPattern("_08[01]1NXXXXX"), "wide"), (NumberPattern("_0800."), "any-0800"),
         (NumberPattern("_4812!"), "secretary")]


@pytest.mark.parametrize("called, hotline", [
    ("0800123456", "telecom"),      # exact beats _0800.
    ("0800999999", "any-0800"),
    ("0801234567", "utility"),      # X beats N at the 5th place: _0801XXXXXX is more specific there
    ("0811234567", "wide"),
    ("0811134567", None),           # N is 2-9: 1 is not
    ("4812", "secretary"),          # ! is zero or more
    ("48123", "secretary"),
    ("0801", None),                 # too short for X six times
    ("", None),
])
def test_the_most_specific_number_wins(called, hotline):
    assert best_match(called, TABLE) == hotline


@pytest.mark.parametrize("text, message", [
    ("_08[01", r"\[ without \]"), ("_08[9-1]", "runs backwards"), ("_08[]", r"an empty \[\]"),
    ("08 00", "is not a number or a pattern"), ("", "empty"),
    ("0680XXXXXX", "a pattern without its leading _: write _0680XXXXXX"),
    ("0801NXXxxx", "a pattern without its leading _"),
])
def test_bad_numbers_are_refused_naming_the_problem(text, message):
    with pytest.raises(ConfigError, match=message):
        NumberPattern(text)
