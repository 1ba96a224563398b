"""The dialer's store: claims, attempts and states, on SQLite and PostgreSQL. Two claimers
racing over the same requests never take one twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from ivr.errors import IVRError
from ivr.queues.store import (attempts_of, claim_callback, finish_attempt, list_callbacks, mark_done,
                              pending_callbacks, request_callback)
from ivr.store.db import open_engine

AT = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def test_claim_attempt_retry_and_done(db_url):
    engine = open_engine(db_url)
    rid = request_callback(engine, "u.1", "48600100200", "", "en", "support", AT)
    other = request_callback(engine, "u.2", "48600100300", "", "en", "sales", AT + timedelta(seconds=5))
    [p] = pending_callbacks(engine, ["support"])
    assert (p.id, p.state, p.attempts, p.next_at, p.hotline) == (rid, "waiting", 0, None, "")
    assert [x.id for x in pending_callbacks(engine, ["support", "sales"])] == [rid, other]

    now = AT + timedelta(minutes=1)
    c = claim_callback(engine, rid, "ctl-a", now, "caller-first", "ivrcb-1", "ivrcb-1")
    assert (c.request_id, c.attempt, c.queue, c.caller_id, c.requested_at) == (rid, 1, "support", "48600100200", AT)
    assert claim_callback(engine, rid, "ctl-b", now, "caller-first", "ivrcb-x", "ivrcb-x") is None  # taken
    [view] = list_callbacks(engine, "support")
    assert (view.state, view.attempts, view.last_result) == ("dialing", 1, "dialing")

    retry = now + timedelta(seconds=120)
    assert finish_attempt(engine, c.attempt_id, "no-answer", now + timedelta(seconds=30), state="waiting",
                          next_at=retry, owner="ctl-a")
    [view] = list_callbacks(engine, "support")
    assert (view.state, view.attempts, view.last_result, view.next_at) == ("waiting", 1, "no-answer",
                                                                          retry.isoformat())
    c2 = claim_callback(engine, rid, "ctl-b", retry, "caller-first", "ivrcb-2", "ivrcb-2")
    assert c2.attempt == 2
    assert not finish_attempt(engine, c2.attempt_id, "answered", retry, state="done", next_at=None,
                              owner="ctl-a")   # not ctl-a's: the request stays as it is
    assert finish_attempt(engine, c2.attempt_id, "answered", retry + timedelta(seconds=9), state="done",
                          next_at=None, owner="ctl-b", connected_at=retry + timedelta(seconds=8))
    assert list_callbacks(engine, "support") == []
    [done] = list_callbacks(engine, "support", pending_only=False)
    assert (done.state, done.attempts, done.done_by) == ("done", 2, "dialer:ctl-b")
    assert done.done_at == (retry + timedelta(seconds=8)).isoformat()
    a1, a2 = attempts_of(engine, rid)
    assert (a1.attempt, a1.result, a1.controller, a1.channel_id) == (1, "no-answer", "ctl-a", "ivrcb-1")
    assert (a2.attempt, a2.result, a2.controller, a2.requested_at) == (2, "answered", "ctl-b", AT)
    assert a2.connected_at == retry + timedelta(seconds=8)
    with pytest.raises(IVRError, match=f"callback request {rid}: already done by dialer:ctl-b"):
        mark_done(engine, rid, "cli:sam")
    assert claim_callback(engine, rid, "ctl-a", retry, "caller-first", "ivrcb-3", "ivrcb-3") is None


def test_done_by_hand_while_dialing_keeps_the_attempts_result(db_url):
    engine = open_engine(db_url)
    rid = request_callback(engine, "u.1", "48600100200", "", "en", "support", AT)
    c = claim_callback(engine, rid, "ctl-a", AT, "agent-first", "ivrcb-1", "ivrcb-1-q")
    assert [a.id for a in attempts_of(engine, open_of="ctl-a")] == [c.attempt_id]
    assert mark_done(engine, rid, "cli:sam").state == "done"
    assert not finish_attempt(engine, c.attempt_id, "no-answer", AT, state="waiting", next_at=AT, owner="ctl-a")
    [a] = attempts_of(engine, rid)
    assert a.result == "no-answer" and a.queue_unique_id == "ivrcb-1-q"
    assert attempts_of(engine, open_of="ctl-a") == []
    assert list_callbacks(engine, pending_only=False)[0].state == "done"


def test_two_claimers_racing_take_each_request_once(db_url):
    """Two dialers (threads, each its own engine: one controller each) claim the same 40
    requests in the same order at the same moment; every request is won exactly once."""
    engine = open_engine(db_url)
    ids = [request_callback(engine, f"u.{i}", f"4860010{i:04d}", "", "en", "support", AT + timedelta(seconds=i))
           for i in range(40)]
    barrier = threading.Barrier(2)
    won: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def claimer(name: str) -> None:
        try:
            eng = open_engine(db_url)
            barrier.wait(timeout=60)
            for rid in ids:
                c = claim_callback(eng, rid, f"ctl-{name}", AT, "agent-first", f"ivrcb-{name}-{rid}",
                                   f"ivrcb-{name}-{rid}-q")
                if c is not None:
                    won[name].append(c.request_id)
        except BaseException as exc:   # surfaced below instead of a thread dying quietly
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in won]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(won["a"] + won["b"]) == ids          # each once: none lost, none twice
    attempts = [a for rid in ids for a in attempts_of(engine, rid)]
    assert len(attempts) == 40 and {a.attempt for a in attempts} == {1}
    assert {a.controller for a in attempts if a.request_id in won["a"]} <= {"ctl-a"}
    assert all(v.state == "dialing" and v.attempts == 1 for v in list_callbacks(engine))
