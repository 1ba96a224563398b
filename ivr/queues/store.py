"""Writing handle-time records: once each, whichever consumer gets there first.

Several controllers may share one database and each folds the same AMI
stream, so inserts are ON CONFLICT DO NOTHING on (unique_id, queue, join
second): the record lands once.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime, timezone

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from ..store.models import HandleTimeRow
from .records import HandleTime

log = logging.getLogger("ivr.queues.store")


def _dt(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, timezone.utc)


def row_values(rec: HandleTime) -> dict:
    return {"unique_id": rec.unique_id, "queue": rec.queue, "entered_second": int(rec.entered_at),
            "caller_id": rec.caller_id, "agent": rec.agent, "entered_at": _dt(rec.entered_at),
            "answered_at": _dt(rec.answered_at), "ended_at": _dt(rec.ended_at), "wait_s": round(rec.wait_s, 3),
            "ring_s": round(rec.ring_s, 3), "talk_s": round(rec.talk_s, 3), "wrapup_s": rec.wrapup_s,
            "outcome": rec.outcome, "reason": rec.reason, "first_position": rec.first_position,
            "last_position": rec.last_position, "attempts": rec.attempts}


def insert_records(engine: Engine, records: list[HandleTime]) -> int:
    """Insert records not yet stored; return how many were new."""
    if not records:
        return 0
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(HandleTimeRow).values([row_values(r) for r in records])
    stmt = stmt.on_conflict_do_nothing(index_elements=["unique_id", "queue", "entered_second"])
    # RETURNING counts what landed; rowcount is -1 for this on psycopg.
    with engine.begin() as conn:
        return len(conn.execute(stmt.returning(HandleTimeRow.id)).all())


class HandleTimeWriter:
    """A thread that inserts finished records, so the AMI reader never waits on the database."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="handle-time-writer", daemon=True)
        self._thread.start()

    def put(self, records: list[HandleTime]) -> None:
        if records:
            self._queue.put(records)

    def flush(self, timeout: float = 30) -> None:
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch, signals, stop = [], [], False
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    signals.append(item)
                else:
                    batch.extend(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            try:
                insert_records(self.engine, batch)
            except Exception:
                log.exception("could not store %d handle-time record(s)", len(batch))
            for s in signals:
                s.set()
            if stop:
                return
