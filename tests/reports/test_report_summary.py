"""The handle-time summary (ivr/reports/summary) gives the figures of the detail rows, on
SQLite and PostgreSQL: on a generated history with callbacks, after records land through the
engine's own writers (a late callback answered for an old hour included), and after a rebuild
mends a summary tampered with by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from ivr.bench.history import generate
from ivr.queues.records import HandleTime
from ivr.queues.store import claim_callback, finish_attempt, insert_records, request_callback
from ivr.reports.handle_times import handle_times
from ivr.reports.store import handle_time_figures
from ivr.reports.summary.store import rebuild, summary_figures
from ivr.store.db import open_engine
from ivr.store.models import HandleTimeRow

UTC = timezone.utc
SL = 20.0
START = datetime(2025, 3, 1, tzinfo=UTC)
# Whole-hour windows (Warsaw's DST change of 2025-03-30 inside), and the whole history.
WINDOWS = [(None, None), (datetime(2025, 3, 3, 7, tzinfo=UTC), datetime(2025, 4, 2, 22, tzinfo=UTC))]
GROUPINGS = [("queue", "UTC"), ("agent", "UTC"), ("hour", "Europe/Warsaw"), ("day", "Europe/Warsaw"), ("hour", "UTC")]


@pytest.fixture
def history(db_url):
    generate(db_url, 2500, days=35, seed=5, start=date(2025, 3, 1), steps=False)
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


def _timeouts(engine) -> list[tuple]:
    """The generated history's timed-out callers, in time order."""
    t = HandleTimeRow
    stmt = select(t.unique_id, t.queue, t.caller_id, t.entered_at, t.wait_s).where(t.outcome == "timeout")
    with engine.connect() as conn:
        found = conn.execute(stmt.order_by(t.entered_at)).all()
    assert len(found) >= 36
    return found


def _leg(uid: str, queue: str, at: datetime, outcome: str = "answered", agent: str = "agent-cb") -> HandleTime:
    e = at.timestamp()
    return HandleTime(unique_id=uid, queue=queue, entered_at=e, agent=agent if outcome == "answered" else "",
                      answered_at=e + 7.25, ended_at=e + 190.5, wait_s=7.25, talk_s=170.125, hold_s=6.0,
                      wrapup_s=7.0, outcome=outcome)


def _callbacks(engine, rows: list[tuple], tag: str, connect_after: timedelta) -> None:
    """Through the dialer's store, as the dialer does: every row's caller asks for a callback when
    leaving the queue; the first attempt of every third is not answered (its agent-first leg was),
    the others are answered (every fifth leg not stored: its record has not landed)."""
    for i, (uid, queue, caller, entered, wait) in enumerate(rows):
        asked = entered + timedelta(seconds=wait + 5)
        rid = request_callback(engine, uid, caller, "", "pl", queue, asked)
        tries = [("no-answer", False), ("answered", True)] if i % 3 == 0 else [("answered", True)]
        for n, (result, connected) in enumerate(tries):
            leg = f"{tag}-{i}-{n}"
            started = asked + connect_after + timedelta(minutes=n * 5)
            claim = claim_callback(engine, rid, "c1", started, "agent-first", f"ch-{leg}", leg)
            if i % 5 != 4 or result != "answered":
                insert_records(engine, [_leg(leg, queue, started)])
            finish_attempt(engine, claim.attempt_id, result, started + timedelta(minutes=3),
                           state="done" if connected else "waiting", next_at=None, owner="c1",
                           connected_at=started + timedelta(seconds=12 + i % 30) if connected else None)


def _same(engine, since, until, by, tz, queue=None) -> None:
    found = summary_figures(engine, since, until, queue, by, tz, SL)
    assert found is not None, "the summary answers whole-hour windows"
    detail = handle_time_figures(engine, since, until, queue, by, tz, SL)
    for (groups, total), name in ((found, "summary"), (detail, "detail")):
        assert total.key is None, name
    sums, expected = _figures(found), _figures(detail)
    assert sums.keys() == expected.keys()
    for key in sums:   # sums of seconds: the same up to the order of float additions
        assert sums[key] == pytest.approx(expected[key], rel=1e-12, abs=1e-9), key
    # Counts, maxima and percentiles are equal, not only close.
    assert _exact(found) == _exact(detail)


def _figures(found) -> dict:
    groups, total = found
    return {(g.key, g.offset_s): (g.handle_s, g.answered_wait_s, g.talk_s, g.hold_s, g.callback_wait_s)
            for g in [*groups, total]}


def _exact(found) -> dict:
    groups, total = found
    return {(g.key, g.offset_s): (g.calls, g.answered, g.abandoned, g.timeout, g.full, g.empty, g.answered_in_sl,
                                  g.longest_wait_s, g.wait_p50_s, g.wait_p90_s, g.callbacks, g.callback_waits)
            for g in [*groups, total]}


