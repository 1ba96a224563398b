"""The queues package's queries: handle-time records and callback requests.

Writing handle-time records: once each, whichever consumer gets there first.
Several controllers may share one database and each folds the same AMI
stream, so inserts are ON CONFLICT DO NOTHING on (unique_id, queue, join
second): the record lands once.

Callback requests: stored by a `callback` node, called back by the dialer of
`ivr serve` (ivr/queues/dialer.py: pending_callbacks, claim_callback,
finish_attempt) or worked off by hand with `ivr callbacks list|done` (frozen
CallbackView, PendingCallback, Claim and AttemptView out).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from datetime import datetime, timezone

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..errors import IVRError
from ..menu.outcome import HangupCause
from ..store.models import Call, CallbackAttempt, CallbackRequest, HandleTimeRow, utcnow
from ..store.report_marks import mark_callbacks, mark_hours
from ..store.writer import BatchWriter
from .callback_rules import move
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
            "last_position": rec.last_position, "attempts": rec.attempts, "asterisk": rec.asterisk}


def insert_records(engine: Engine, records: list[HandleTime]) -> int:
    """Insert records not yet stored; return how many were new."""
    if not records:
        return 0
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(HandleTimeRow).values([row_values(r) for r in records])
    stmt = stmt.on_conflict_do_nothing(index_elements=["unique_id", "queue", "entered_second"])
    # RETURNING counts what landed; rowcount is -1 for this on psycopg.
    with engine.begin() as conn:
        landed = len(conn.execute(stmt.returning(HandleTimeRow.id)).all())
        # The report summary's hours these rows (and a callback leg's callback) count in.
        mark_hours(conn, [r.entered_at for r in records])
        mark_callbacks(conn, leg_unique_ids=[r.unique_id for r in records])
        return landed


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


def has_records_of(engine: Engine, queue: str) -> bool:
    """Whether any handle-time record is of `queue` (an index seek, not a scan)."""
    with engine.connect() as conn:
        return conn.execute(select(HandleTimeRow.id).where(HandleTimeRow.queue == queue).limit(1)).first() is not None


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
    doing), the caller for an abandoned one, UNKNOWN for a finished record that names
    nobody (interrupted, or no AgentComplete reason); None while no finished record is stored."""
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
    return _REASON_CAUSE.get(reason, HangupCause.UNKNOWN)


def last_entered_second(engine: Engine, asterisk: str | None = None) -> float | None:
    """When the newest stored record's caller joined its queue (epoch seconds), of one Asterisk's
    records when `asterisk` is given (its systemname); None if none is stored."""
    stmt = select(func.max(HandleTimeRow.entered_second))
    if asterisk is not None:
        stmt = stmt.where(HandleTimeRow.asterisk == asterisk)
    with engine.connect() as conn:
        last = conn.execute(stmt).scalar()
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
# A request and the dialer's state (migration 0013), its attempts, and the call that asked.

_req = CallbackRequest.__table__
_att = CallbackAttempt.__table__
_calls = Call.__table__


@dataclass(frozen=True)
class CallbackView:
    """One request as `ivr callbacks list` shows it; times are ISO 8601 (UTC)."""
    id: int
    unique_id: str
    caller_id: str
    account: str
    language: str
    queue: str
    requested_at: str
    done_at: str | None
    done_by: str
    state: str = "waiting"         # waiting | dialing | done | failed
    attempts: int = 0
    next_at: str | None = None     # the next attempt not before this (waiting after a failed one)
    last_result: str = ""          # the newest attempt's result ("" before the first)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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


def _last_result():
    return (select(_att.c.result).where(_att.c.request_id == _req.c.id)
            .order_by(_att.c.attempt.desc()).limit(1).scalar_subquery())


