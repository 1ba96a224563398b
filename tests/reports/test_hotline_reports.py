"""Reports per hotline: handle times and the funnel of one hotline or client, and by
hotline, equal the figures computed by hand from generated rows of two hotlines (and rows
whose call has no hotline, or is not in the log), on SQLite and PostgreSQL; hours and
days in the hotline's own zone."""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, update
from sqlalchemy.orm import Session

import history_rows as gen
from ivr.reports.funnel import funnel
from ivr.reports.handle_times import handle_times
from ivr.store.models import Call
from report_data import load_funnel, utc

# name -> (client, zone); "" is a call logged with no hotline
HOTLINES = {"telecom": ("acme", "Europe/Warsaw"), "b2b": ("acme", "America/New_York"),
            "energia": ("pannon", "Europe/Budapest"), "": ("", "UTC")}
N = 3000


def _offset(local) -> str:
    s = int(local.utcoffset().total_seconds())
    return f"{'+' if s >= 0 else '-'}{abs(s) // 3600:02d}:{abs(s) % 3600 // 60:02d}"


def _hour(tz: str):
    def key(r) -> str:
        local = r["entered_at"].astimezone(ZoneInfo(tz))
        return local.strftime("%Y-%m-%dT%H:00") + _offset(local)
    return key


def _day(tz: str):
    return lambda r: r["entered_at"].astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d")


def _same(got: dict, want: dict) -> None:
    assert got["key"] == want["key"]
    for k, v in want.items():
        assert got[k] == (v if v is None or isinstance(v, str) else pytest.approx(v, rel=1e-9, abs=1e-9)), (
            want["key"], k)


@pytest.fixture
def generated(engine):
    """3,000 handle-time rows over 2026 (both DST changes in Europe and America, on different
    days); their calls spread over the hotlines; one row in 12 has no call in the log."""
    start, span = utc(2026, 1, 10), timedelta(days=330)
    detail = list(gen.rows(N, start, span, seed=7))
    gen.load(engine, N, start, span, seed=7)
    rnd = random.Random(7)
    hotline_of: dict[str, str | None] = {}
    calls = []
    for r in detail:
        if rnd.random() < 1 / 12:
            hotline_of[r["unique_id"]] = None          # the call is not in the log
            continue
        name = rnd.choice(list(HOTLINES))
        hotline_of[r["unique_id"]] = name
        started = r["entered_at"] - timedelta(seconds=30)
        calls.append({"unique_id": r["unique_id"], "started_at": started, "ended_at": r["ended_at"],
                      "hotline": name, "client": HOTLINES[name][0], "recording_policy": "explicit",
                      "outcome": "queue:" + r["queue"]})
    with engine.begin() as conn:
        conn.execute(insert(Call), calls)
    return engine, detail, hotline_of


def _check(got_rows, expected: dict) -> None:
    got = {r.key: r.__dict__ for r in got_rows}
    assert set(got) == set(expected)
    for key, want in expected.items():
        _same(got[key], want)


def test_by_hotline_equals_the_rows_by_hand(generated):
    engine, detail, hotline_of = generated
    # no call, or a call with no hotline: "(none)"
    expected = gen.by_hand(detail, lambda r: hotline_of[r["unique_id"]] or "(none)", sl_s=20.0)
    assert {"telecom", "b2b", "energia", "(none)", "total"} == set(expected)
    _check(handle_times(engine, by="hotline", service_level_s=20.0), expected)


@pytest.mark.parametrize("hotline", ["telecom", "b2b", "energia"])
@pytest.mark.parametrize("by", ["hour", "day", "queue"])
def test_one_hotline_in_its_zone_equals_its_rows_by_hand(generated, hotline, by):
    engine, detail, hotline_of = generated
    tz = HOTLINES[hotline][1]
    mine = [r for r in detail if hotline_of[r["unique_id"]] == hotline]
    key = {"hour": _hour(tz), "day": _day(tz), "queue": lambda r: r["queue"]}[by]
    expected = gen.by_hand(mine, key, sl_s=20.0)
    _check(handle_times(engine, by=by, tz=tz, hotline=hotline, service_level_s=20.0), expected)


def test_one_client_in_a_window_equals_its_rows_by_hand(generated):
    engine, detail, hotline_of = generated
    since, until = utc(2026, 3, 1), utc(2026, 10, 1)
    mine = [r for r in detail if hotline_of[r["unique_id"]] in ("telecom", "b2b")
            and since <= r["entered_at"] < until and r["queue"] == "sales"]
    expected = gen.by_hand(mine, lambda r: r["agent"] or "(none)", sl_s=15.0)
    _check(handle_times(engine, since, until, queue="sales", by="agent", client="acme", service_level_s=15.0),
           expected)


def test_hotline_and_client_that_do_not_meet_give_only_a_total(generated):
    engine, _, _ = generated
    rows = handle_times(engine, by="hotline", hotline="energia", client="acme")
    assert [(r.key, r.calls, r.aht_s) for r in rows] == [("total", 0, None)]


def _funnel_by_hotline(engine):
    """load_funnel's calls (report_data.py): c1, c2 on telecom; c3 to c7 on energia."""
    load_funnel(engine)
    with Session(engine) as s, s.begin():
        s.execute(update(Call).where(Call.unique_id.in_(["c1", "c2"])).values(hotline="telecom", client="acme"))
        s.execute(update(Call).where(Call.unique_id.in_(["c3", "c4", "c5", "c6", "c7"]))
                  .values(hotline="energia", client="pannon"))


def test_funnel_of_one_hotline_by_hand(engine):
    _funnel_by_hotline(engine)
    day = dict(since=utc(2026, 11, 23), until=utc(2026, 11, 24))
    # telecom: c1 main > operator (queue:support); c2 main (7 invalid) > tariffs > bye (hangup)
    stats, containment = funnel(engine, hotline="telecom", **day)
    assert [(s.node, s.entered, s.completed, s.invalid, s.timeout, s.hung_up) for s in stats] == [
        ("main", 2, 2, 1, 0, 0), ("bye", 1, 0, 0, 0, 0), ("operator", 1, 0, 0, 0, 0), ("tariffs", 1, 1, 0, 0, 0)]
    assert containment == 0.5          # c2 of c1, c2
    # energia: c3 main, main (timeout), hangs up; c4 main > tariffs > main (timeout), hangs up;
    # c5 main (error); c6 is on the 24th, c7 still in progress
    stats, containment = funnel(engine, client="pannon", **day)
    assert [(s.node, s.entered, s.completed, s.invalid, s.timeout, s.hung_up) for s in stats] == [
        ("main", 5, 1, 0, 2, 2), ("tariffs", 1, 1, 0, 0, 0)]
    assert containment == 1.0
    assert funnel(engine, hotline="telecom", client="pannon", **day) == ([], None)
