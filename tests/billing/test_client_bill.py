"""A client's month billed by plan, against figures computed by hand below,
on SQLite and PostgreSQL; and the command a manager runs, with its annex."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from ivr.billing.invoice import Month, annex, client_bill
from ivr.billing.plans import load_plans
from ivr.menu.loading import load_config
from ivr.store.db import open_engine
from ivr.store.models import Call, HandleTimeRow

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
    menu:
      entry: bye
      nodes:
        bye: {type: hangup}
    hotlines:
      free:
        numbers: ["0800111222"]
        client: acme
        hours: warsaw
        billing: {plan: talk-minutes, currency: PLN}
      paid:
        numbers: ["0801333444"]
        client: acme
        hours: utc
        billing: {plan: call-seconds}
      other:
        numbers: ["0800999999"]
        client: someone-else
        billing: {plan: call-seconds}
    billing_plans:
      talk-minutes:
        currency: PLN
        bills: talk
        rounding: per-started-minute
        monthly_fee: "100.00"
        included_minutes: 2
        rate_per_minute: "0.45"
        readiness_per_hour: "10.00"
      call-seconds:
        currency: PLN
        bills: call
        rounding: per-second
        rate_per_minute: "0.333"
    hours:
      warsaw:
        timezone: Europe/Warsaw
        weekly: {mon-fri: "08:00-16:00"}
        holidays: ["2026-11-11"]
      utc:
        timezone: UTC
        weekly: {mon-sun: "00:00-24:00"}
    """

WARSAW = timezone(timedelta(hours=1))   # CET: all of November 2026


def _call(session, uid, hotline, client, start, seconds, queues=(), ended=True):
    session.add(Call(unique_id=uid, hotline=hotline, client=client, called="0800111222", caller_id=f"+48{uid}",
                     started_at=start, ended_at=start + timedelta(seconds=seconds) if ended else None))
    for i, (wait, talk, hold) in enumerate(queues):
        session.add(HandleTimeRow(unique_id=uid, queue="support", entered_second=int(start.timestamp()) + i,
                                  entered_at=start, wait_s=wait, talk_s=talk, hold_s=hold, outcome="answered"))


def load_month(engine) -> None:
    from sqlalchemy.orm import Session
    w = lambda d, h, m=0: datetime(2026, 11, d, h, m, tzinfo=WARSAW)  # noqa: E731
    z = lambda d, h: datetime(2026, 11, d, h, tzinfo=timezone.utc)   # noqa: E731
    with Session(engine) as s:
        # hotline free (bills talk + hold, per started minute)
        _call(s, "f1", "free", "acme", w(2, 9), 200.5, [(30, 100.2, 10)])          # talk 110.2 -> 120 s
        _call(s, "f2", "free", "acme", w(3, 10), 61)                               # IVR only -> 0 s
        _call(s, "f3", "free", "acme", w(30, 23, 30), 300, [(0, 60.0, 0)])          # 60.000 s -> 60 s, local Nov 30
        _call(s, "f4", "free", "acme", datetime(2026, 12, 1, 0, 30, tzinfo=WARSAW), 600, [(0, 500, 0)])  # UTC Nov, local Dec
        _call(s, "f5", "free", "acme", w(20, 12), 90, [(5, 40, 0)], ended=False)    # still in progress
        _call(s, "f6", "free", "acme", w(16, 14), 250, [(10, 50, 0), (20, 45.5, 0)])  # two queues: 95.5 -> 120 s
        _call(s, "f7", "free", "acme", datetime(2026, 10, 31, 23, 30, tzinfo=WARSAW), 100, [(0, 80, 0)])  # October
        # hotline paid (bills the whole call, per second)
        _call(s, "p1", "paid", "acme", z(5, 12), 100.4)   # 101 s
        _call(s, "p2", "paid", "acme", z(6, 12), 59.0)    # 59 s
        _call(s, "p3", "paid", "acme", z(7, 12), 0.2)     # 1 s
        # another client's call on the same plan
        _call(s, "o1", "other", "someone-else", z(8, 12), 1000)
        s.commit()


@pytest.fixture
def setup(tmp_path, db_url):
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(CONFIG) + f"database: {{url: '{db_url}'}}\n")
    loaded = load_config(path, require_prompts=False)
    engine = open_engine(db_url)
    load_month(engine)
    yield path, loaded, load_plans(loaded.settings.raw), engine
    engine.dispose()


def test_the_month_matches_the_hand_computed_bill(setup):
    _, loaded, plans, engine = setup
    bill = client_bill(engine, loaded.hotlines, plans, "acme", Month.parse("2026-11"))
    free, paid = bill.lines
    # free: f1, f2, f3, f6 (f4 is December in Warsaw, f5 has not ended, f7 is October)
    assert (free.hotline, free.timezone, free.calls) == ("free", "Europe/Warsaw", 4)
    assert free.wait_min == Decimal("1.00")            # 30 + 0 + 0 + 10 + 20 = 60 s
    assert free.talk_min == Decimal("4.43")            # 110.2 + 0 + 60 + 95.5 = 265.7 s = 4.428 min
    assert free.ivr_min == Decimal("8.10")             # 60.3 + 61 + 240 + 124.5 = 485.8 s = 8.097 min
    assert free.billed_min == Decimal("5.00")          # 120 + 0 + 60 + 120 s
    assert free.overage_min == Decimal("3.00")         # 5 - 2 included
    assert free.overage == Decimal("1.35")             # 3 x 0.45
    assert free.readiness_h == Decimal("160.00")       # 21 weekdays - Nov 11 = 20 days x 8 h
    assert free.readiness == Decimal("1600.00")
    assert free.monthly_fee == Decimal("100.00")
    assert free.total == Decimal("1701.35")
    # paid: 101 + 59 + 1 = 161 s, none included: 161 / 60 x 0.333 = 0.89355 -> 0.89
    assert (paid.calls, paid.billed_min, paid.overage, paid.readiness, paid.total) == \
        (3, Decimal("2.68"), Decimal("0.89"), Decimal("0.00"), Decimal("0.89"))
    assert bill.totals == (("PLN", Decimal("1702.24")),)
    assert bill.unpriced == ()