def _views(conn, where) -> list[CallbackView]:
    r = _req.c
    stmt = (select(r.id, r.unique_id, r.caller_id, r.account, r.language, r.queue, r.requested_at, r.done_at,
                   r.done_by, r.state, r.attempts, r.next_at, _last_result())
            .where(*where).order_by(r.requested_at, r.id))
    return [CallbackView(row[0], row[1], row[2], row[3], row[4], row[5], _iso(row[6]), _iso(row[7]), row[8],
                         row[9], row[10], _iso(row[11]), row[12] or "") for row in conn.execute(stmt)]


def list_callbacks(engine: Engine, queue: str = "", pending_only: bool = True) -> list[CallbackView]:
    """Requests in requested_at order; pending_only: those still waiting or being dialled."""
    where = []
    if queue:
        where.append(_req.c.queue == queue)
    if pending_only:
        where += [_req.c.done_at.is_(None), _req.c.state.in_(("waiting", "dialing"))]
    with engine.connect() as conn:
        return _views(conn, where)


def mark_done(engine: Engine, request_id: int, by: str) -> CallbackView:
    """Done by hand (a person called back): from waiting, dialing or failed. IVRError if
    there is no such request or it is done already."""
    with engine.begin() as conn:
        found = conn.execute(select(_req.c.state, _req.c.done_at, _req.c.done_by)
                             .where(_req.c.id == request_id)).first()
        if found is None:
            raise IVRError(f"callback request {request_id}: no such request")
        state, done_at, done_by = found
        if done_at is not None or state == "done":
            raise IVRError(f"callback request {request_id}: already done by {done_by} at {_iso(done_at)}")
        move(state, "done-by-hand")
        conn.execute(update(_req).where(_req.c.id == request_id)
                     .values(done_at=utcnow(), done_by=by, state="done", next_at=None))
        return _views(conn, [_req.c.id == request_id])[0]


# ---- the dialer's queries (ivr/queues/dialer.py) ----

@dataclass(frozen=True)
class PendingCallback:
    """A request the dialer may have to call: waiting, or being dialled by some controller."""
    id: int
    queue: str
    unique_id: str
    caller_id: str
    language: str
    requested_at: datetime
    state: str
    attempts: int
    next_at: datetime | None
    claimed_by: str
    hotline: str                  # the hotline the caller rang ("" when its call row is missing)


def pending_callbacks(engine: Engine, queues: list[str]) -> list[PendingCallback]:
    """The waiting and dialing requests of `queues`, in requested_at order."""
    if not queues:
        return []
    r = _req.c
    stmt = (select(r.id, r.queue, r.unique_id, r.caller_id, r.language, r.requested_at, r.state, r.attempts,
                   r.next_at, r.claimed_by, func.coalesce(_calls.c.hotline, ""))
            .select_from(_req.outerjoin(_calls, _calls.c.unique_id == r.unique_id))
            .where(r.queue.in_(queues), r.state.in_(("waiting", "dialing")), r.done_at.is_(None))
            .order_by(r.requested_at, r.id))
    with engine.connect() as conn:
        return [PendingCallback(*row) for row in conn.execute(stmt)]


@dataclass(frozen=True)
class Claim:
    """A request this controller won: attempt `attempt` (1-based) is stored as `dialing`."""
    request_id: int
    attempt_id: int
    attempt: int
    queue: str
    caller_id: str
    language: str
    unique_id: str
    requested_at: datetime


