"""`ivr simulate` on the sample config.yaml (with the sample data) and on a
four-language speech config, against reviewed golden outputs."""

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
    # data: tariffs in force on the day, a known caller, account + PIN, wrong PINs
    "tariffs-2025-old-basic-price": ["--digits", "1 9", "--at", "2025-11-24T10:00"],
    "known-caller-balance-pl": ["--digits", "2", "--caller-id", "48600100200", "--lang", "pl",
                                "--at", "2026-11-23T10:00"],
    "account-and-pin-balance-en": ["--digits", "2 10003# 2468#", "--at", "2026-11-23T10:00"],
    "three-wrong-pins-to-operator": ["--digits", "2 10003# 1111# 10003# 2222# 10099# 3333#",
                                     "--at", "2026-11-23T10:00"],
}
SPEECH = Path(__file__).parent / "golden/speech"
SPEECH_CASES = {"en": "441000000001", "pl": "48600000002", "hu": "36100000003", "lt": "37060000004"}


def _load(data: Path, db: Path) -> dict:
    env = {"IVR_DATABASE_URL": f"sqlite:///{db}"}
    res = ivr_cli("data", "load", str(data), config=ROOT / "config.yaml", env=env)
    assert res.returncode == 0, res.stderr
    return env


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    return _load(ROOT / "ivr/data/sample.yaml", tmp_path_factory.mktemp("sample") / "ivr.db")


def _lines(res) -> list[dict]:
    assert res.returncode == 0, res.stderr
    got = [json.loads(line) for line in res.stdout.splitlines()]
    assert got[-1]["action"] == "end"
    assert all("node" in line and "action" in line for line in got[:-1])
    return got


def _golden(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("name", sorted(CASES))
def test_simulate_matches_golden(name, sample_db):
    res = ivr_cli("simulate", *CASES[name], config=ROOT / "config.yaml", env=sample_db)
    assert _lines(res) == _golden(GOLDEN / f"{name}.jsonl")


@pytest.mark.parametrize("lang", sorted(SPEECH_CASES))
def test_balance_and_due_date_spoken_in_each_language(lang, tmp_path):
    env = _load(SPEECH / "data.yaml", tmp_path / "speech.db")
    res = ivr_cli("simulate", "--caller-id", SPEECH_CASES[lang], "--lang", lang,
                  config=SPEECH / "config.yaml", env=env)
    assert _lines(res) == _golden(GOLDEN / f"balance-{lang}.jsonl")


def test_simulate_never_locks_an_account(sample_db):
    # Six wrong PINs in rehearsal, then the right one: still accepted.
    wrong = " ".join(f"10003# {pin}#" for pin in ("0000", "1111", "2222"))
    for _ in range(2):
        ivr_cli("simulate", "--digits", f"2 {wrong}", config=ROOT / "config.yaml", env=sample_db)
    res = ivr_cli("simulate", "--digits", "2 10003# 2468#", config=ROOT / "config.yaml", env=sample_db)
    assert {"node": "identify", "action": "identify", "identified": True, "by": "account_pin",
            "attempt": 1} in _lines(res)


def test_simulate_rejects_bad_input():
    bad_lang = ivr_cli("simulate", "--lang", "xx", config=ROOT / "config.yaml")
    assert bad_lang.returncode == 1 and "--lang 'xx'" in bad_lang.stderr
    bad_at = ivr_cli("simulate", "--at", "yesterday", config=ROOT / "config.yaml")
    assert bad_at.returncode == 1 and "ISO-8601" in bad_at.stderr


def _tariffs_heard(lines: list[dict]) -> list[str]:
    return next(line["prompts"] for line in lines if line.get("action") == "play"
                and any(p.startswith("tariff-") for p in line["prompts"]))


@pytest.mark.parametrize("at, price", [
    ("2025-12-31T22:30:00+00:00", "25.00 PLN"),   # 23:30 in Warsaw: still the old year
    ("2025-12-31T23:30:00+00:00", "29.00 PLN"),   # 00:30 on 1 January in Warsaw: the new price
])
def test_the_price_in_force_is_the_offices_today(at, price, sample_db):
    res = ivr_cli("simulate", "--digits", "1", "--at", at, config=ROOT / "config.yaml", env=sample_db)
    heard = _tariffs_heard(_lines(res))
    basic = heard.index("tariff-basic")
    money = _money(price, "en")
    assert heard[basic + 1:basic + 1 + len(money)] == money


def test_a_known_caller_hears_the_accounts_language_unless_they_chose_one(sample_db):
    known = _lines(ivr_cli("simulate", "--digits", "2", "--caller-id", "48600100200", "--at", "2026-11-23T10:00",
                           config=ROOT / "config.yaml", env=sample_db))
    assert {"node": "identify", "action": "set", "language": "pl", "from": "account"} in known
    balance = next(line for line in known if line.get("node") == "balance" and line["action"] == "play")
    assert _contains(balance["prompts"], _money("122.05 PLN", "pl"))
    # The caller who picked English first stays in English, account or not.
    chose = _lines(ivr_cli("simulate", "--digits", "9 1 2", "--caller-id", "48600100200",
                           "--at", "2026-11-23T10:00", config=ROOT / "config.yaml", env=sample_db))
    assert not any(line.get("from") == "account" for line in chose)
    balance = next(line for line in chose if line.get("node") == "balance" and line["action"] == "play")
    assert _contains(balance["prompts"], _money("122.05 PLN", "en"))


def _money(value: str, lang: str) -> list[str]:
    from ivr.menu.items import Say
    from ivr.speech import expand
    return expand(Say("money", value), lang)


def _contains(prompts: list[str], part: list[str]) -> bool:
    return any(prompts[i:i + len(part)] == part for i in range(len(prompts)))
