"""The DTMF script a test caller sends: what `ivr call --digits` turns into."""

import pytest

from ivr.ami.testcall import dtmf_script


@pytest.mark.parametrize("digits, gap, expected", [
    ("1", 2, "1"),
    ("1 2 #", 2, "1WW2WW#"),
    ("12 3", 1.5, "12Ww3"),
    ("- 1", 3, "WWW1"),          # first prompt times out, then 1
    ("1 - 2", 1, "1WW2"),        # silence in the middle is one more gap
])
def test_script(digits, gap, expected):
    assert dtmf_script(digits, gap) == expected


def test_bad_key_names_token():
    with pytest.raises(ValueError, match=r"token 2 '1a': 'a' is not a DTMF key"):
        dtmf_script("1 1a")