def test_the_annex_lists_the_billed_calls_and_adds_up(setup):
    _, loaded, plans, engine = setup
    bill = client_bill(engine, loaded.hotlines, plans, "acme", Month.parse("2026-11"))
    calls = list(annex(engine, bill, plans))
    assert [c.usage.unique_id for c in calls] == ["f1", "f2", "f6", "f3", "p1", "p2", "p3"]
    for line in bill.lines:
        billed = sum(c.usage.billed_s for c in calls if c.hotline == line.hotline)
        assert (Decimal(billed) / 60).quantize(Decimal("0.01")) == line.billed_min
    f3 = next(c for c in calls if c.usage.unique_id == "f3")
    assert f3.started_local.isoformat() == "2026-11-30T23:30:00+01:00" and f3.usage.billed_s == 60


def _ivr(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ivr", "--config", str(config), "report", "billing", *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_the_command_prints_the_bill_and_writes_both_annexes(setup, tmp_path):
    config = setup[0]
    out = _ivr(config, "--client", "acme", "--month", "2026-11")
    assert out.returncode == 0, out.stderr
    assert "total: 1702.24 PLN" in out.stdout
    annex_csv = _ivr(config, "--client", "acme", "--month", "2026-11", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(annex_csv.stdout)))
    assert [r["unique_id"] for r in rows] == ["f1", "f2", "f6", "f3", "p1", "p2", "p3"]
    assert rows[0]["talk_s"] == "110.200" and rows[0]["billed_s"] == "120"
    html = tmp_path / "annex.html"
    done = _ivr(config, "--client", "acme", "--month", "2026-11", "--format", "html", "-o", str(html))
    assert done.returncode == 0 and "7 calls" in done.stdout
    page = html.read_text()
    assert "1702.24 PLN" in page and page.count("<tr>") == 1 + 2 + 1 + 7   # heads, lines, calls
    every = _ivr(config, "--month", "2026-11", "--format", "json")
    assert '"client": "someone-else"' in every.stdout


@pytest.mark.parametrize("args, message", [
    (["--client", "acme"], "needs --month"),
    (["--client", "acme", "--month", "11/2026"], "use YYYY-MM"),
    (["--client", "nobody", "--month", "2026-11"], "clients in the config: acme, someone-else"),
    (["--client", "acme", "--month", "2026-11", "--hotline", "other"], "'other' is another client's; client 'acme' has: free, paid"),
    (["--client", "acme", "--month", "2026-11", "--hotline", "nosuch"], "'nosuch' is no hotline of the config"),
    (["--client", "acme", "--month", ""], "--month '': use YYYY-MM"),
])
def test_a_wrong_request_is_named_without_a_traceback(setup, args, message):
    out = _ivr(setup[0], *args)
    assert out.returncode in (1, 2) and message in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("plan_line, message", [
    ('rate_per_minute: 0.45', "quote the amount"),
    ('rounding: per-minute', "'per-minute' is not one of per-second, per-started-minute"),
    ('included_minutes: -5', "must be a whole number of minutes"),
    ('currency: zloty', "is not an ISO 4217 currency code"),
    ('currency: HFU', "'HFU' is not an ISO 4217 currency code"),
    ('monthly_fee: "99.995"', "'99.995' is finer than PLN's smallest unit (0.01)"),
])
def test_a_wrong_plan_is_named_at_its_line(tmp_path, plan_line, message):
    from ivr.menu.validate import validate_text
    key = plan_line.split(":")[0]
    lines = textwrap.dedent(CONFIG).splitlines()
    start = lines.index("  talk-minutes:")
    at = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(f"{key}:"))
    lines[at] = "    " + plan_line
    problems = [p for p in validate_text("\n".join(lines), "config.yaml", tmp_path, require_prompts=False)
                if p.severity == "error"]
    assert len(problems) == 1 and message in problems[0].message
    assert problems[0].line == at + 1


def test_a_hotline_naming_no_plan_or_another_currency_is_refused(tmp_path):
    from ivr.menu.validate import validate_text
    text = textwrap.dedent(CONFIG).replace("{plan: talk-minutes, currency: PLN}", "{plan: talk-minute, currency: EUR}")
    problems = [p.message for p in validate_text(text, "config.yaml", tmp_path, require_prompts=False)
                if p.severity == "error"]
    assert problems == ["hotlines.free.billing.plan: no plan named 'talk-minute' under billing_plans: "
                        "(did you mean 'talk-minutes'?)"]
    text = textwrap.dedent(CONFIG).replace("{plan: talk-minutes, currency: PLN}", "{plan: talk-minutes, currency: EUR}")
    problems = [p.message for p in validate_text(text, "config.yaml", tmp_path, require_prompts=False)
                if p.severity == "error"]
    assert problems == ["hotlines.free.billing.currency: 'EUR' is not plan talk-minutes's currency ('PLN'); "
                        "the plan's currency is the bill's"]
