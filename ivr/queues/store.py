"""The queues package's queries: handle-time records and callback requests.

Writing handle-time records: once each, whichever consumer gets there first.
Several controllers may share one database and each folds the same AMI
stream, so inserts are ON CONFLICT DO NOTHING on (unique_id, queue, join
second): the record lands once.

Callback requests: stored by a `callback` node, worked off by the call
centre with `ivr callbacks list|done` (frozen CallbackView out).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..errors import IVRError
from ..menu.outcome import HangupCause
from ..store.models import CallbackRequest, HandleTimeRow, utcnow
from ..store.writer import BatchWriter
from .records import HandleTime

log = logging.getLogger("ivr.queues.store")


def _dt(t: float | None) -> datetime | None:
    return None if t is None else datetime.fromtimestamp(t, timezone.utc)


def row_values(rec: HandleTime) -> dict:
    return {"unique_id": rec.unique_id, "queue": rec.queue, "entered_second": int(rec.entered_at),
            "caller_id": rec.caller_id, "agent": rec.agent, "entered_at": _dt(rec.entered_at),
            "answered_at": _dt(rec.answered_at), "ended_at": _dt(rec.ended_at), "wait_s": round(rec.wait_s, 3),
            "ring_s": round(rec.ring_s, 3), "talk_s": round(rec.talk_s, 3), "hold_s": round(rec.hold_s, 3), "wrapup_s": rec.wrapup_s,
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


@dataclass(frozen=True)
class QueueStay:
    """One stored handle-time record: one call's stay in one queue."""

    queue: str
    agent: str
    outcome: str
    entered_at: datetime
    wait_s: float
    ring_s: float
    talk_s: float
    wrapup_s: float


def stays_of_call(engine: Engine, unique_id: str) -> list[QueueStay]:
    """The call's handle-time records, in the order it joined the queues."""
    t = HandleTimeRow
    stmt = (select(t.queue, t.agent, t.outcome, t.entered_at, t.wait_s, t.ring_s, t.talk_s, t.wrapup_s)
            .where(t.unique_id == unique_id).order_by(t.entered_at))
    with engine.connect() as conn:
        return [QueueStay(*row) for row in conn.execute(stmt)]


# AgentComplete's Reason (app_queue.c: caller, agent, transfer) -> who ended an answered call.
_REASON_CAUSE = {"caller": HangupCause.CALLER, "agent": HangupCause.AGENT, "transfer": HangupCause.AGENT}


def who_hung_up(engine: Engine, unique_id: str) -> HangupCause | None:
    """Who ended a call that ended inside a queue, from its last handle-time record:
    the agent's or caller's hang-up of an answered call (a transfer is the agent's
    doing), the caller for an abandoned one; None while no finished record is stored."""
    t = HandleTimeRow
    row = (select(t.outcome, t.reason).where(t.unique_id == unique_id, t.ended_at.is_not(None))
           .order_by(t.entered_at.desc()).limit(1))
    with engine.connect() as conn:
        found = conn.execute(row).first()
    if found is None:
        return None
    outcome, reason = found
    if outcome == "abandoned":
        return HangupCause.CALLER
    return _REASON_CAUSE.get(reason)


def last_entered_second(engine: Engine) -> float | None:
    """When the newest stored record's caller joined its queue (epoch seconds); None if none is stored."""
    with engine.connect() as conn:
        last = conn.execute(select(func.max(HandleTimeRow.entered_second))).scalar()
    return float(last) if last else None


