"""The call log on SQLite and PostgreSQL: several controllers writing at once."""

from __future__ import annotations

import threading

from ivr.store.calllog import CallLogWriter, CallRecord
from ivr.store.calls import CallView, call_summary, get_call, list_calls
from ivr.store.db import open_engine


def test_three_writers_at_once_lose_nothing(db_url):
    engine = open_engine(db_url)
    writers = [CallLogWriter(open_engine(db_url)) for _ in range(3)]

    def controller(n: int, writer: CallLogWriter) -> None:
        for i in range(100):
            rec = CallRecord(unique_id=f"c{n}-{i}", caller_id=f"4860010{n}{i:03d}", called="800")
            writer.start_call(rec)
            rec.step("main", "enter")
            rec.step("main", "input", digits=str(i % 10))
            rec.outcome = "hangup"
            writer.end_call(rec)

    threads = [threading.Thread(target=controller, args=(n, w)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in writers:
        w.flush()
        w.close()
    calls = list_calls(engine, limit=1000)
    assert len(calls) == 300
    assert all(c.outcome == "hangup" and c.ended_at is not None for c in calls)
    one = call_summary(get_call(engine, "c2-57"))
    assert one["digits"] == "7" and one["path"] == ["main"] and one["caller_id"] == "48600102057"


def test_a_call_that_never_ended_is_still_logged(db_url):
    engine = open_engine(db_url)
    w = CallLogWriter(engine)
    w.start_call(CallRecord(unique_id="crashed", caller_id="1"))
    w.flush()
    w.close()
    call = get_call(engine, "crashed")
    assert call is not None and call.ended_at is None


def test_a_record_that_cannot_be_written_costs_no_other_call_its_log(db_url):
    engine = open_engine(db_url)
    writer = CallLogWriter(open_engine(db_url))
    bad = CallRecord(unique_id="broken")
    bad.started_at = None          # NOT NULL in the table: this one cannot be stored
    for i in range(200):           # queued together: they share a batch with the bad one
        writer.end_call(bad if i == 100 else CallRecord(unique_id=f"ok-{i}", outcome="hangup"))
    writer.flush()
    writer.close()
    calls = list_calls(engine, limit=1000)
    assert len(calls) == 199 and "broken" not in {c.unique_id for c in calls}


def test_the_read_side_gives_frozen_views(db_url):
    import dataclasses

    import pytest

    engine = open_engine(db_url)
    w = CallLogWriter(engine)
    rec = CallRecord(unique_id="viewed", caller_id="48600100200", called="800")
    w.start_call(rec)
    rec.step("main", "enter")
    rec.step("main", "input", digits="1")
    rec.step("tariffs", "enter")
    rec.outcome = "hangup"
    w.end_call(rec)
    w.flush()
    w.close()
    call = get_call(engine, "viewed")
    assert isinstance(call, CallView) and [s.node for s in call.steps] == ["main", "main", "tariffs"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.outcome = "changed"
    assert get_call(engine, str(call.id)) == call and get_call(engine, "nobody") is None
    shown = call_summary(call)
    assert shown["path"] == ["main", "tariffs"] and shown["digits"] == "1" and len(shown["steps"]) == 3
    assert shown["steps"][1] == {"node": "main", "action": "input", "detail": "", "digits": "1",
                                 "at": call.steps[1].at.isoformat()}
    listed = list_calls(engine)
    assert [c.unique_id for c in listed] == ["viewed"] and listed[0].steps is None
    assert call_summary(listed[0])["path"] is None and call_summary(listed[0])["steps"] is None
    assert {k: v for k, v in call_summary(listed[0]).items() if k not in ("path", "steps")} == \
           {k: v for k, v in shown.items() if k not in ("path", "steps")}
