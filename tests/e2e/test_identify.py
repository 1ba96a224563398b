"""Caller identification and spoken data through the sandbox Asterisk: a known
caller id hears its balance and due date, an unknown one types account and
PIN, wrong PINs lock the account across calls, a changed price is what the
next call plays. "Hears" means Asterisk streamed every fragment: a missing
or unplayable file ends the call with an error in the call log."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ivr.speech import fragments
from ivr.store.db import open_engine
from ivr.store.models import Account
from support import ROOT, ivr_cli

pytestmark = pytest.mark.asterisk
DATA = ROOT / "tests/e2e/data.yaml"


@pytest.fixture(scope="module")
def accounts(controller, e2e_settings):
    res = ivr_cli("data", "load", str(DATA))
    assert res.returncode == 0, res.stderr
    engine = open_engine(e2e_settings.database_url)
    _unlock(engine)     # a lock left by an earlier run of these tests
    yield engine
    _unlock(engine)


def _unlock(engine) -> None:
    with Session(engine) as s, s.begin():
        s.execute(update(Account).values(failed_pins=0, locked_until=None))


def call(digits: str, caller_id: str, hold: float = 12) -> dict:
    res = ivr_cli("call", "--digits", digits, "--caller-id", caller_id, "--gap", "2", "--hold", str(hold))
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["error"] == "", summary["error"]    # every prompt and fragment was played
    return summary


def played(summary: dict, node: str) -> list[list[str]]:
    return [json.loads(s["detail"])["prompts"] for s in summary["steps"]
            if s["node"] == node and s["action"] == "play"]


def identified(summary: dict) -> list[dict]:
    return [json.loads(s["detail"]) for s in summary["steps"] if s["action"] == "identify"]


def test_known_caller_id_hears_balance_and_due_date(accounts):
    summary = call("4", "48111000001")
    assert summary["path"][:3] == ["main", "identify", "balance"]
    assert identified(summary) == [{"identified": True, "by": "caller_id"}]
    assert played(summary, "balance") == [["your-balance-is", *fragments("en", "money", "122.05 PLN"),
                                           "payment-due-on", *fragments("en", "date", "2026-12-05")]]
    assert "say/zlotys" in played(summary, "balance")[0]


def test_unknown_caller_types_account_and_pin(accounts):
    summary = call("9 2 4 30002# 2468#", "48999000002", hold=16)    # in Polish
    assert summary["language"] == "pl"
    assert summary["path"][-3:] == ["identify", "balance", "bye"]
    assert identified(summary) == [{"identified": True, "by": "account_pin", "attempt": 1}]
    assert played(summary, "balance") == [["your-balance-is", *fragments("pl", "money", "21.50 PLN"),
                                           "payment-due-on", *fragments("pl", "date", "2027-01-15")]]
    logged = json.dumps([(s["detail"], s["digits"]) for s in summary["steps"]])
    assert "30002" not in logged and "2468" not in logged    # neither account nor PIN is stored


def test_wrong_pins_lock_the_account_across_calls(accounts):
    # Two wrong PINs in one call (the node allows 2 attempts), one in the next:
    # the third locks it, and the right PIN right after is refused all the same.
    first = call("4 30003# 1111# 30003# 2222#", "48999000003")
    second = call("4 30003# 3333# 30003# 1357#", "48999000003")
    for summary in (first, second):
        assert summary["path"][-2:] == ["identify", "bye"]
        assert [d["identified"] for d in identified(summary)] == [False, False]
        # The caller hears the same words whatever was wrong, locked or not.
        assert played(summary, "identify") == [["enter-account-number"], ["enter-pin"], ["identify-failed"]] * 2
    with Session(accounts) as s:
        acc = s.scalars(select(Account).where(Account.number == "30003")).one()
        locked = acc.locked_until if acc.locked_until.tzinfo else acc.locked_until.replace(tzinfo=timezone.utc)
        assert locked > datetime.now(timezone.utc)


def test_changed_price_is_what_the_next_call_plays(accounts, tmp_path):
    before = call("5", "48999000004")
    assert played(before, "tariffs") == [["tariff-basic", *fragments("en", "money", "29.00 PLN"), "per-month"]]
    changed = tmp_path / "tariffs.yaml"
    changed.write_text('tariffs:\n  - {name: Basic, group: mobile, price: "31.99", currency: PLN, unit: month, '
                       'valid_from: 2025-01-01}\n')
    assert ivr_cli("data", "load", str(changed)).returncode == 0
    after = call("5", "48999000004")
    assert played(after, "tariffs") == [["tariff-basic", *fragments("en", "money", "31.99 PLN"), "per-month"]]
