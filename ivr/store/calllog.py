"""The call log: what each call did, written off the event loop.

The controller must never wait on the database mid-call, so records go
through a queue to one writer thread that commits them in batches. A call
row is inserted when the call starts and completed, with its steps, when it
ends (in the session's `finally`), so a crash mid-call still leaves a row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from ..menu.outcome import StepKind
from .models import Call, Step, utcnow
from .writer import BatchWriter

log = logging.getLogger("ivr.calllog")


@dataclass
class StepRecord:
    node: str
    action: str
    detail: str = ""
    digits: str = ""
    at: datetime = field(default_factory=utcnow)


@dataclass
class CallRecord:
    """What the session knows about its call; mutable while the call runs."""

    unique_id: str
    caller_id: str = ""
    called: str = ""
    channel: str = ""
    language: str = ""
    config_version: str = ""
    started_at: datetime = field(default_factory=utcnow)
    ended_at: datetime | None = None
    outcome: str = ""
    hangup_cause: str = ""
    error: str = ""
    consent: bool | None = None          # None: the caller was never asked
    consent_at: datetime | None = None
    steps: list[StepRecord] = field(default_factory=list)

    @property
    def digits(self) -> str:
        return " ".join(s.digits for s in self.steps if s.digits)

    def step(self, node: str, action: str, detail: str = "", digits: str = "") -> None:
        self.steps.append(StepRecord(node, action, detail, digits))


class CallLogWriter(BatchWriter[tuple[str, CallRecord]]):
    """Owns a thread that writes CallRecords; `start_call`/`end_call` never block.
    `flush` and `close` come from BatchWriter; a failed batch is written again
    one call at a time, so only what fails alone is lost."""

    thread_name = "calllog-writer"
    logger = log

    def __init__(self, engine: Engine, batch: int = 200):
        self.engine = engine
        super().__init__(batch)

    def start_call(self, record: CallRecord) -> None:
        self.put(("start", _snapshot(record)))

    def end_call(self, record: CallRecord) -> None:
        if record.ended_at is None:
            record.ended_at = utcnow()
        self.put(("end", _snapshot(record)))

    def units(self, items: list[tuple[str, CallRecord]]):
        by_call: dict[str, list[tuple[str, CallRecord]]] = {}
        for kind, rec in items:
            by_call.setdefault(rec.unique_id, []).append((kind, rec))
        return by_call.items()

    def describe(self, label: str, unit: list[tuple[str, CallRecord]]) -> tuple[str, dict]:
        return "call log: the record of this call could not be written", {"uid": label}

    def write(self, items: list[tuple[str, CallRecord]]) -> None:
        """One transaction, a few statements per batch (SQLAlchemy Core, executemany):
        the ORM's unit of work cost more CPU per call than the whole AGI dialogue."""
        if not items:
            return
        latest: dict[str, CallRecord] = {}   # a call's last record in the batch says it all
        ended: set[str] = set()
        for kind, rec in items:
            latest[rec.unique_id] = rec
            if kind == "end":
                ended.add(rec.unique_id)
        calls, steps = Call.__table__, Step.__table__
        with self.engine.begin() as conn:
            ids = dict(conn.execute(select(calls.c.unique_id, calls.c.id)
                                    .where(calls.c.unique_id.in_(list(latest)))).all())
            fresh = [uid for uid in latest if uid not in ids]
            known = [{"b_id": ids[uid], **{f"b_{k}": v for k, v in _row(rec).items()}}
                     for uid, rec in latest.items() if uid in ids]
            if fresh:
                ids.update(conn.execute(insert(calls).returning(calls.c.unique_id, calls.c.id),
                                        [_row(latest[uid]) for uid in fresh]).all())
            if known:
                conn.execute(update(calls).where(calls.c.id == bindparam("b_id"))
                             .values({k: bindparam(f"b_{k}") for k in _ROW_FIELDS}), known)
            if ended:
                done = [ids[uid] for uid in ended]
                conn.execute(delete(steps).where(steps.c.call_id.in_(done)))
                rows = [{"call_id": ids[uid], "seq": i, "node": st.node, "action": st.action, "detail": st.detail,
                         "digits": st.digits, "at": st.at}
                        for uid in ended for i, st in enumerate(latest[uid].steps)]
                if rows:
                    conn.execute(insert(steps), rows)


_ROW_FIELDS = ("unique_id", "caller_id", "called", "channel", "language", "config_version", "started_at",
               "ended_at", "outcome", "hangup_cause", "error", "consent", "consent_at", "digits")


def _row(rec: CallRecord) -> dict:
    return {k: getattr(rec, k) for k in _ROW_FIELDS}


def _snapshot(record: CallRecord) -> CallRecord:
    # The writer thread must not see the session mutate the record under it.
    copy = CallRecord(**{**record.__dict__, "steps": list(record.steps)})
    return copy


def set_hangup_cause(engine: Engine, unique_id: str, cause: str) -> bool:
    """Set the hang-up cause of an ended call that has none yet (one that ended in a
    queue, once the queue's record says who hung up). False while the call's end is
    not written yet, or a cause is already there."""
    with engine.begin() as conn:
        done = conn.execute(update(Call).where(Call.unique_id == unique_id, Call.ended_at.is_not(None),
                                               Call.hangup_cause == "").values(hangup_cause=cause))
    return done.rowcount == 1


def list_calls(engine: Engine, limit: int = 50) -> list[Call]:
    with Session(engine) as session:
        return list(session.scalars(select(Call).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)))


def get_call(engine: Engine, key: str) -> Call | None:
    """A call by numeric id or by Asterisk unique id, with its steps."""
    with Session(engine) as session:
        stmt = select(Call).options(selectinload(Call.steps))
        if key.isdigit():
            found = session.scalars(stmt.where(Call.id == int(key))).first()
            if found:
                return found
        return session.scalars(stmt.where(Call.unique_id == key)).first()


def call_summary(call: Call) -> dict:
    """The JSON shape `ivr call` and `ivr calls show --format json` print."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    duration = None
    if call.ended_at and call.started_at:
        duration = round((call.ended_at - call.started_at).total_seconds(), 3)
    return {
        "id": call.id, "unique_id": call.unique_id, "caller_id": call.caller_id, "called": call.called,
        "language": call.language, "config_version": call.config_version, "started_at": iso(call.started_at), "ended_at": iso(call.ended_at),
        "duration": duration, "digits": call.digits, "outcome": call.outcome,
        "hangup_cause": call.hangup_cause, "error": call.error,
        "consent": call.consent, "consent_at": iso(call.consent_at),
        "path": [s.node for s in call.steps if s.action == StepKind.ENTER] if "steps" in call.__dict__ else None,
        "steps": [{"node": s.node, "action": s.action, "detail": s.detail, "digits": s.digits, "at": iso(s.at)}
                  for s in call.steps] if "steps" in call.__dict__ else None,
    }

