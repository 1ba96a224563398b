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