def _all_same(engine) -> None:
    for since, until in WINDOWS:
        for by, tz in GROUPINGS:
            _same(engine, since, until, by, tz)
    _same(engine, *WINDOWS[1], "agent", "UTC", queue="support")


def test_summary_equals_detail_rows_as_records_land(history):
    engine = history
    timeouts = _timeouts(engine)
    _callbacks(engine, timeouts[:20], "cb", timedelta(minutes=20))
    assert summary_figures(engine, None, None, None, "queue", "UTC", SL) is None, "not built yet: the detail rows"
    built = rebuild(engine, SL)
    assert built.hour_rows > 0 and built.service_level_s == SL
    _all_same(engine)

    # Records land after the rebuild, through the writers: new calls in a new hour, callbacks of
    # recent timeouts, and a late callback answered now for a caller who timed out in the first week.
    late = START + timedelta(days=36, hours=9)
    insert_records(engine, [_leg(f"new-{i}", "sales", late + timedelta(minutes=7 * i), outcome)
                            for i, outcome in enumerate(["answered", "abandoned", "timeout", "answered"])])
    _callbacks(engine, timeouts[-12:], "cb2", timedelta(hours=2))
    _callbacks(engine, timeouts[20:23], "late", timedelta(days=30))
    _all_same(engine)
    # ... and they are counted: the old hour's caller is now answered by callback.
    groups, total = summary_figures(engine, None, None, None, "queue", "UTC", SL)
    assert total.callbacks == 20 - 4 + 12 - 2 + 3   # answered with their leg stored (every fifth not)


def test_report_reads_the_summary_only_where_it_is_exact(history):
    engine = history
    rebuild(engine, SL)
    t0 = datetime(2025, 3, 3, 7, tzinfo=UTC)
    assert summary_figures(engine, t0, t0 + timedelta(days=2), None, "queue", "UTC", SL) is not None
    assert summary_figures(engine, t0 + timedelta(minutes=30), None, None, "queue", "UTC", SL) is None
    assert summary_figures(engine, None, None, None, "queue", "UTC", 30.0) is None, "another threshold"
    assert summary_figures(engine, None, None, None, "hotline", "UTC", SL) is None
    assert summary_figures(engine, None, None, None, "queue", "UTC", SL, hotline="main") is None
    assert summary_figures(engine, None, None, None, "hour", "Asia/Kolkata", SL) is None, "a half-hour offset"
    # The report is the same either way (another threshold: the detail rows).
    by_summary = handle_times(engine, by="agent", service_level_s=SL)
    rebuild(engine, 25.0)
    assert [(r.key, r.calls, r.answered, r.wait_p90_s) for r in handle_times(engine, by="agent",
                                                                           service_level_s=SL)] == \
        [(r.key, r.calls, r.answered, r.wait_p90_s) for r in by_summary]


def test_rebuild_mends_a_tampered_summary(history):
    engine = history
    _callbacks(engine, _timeouts(engine)[:9], "cb", timedelta(minutes=20))
    rebuild(engine, SL)
    with engine.begin() as conn:   # by hand, around the writers: a summary row and a detail row
        conn.execute(text("UPDATE report_hours SET calls = calls + 5, talk_s = talk_s + 1000 "
                          "WHERE hour = (SELECT min(hour) FROM report_hours)"))
        conn.execute(text("DELETE FROM handle_times WHERE id = (SELECT max(id) FROM handle_times "
                          "WHERE outcome = 'answered')"))
    found = summary_figures(engine, None, None, None, "queue", "UTC", SL)
    detail = handle_time_figures(engine, None, None, None, "queue", "UTC", SL)
    assert found[1].calls != detail[1].calls, "the tampering shows"
    rebuild(engine, SL)
    _all_same(engine)


def test_serve_builds_the_summary_once_for_its_threshold(history):
    """`ivr serve` calls ensure_built at start: a new or upgraded database gets its summary (the
    reports then read it), the same threshold again changes nothing, a new one rebuilds."""
    from ivr.reports.summary.store import ensure_built
    year = (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 6, tzinfo=UTC))
    assert summary_figures(history, *year, None, "queue", "UTC", SL) is None     # not built yet
    built = ensure_built(history, SL)
    assert built is not None and built.hour_rows > 0 and built.service_level_s == SL
    assert summary_figures(history, *year, None, "queue", "UTC", SL) is not None
    assert ensure_built(history, SL) is None
    assert ensure_built(history, 30.0).service_level_s == 30.0
    assert summary_figures(history, *year, None, "queue", "UTC", 30.0) is not None
    assert summary_figures(history, *year, None, "queue", "UTC", SL) is None     # built for 30 s now
