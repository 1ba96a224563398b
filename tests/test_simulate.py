"""`ivr simulate` on the sample config.yaml against reviewed golden outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import ROOT, ivr_cli

GOLDEN = Path(__file__).parent / "golden/simulate"
CASES = {
    "tariffs-then-operator-open": ["--digits", "1 0", "--at", "2026-11-23T10:00"],
    "operator-on-holiday-in-polish": ["--digits", "9 2 0", "--at", "2026-12-24T10:00"],
    "consent-accepted-pl": ["--digits", "4 1", "--at", "2026-11-23T10:00", "--lang", "pl"],
    "consent-declined": ["--digits", "4 2", "--at", "2026-11-23T10:00"],
    "three-invalid-then-operator-evening": ["--digits", "7 8 5", "--at", "2026-11-23T20:00"],
    "silence-then-billing": ["--digits", "- 3", "--at", "2026-11-23T10:00"],
    "after-hours-self-service": ["--digits", "0 1 9", "--at", "2026-11-22T22:00"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_simulate_matches_golden(name):
    res = ivr_cli("simulate", *CASES[name], config=ROOT / "config.yaml")
    assert res.returncode == 0, res.stderr
    got = [json.loads(line) for line in res.stdout.splitlines()]
    want = [json.loads(line) for line in (GOLDEN / f"{name}.jsonl").read_text().splitlines()]
    assert got == want
    assert got[-1]["action"] == "end"
    assert all("node" in line and "action" in line for line in got[:-1])


def test_simulate_rejects_bad_input():
    bad_lang = ivr_cli("simulate", "--lang", "xx", config=ROOT / "config.yaml")
    assert bad_lang.returncode == 1 and "--lang 'xx'" in bad_lang.stderr
    bad_at = ivr_cli("simulate", "--at", "yesterday", config=ROOT / "config.yaml")
    assert bad_at.returncode == 1 and "ISO-8601" in bad_at.stderr
