"""The benchmark history generator at small N, on SQLite and PostgreSQL: rows
land through the project's schema and hang together."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ivr.bench.history import generate
from ivr.store.db import open_engine
from ivr.store.models import Call, CallbackRequest, HandleTimeRow, Step

N = 3000


def _counts(engine):
    with engine.connect() as conn:
        return {m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar()
                for m in (Call, Step, HandleTimeRow, CallbackRequest)}


def test_rows_are_there_and_consistent(db_url):
    written = generate(db_url, N, days=28, seed=7)
    engine = open_engine(db_url)
    counts = _counts(engine)
    assert counts == {k: written[k] for k in counts}
    assert counts["calls"] == N
    assert 6.5 <= counts["call_steps"] / N <= 10, "about 8 steps a call"
    with engine.connect() as conn:
        outcomes = dict(conn.execute(select(Call.outcome, func.count()).group_by(Call.outcome)).all())
        queued = sum(n for o, n in outcomes.items() if o.startswith("queue:"))
        # one handle-time row per queued call, for that call and that queue
        assert counts["handle_times"] == queued
        joined = conn.execute(select(func.count()).select_from(HandleTimeRow).join(
            Call, Call.unique_id == HandleTimeRow.unique_id).where(
            Call.outcome == "queue:" + HandleTimeRow.queue)).scalar()
        assert joined == queued
        assert counts["callback_requests"] == outcomes.get("callback", 0) > 0
        # every call has steps, numbered from 0 without gaps
        per_call = conn.execute(select(Step.call_id, func.count(), func.min(Step.seq), func.max(Step.seq))
                                .group_by(Step.call_id)).all()
        assert len(per_call) == N
        assert all(lo == 0 and hi == n - 1 for _, n, lo, hi in per_call)
        ht = dict(conn.execute(select(HandleTimeRow.outcome, func.count()).group_by(HandleTimeRow.outcome)).all())
        agents = conn.execute(select(func.count(func.distinct(HandleTimeRow.agent)))
                              .where(HandleTimeRow.outcome == "answered")).scalar()
        queues = conn.execute(select(func.count(func.distinct(HandleTimeRow.queue)))).scalar()
        bad_answered = conn.execute(select(func.count()).select_from(HandleTimeRow).where(
            HandleTimeRow.outcome == "answered", (HandleTimeRow.talk_s <= 0) | (HandleTimeRow.agent == ""))).scalar()
        started = [s for (s,) in conn.execute(select(Call.started_at).order_by(Call.id))]
    assert 0.5 <= queued / N <= 0.85, outcomes
    assert {"hangup", "caller-hangup", "closed", "callback"} <= set(outcomes)
    assert 0.75 <= ht["answered"] / queued <= 0.95, ht
    assert 0.02 <= ht["abandoned"] / queued <= 0.2, ht
    assert ht.get("timeout", 0) > 0
    assert 40 <= agents <= 60 and queues == 4
    assert bad_answered == 0
    if "hotline" in Call.__table__.columns:   # migration 0009: the hotline of the number dialled
        with engine.connect() as conn:
            assert {h for (h,) in conn.execute(select(Call.hotline).distinct())} == {"main", "business", "freephone"}
    # ids grow with time, the window is the 28 local days from 2025-01-01, office hours dominate
    assert started == sorted(started)
    waw = ZoneInfo("Europe/Warsaw")
    assert started[0] >= datetime(2025, 1, 1, tzinfo=waw) and started[-1] < datetime(2025, 1, 29, tzinfo=waw)
    office = sum(1 for s in started if 8 <= s.astimezone(waw).hour < 18)
    night = sum(1 for s in started if s.astimezone(waw).hour < 6)
    assert office / N > 0.7 and night / N < 0.05
    weekend = sum(1 for s in started if s.astimezone(waw).weekday() == 6)
    assert weekend / N < 0.05
    engine.dispose()


def test_same_seed_same_history(tmp_path):
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    generate(a, 500, days=7, seed=3)
    generate(b, 500, days=7, seed=3)
    rows = []
    for url in (a, b):
        engine = open_engine(url)
        with engine.connect() as conn:
            rows.append(conn.execute(select(HandleTimeRow.unique_id, HandleTimeRow.talk_s, HandleTimeRow.agent)
                                     .order_by(HandleTimeRow.id)).all())
        engine.dispose()
    assert rows[0] == rows[1] and rows[0]


def test_command_line_and_refusal_of_a_filled_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    cmd = [sys.executable, "-m", "ivr.bench.history", "--calls", "200", "--db", url, "--days", "3", "--seed", "2"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote 200 calls, ") and done.stderr == ""   # no progress line off a terminal
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 1 and "already holds calls" in again.stderr and "Traceback" not in again.stderr
    bad = subprocess.run(cmd[:4] + ["-5"] + cmd[5:], capture_output=True, text=True)
    assert bad.returncode == 2 and "--calls must be >= 0" in bad.stderr


def _index_names(engine, table):
    from sqlalchemy import inspect
    return sorted(i["name"] for i in inspect(engine).get_indexes(table))


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_scale_copies_a_generated_history(kind, tmp_path, request):
    """--scale K: K copies of the calls, handle-time rows and callbacks (no steps), ids and
    unique ids distinct, caller pools apart, every distribution the source's times K, the
    indexes all there again, the source untouched."""
    from ivr.bench.history import scale
    from ivr.reports.store import handle_time_figures
    if kind == "sqlite":
        source, target = f"sqlite:///{tmp_path / 'src.db'}", f"sqlite:///{tmp_path / 'x3.db'}"
    else:
        server, base = request.getfixturevalue("postgres_server"), request.getfixturevalue("postgres_url")
        names = [f"ivr_scale_{os.getpid()}_{n}" for n in ("src", "x3")]
        for name in names:
            server.run("dropdb", "--if-exists", name, check=False)
            server.run("createdb", name)
            request.addfinalizer(lambda name=name: server.run("dropdb", name, check=False))
        db = base.split("@/")[1].split("?")[0]
        source, target = (base.replace(f"@/{db}?", f"@/{n}?") for n in names)
    generate(source, 800, days=14, seed=5)
    done = scale(target, source, 3)
    src, dst = open_engine(source), open_engine(target)
    before, after = _counts(src), _counts(dst)
    assert before["calls"] == 800 and before["call_steps"] > 0
    assert after == {"calls": 3 * 800, "call_steps": 0, "handle_times": 3 * before["handle_times"],
                     "callback_requests": 3 * before["callback_requests"]}
    assert {k: done[k] for k in ("calls", "handle_times", "callback_requests")} == {
        k: after[k] for k in ("calls", "handle_times", "callback_requests")}
    with src.connect() as s, dst.connect() as d:
        for m in (Call, HandleTimeRow, CallbackRequest):
            assert d.execute(select(func.count(func.distinct(m.unique_id)))).scalar() == after[m.__tablename__]
        # each handle-time row still belongs to its call (same unique id and caller)
        joined = d.execute(select(func.count()).select_from(HandleTimeRow).join(
            Call, (Call.unique_id == HandleTimeRow.unique_id) & (Call.caller_id == HandleTimeRow.caller_id))).scalar()
        assert joined == after["handle_times"]
        # repeat callers as in a history K times larger: three times the numbers, as many calls a number
        assert d.execute(select(func.count(func.distinct(Call.caller_id)))).scalar() == \
            3 * s.execute(select(func.count(func.distinct(Call.caller_id)))).scalar()
        for col in (Call.outcome, Call.hotline, HandleTimeRow.outcome, HandleTimeRow.agent):
            src_mix = dict(s.execute(select(col, func.count()).group_by(col)).all())
            assert dict(d.execute(select(col, func.count()).group_by(col)).all()) == {k: 3 * v for k, v in src_mix.items()}
        started = [t for (t,) in d.execute(select(Call.started_at).order_by(Call.id))]
        assert started == sorted(started)   # ids still grow with time
    for table in ("calls", "handle_times", "callback_requests"):
        assert _index_names(dst, table) == _index_names(src, table)
    window = (datetime(2024, 12, 1, tzinfo=timezone.utc), datetime(2025, 2, 1, tzinfo=timezone.utc))
    groups_src, total_src = handle_time_figures(src, *window, by="queue", service_level_s=20.0)
    groups_dst, total_dst = handle_time_figures(dst, *window, by="queue", service_level_s=20.0)
    assert [(g.key, 3 * g.calls, 3 * g.answered, 3 * g.answered_in_sl, g.longest_wait_s) for g in groups_src] == \
        [(g.key, g.calls, g.answered, g.answered_in_sl, g.longest_wait_s) for g in groups_dst]
    assert abs(total_dst.talk_s - 3 * total_src.talk_s) < 1e-3
    assert _counts(src) == before   # the source is only read
    src.dispose()
    dst.dispose()
    again = subprocess.run([sys.executable, "-m", "ivr.bench.history", "--scale", "2", "--from", source,
                            "--db", target], capture_output=True, text=True)
    assert again.returncode == 1 and "already holds calls" in again.stderr