def claim_callback(engine: Engine, request_id: int, owner: str, now: datetime, mode: str, channel_id: str,
                   queue_unique_id: str) -> Claim | None:
    """Take one waiting request for this controller and store its new attempt, atomically;
    None if another controller holds or took it (or it is no longer waiting). PostgreSQL:
    SELECT ... FOR UPDATE SKIP LOCKED (a row another claimer holds is skipped, not waited
    for); SQLite: a conditional UPDATE waiting -> dialing whose rowcount says who won.
    Either way one request is claimed once per attempt (and (request, attempt) is unique)."""
    r = _req.c
    waiting = [r.id == request_id, r.state == "waiting", r.done_at.is_(None)]
    claim = dict(state="dialing", attempts=r.attempts + 1, claimed_by=owner, claimed_at=now, next_at=None)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            locked = conn.execute(select(r.id).where(*waiting).with_for_update(skip_locked=True)).first()
            if locked is None:
                return None
            conn.execute(update(_req).where(r.id == request_id).values(**claim))
        elif conn.execute(update(_req).where(*waiting).values(**claim)).rowcount != 1:
            return None
        row = conn.execute(select(r.attempts, r.queue, r.caller_id, r.language, r.unique_id, r.requested_at)
                           .where(r.id == request_id)).one()
        attempt_id = conn.execute(insert(_att).values(
            request_id=request_id, attempt=row[0], queue=row[1], mode=mode, controller=owner, channel_id=channel_id,
            queue_unique_id=queue_unique_id, requested_at=row[5], started_at=now, result="dialing", detail="")
            .returning(_att.c.id)).scalar_one()
        mark_callbacks(conn, attempt_id=attempt_id)   # its leg is no caller's call (report summary)
        return Claim(request_id, attempt_id, row[0], row[1], row[2], row[3], row[4], row[5])


def finish_attempt(engine: Engine, attempt_id: int, result: str, ended_at: datetime, *, state: str,
                   next_at: datetime | None, owner: str, connected_at: datetime | None = None,
                   detail: str = "") -> bool:
    """Store an attempt's result and move its request (held by `owner`) to `state`
    (waiting with `next_at`, done, failed). False if the request was no longer this
    controller's to move (done by hand meanwhile): the attempt's result is stored anyway."""
    with engine.begin() as conn:
        request_id = conn.execute(select(_att.c.request_id).where(_att.c.id == attempt_id)).scalar_one()
        conn.execute(update(_att).where(_att.c.id == attempt_id)
                     .values(result=result, ended_at=ended_at, connected_at=connected_at, detail=detail[:128]))
        mark_callbacks(conn, attempt_id=attempt_id)   # an answered callback counts at its request time
        values: dict = dict(state=state, next_at=next_at, claimed_by="", claimed_at=None)
        if state == "done":
            values |= dict(done_at=connected_at or ended_at, done_by=f"dialer:{owner}"[:64])
        moved = conn.execute(update(_req).where(_req.c.id == request_id, _req.c.state == "dialing",
                                                _req.c.claimed_by == owner).values(**values))
        return moved.rowcount == 1


@dataclass(frozen=True)
class AttemptView:
    id: int
    request_id: int
    attempt: int
    queue: str
    mode: str
    controller: str
    channel_id: str
    queue_unique_id: str
    requested_at: datetime
    started_at: datetime
    connected_at: datetime | None
    ended_at: datetime | None
    result: str
    detail: str


def attempts_of(engine: Engine, request_id: int | None = None, *, open_of: str = "") -> list[AttemptView]:
    """A request's attempts in order; or (open_of=OWNER) every attempt that controller left dialing."""
    a = _att.c
    stmt = select(a.id, a.request_id, a.attempt, a.queue, a.mode, a.controller, a.channel_id, a.queue_unique_id,
                  a.requested_at, a.started_at, a.connected_at, a.ended_at, a.result, a.detail)
    if request_id is not None:
        stmt = stmt.where(a.request_id == request_id)
    if open_of:
        stmt = stmt.where(a.controller == open_of, a.result == "dialing")
    with engine.connect() as conn:
        return [AttemptView(*row) for row in conn.execute(stmt.order_by(a.request_id, a.attempt))]


def queue_answered_at(engine: Engine, unique_id: str) -> datetime | None:
    """When the queue leg `unique_id` was answered by an agent (its handle-time record), or None."""
    t = HandleTimeRow
    with engine.connect() as conn:
        return conn.execute(select(t.answered_at).where(t.unique_id == unique_id, t.answered_at.is_not(None))
                            .limit(1)).scalar()


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