class HandleTimeWriter(BatchWriter[HandleTime]):
    """A thread that inserts finished records, so the AMI reader never waits on the database.
    A failed batch is retried one record at a time (the insert is idempotent)."""

    thread_name = "handle-time-writer"
    logger = log

    def __init__(self, engine: Engine, batch: int = 200, spool_dir: Path | None = None):
        self.engine = engine
        super().__init__(batch, spool_dir)

    def write(self, items: list[HandleTime]) -> None:
        insert_records(self.engine, items)

    def encode(self, item: HandleTime) -> dict:
        return dataclasses.asdict(item)

    def decode(self, data: dict) -> HandleTime:
        return HandleTime(**data)

    def units(self, items: list[HandleTime]):
        for rec in items:
            yield rec.unique_id, [rec]

    def describe(self, label: str, unit: list[HandleTime]) -> tuple[str, dict]:
        return f"could not store the handle-time record of queue {unit[0].queue!r}", {"uid": label}


# ---- callback requests ----

@dataclass(frozen=True)
class CallbackView:
    id: int
    unique_id: str
    caller_id: str
    account: str
    language: str
    queue: str
    requested_at: str
    done_at: str | None
    done_by: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _callback_view(r: CallbackRequest) -> CallbackView:
    return CallbackView(r.id, r.unique_id, r.caller_id, r.account, r.language, r.queue,
                        _iso(r.requested_at), _iso(r.done_at), r.done_by)


def request_callback(engine: Engine, unique_id: str, caller_id: str, account: str, language: str,
                     queue: str, at: datetime) -> int:
    """Store one request; its id. One per call and queue: a caller passing the node twice asked once."""
    with Session(engine) as s, s.begin():
        known = s.scalars(select(CallbackRequest.id).where(CallbackRequest.unique_id == unique_id,
                                                           CallbackRequest.queue == queue)).first()
        if known is not None:
            return known
        row = CallbackRequest(unique_id=unique_id, caller_id=caller_id, account=account, language=language,
                              queue=queue, requested_at=at, done_by="")
        s.add(row)
        s.flush()
        return row.id


def list_callbacks(engine: Engine, queue: str = "", pending_only: bool = True) -> list[CallbackView]:
    stmt = select(CallbackRequest).order_by(CallbackRequest.requested_at, CallbackRequest.id)
    if queue:
        stmt = stmt.where(CallbackRequest.queue == queue)
    if pending_only:
        stmt = stmt.where(CallbackRequest.done_at.is_(None))
    with Session(engine) as s:
        return [_callback_view(r) for r in s.scalars(stmt)]


def mark_done(engine: Engine, request_id: int, by: str) -> CallbackView:
    with Session(engine) as s, s.begin():
        row = s.get(CallbackRequest, request_id)
        if row is None:
            raise IVRError(f"callback request {request_id}: no such request")
        if row.done_at is not None:
            raise IVRError(f"callback request {request_id}: already done by {row.done_by} at {_iso(row.done_at)}")
        row.done_at, row.done_by = utcnow(), by
        return _callback_view(row)


@dataclass(frozen=True)
class CallbackRequestItem:
    """A callback request waiting to be stored (the database was away when the caller asked)."""

    unique_id: str
    caller_id: str
    account: str
    language: str
    queue: str
    requested_at: datetime


class CallbackWriter(BatchWriter[CallbackRequestItem]):
    """Stores callback requests spooled during an outage; request_callback is idempotent
    (one request per call and queue), so a retry never asks twice."""

    thread_name = "callback-writer"
    logger = log

    def __init__(self, engine: Engine, spool_dir: Path | None = None):
        self.engine = engine
        super().__init__(50, spool_dir)

    def write(self, items: list[CallbackRequestItem]) -> None:
        for r in items:
            request_callback(self.engine, r.unique_id, r.caller_id, r.account, r.language, r.queue, r.requested_at)

    def describe(self, label: str, unit: list[CallbackRequestItem]) -> tuple[str, dict]:
        return f"could not store the callback request for queue {unit[0].queue!r}", {"uid": unit[0].unique_id}

    def encode(self, item: CallbackRequestItem) -> dict:
        return {**dataclasses.asdict(item), "requested_at": item.requested_at.isoformat()}

    def decode(self, data: dict) -> CallbackRequestItem:
        return CallbackRequestItem(**{**data, "requested_at": datetime.fromisoformat(data["requested_at"])})
