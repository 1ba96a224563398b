"""The call log on SQLite and PostgreSQL: several controllers writing at once."""

from __future__ import annotations

import threading

from ivr.store.calllog import CallLogWriter, CallRecord, call_summary, get_call, list_calls
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
