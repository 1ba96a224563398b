"""Handle-time records land once, even when two consumers fold the same
events into the same database at the same time (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import func, select

from ivr.queues.fold import QueueFolder
from ivr.queues.store import insert_records
from ivr.store.db import open_engine
from ivr.store.models import HandleTimeRow

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def folded() -> list:
    out = []
    for name in ("answered", "abandoned", "timeout", "full", "two-callers-one-agent"):
        folder = QueueFolder()
        for e in json.loads((TRANSCRIPTS / f"{name}.json").read_text()):
            out += folder.feed(e)
    return out


def test_two_consumers_racing_store_each_record_once(db_url):
    engine = open_engine(db_url)
    records = folded()
    barrier = threading.Barrier(2)
    new, errors = [], []

    def consumer():
        try:
            eng = open_engine(db_url)
            barrier.wait(timeout=60)
            for rec in records:
                new.append(insert_records(eng, [rec]))
        except Exception as exc:  # surfaced below instead of a thread dying quietly
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=consumer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(HandleTimeRow)).scalar()
    assert count == len(records) == 7
    assert sum(new) == len(records)
    with engine.connect() as conn:
        row = conn.execute(select(HandleTimeRow).where(HandleTimeRow.unique_id == "answered-0")).one()
    assert row.outcome == "answered" and abs(row.talk_s - 3.017) < 0.01


def test_callback_requests_are_stored_once_listed_and_done_once(db_url):
    import dataclasses
    from datetime import datetime, timezone

    import pytest

    from ivr.errors import IVRError
    from ivr.queues.store import CallbackView, list_callbacks, mark_done, request_callback

    engine = open_engine(db_url)
    at = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
    first = request_callback(engine, "u.1", "48600100200", "10001", "pl", "support", at)
    assert request_callback(engine, "u.1", "48600100200", "10001", "pl", "support", at) == first  # asked once
    other = request_callback(engine, "u.2", "48600100300", "", "en", "sales", at.replace(minute=5))
    listed = list_callbacks(engine)
    assert [(r.id, r.queue) for r in listed] == [(first, "support"), (other, "sales")]
    assert listed[0] == CallbackView(first, "u.1", "48600100200", "10001", "pl", "support",
                                     "2026-11-23T10:00:00+00:00", None, "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        listed[0].done_by = "someone"
    assert [r.id for r in list_callbacks(engine, queue="sales")] == [other]
    done = mark_done(engine, first, "cli:sam")
    assert done.id == first and done.done_by == "cli:sam" and done.done_at is not None
    assert [r.id for r in list_callbacks(engine)] == [other]
    assert [r.id for r in list_callbacks(engine, pending_only=False)] == [first, other]
    with pytest.raises(IVRError, match=f"callback request {first}: already done by cli:sam"):
        mark_done(engine, first, "cli:sam")
    with pytest.raises(IVRError, match="callback request 999: no such request"):
        mark_done(engine, 999, "cli:sam")


def test_who_hung_up_reads_the_finished_record_and_says_when_it_names_nobody(tmp_path):
    from ivr.menu.outcome import HangupCause
    from ivr.queues.records import HandleTime
    from ivr.queues.store import who_hung_up
    engine = open_engine(f"sqlite:///{tmp_path / 'ivr.db'}")
    t = 1_780_000_000.0
    insert_records(engine, [
        HandleTime("by-agent", "support", t, answered_at=t + 5, ended_at=t + 50, outcome="answered", reason="agent"),
        HandleTime("gone", "support", t, ended_at=t + 9, outcome="abandoned"),
        HandleTime("lost", "support", t, answered_at=t + 5, ended_at=t + 30, outcome="interrupted"),
        HandleTime("waiting", "support", t, outcome="answered", answered_at=t + 3)])
    assert who_hung_up(engine, "by-agent") is HangupCause.AGENT
    assert who_hung_up(engine, "gone") is HangupCause.CALLER
    # A finished record naming nobody is an answer (the controller stops waiting), not a guess.
    assert who_hung_up(engine, "lost") is HangupCause.UNKNOWN
    assert who_hung_up(engine, "waiting") is None and who_hung_up(engine, "no-such-call") is None
    engine.dispose()
