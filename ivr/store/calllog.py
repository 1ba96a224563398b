"""The call log: what each call did, written off the event loop, never lost.

The controller must never wait on the database mid-call, so records go
through a queue to one writer thread that commits them in batches. A call
row is inserted when the call starts, its steps as they happen, and the row
is completed when the call ends (in run_call's `finally`): a controller that
dies mid-call leaves the row and the path so far, for the start-up sweep to
close as controller-lost.

Every write is idempotent and owned: the row is inserted ON CONFLICT DO
NOTHING on its unique id with the session token of the FastAGI session that
made it, steps ON CONFLICT DO NOTHING on (call, seq), and the end is an
UPDATE of the row with that token only. A retry (the writer's spool, after a
database outage) never doubles anything, and a second session claiming the
same agi_uniqueid (forged, or a replay) writes nothing at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from ..menu.outcome import CONTROLLER_LOST, HangupCause
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
    """What the session knows about its call; mutable while the call runs.

    `session` is the token of the FastAGI session that owns the row (random per
    session); `owner` the controller that runs it (controller.id)."""

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
    session: str = ""
    owner: str = ""
    hotline: str = ""
    client: str = ""
    recording_policy: str = ""           # the hotline's: explicit, announced or never
    asterisk: str = ""                   # the Asterisk that took the call (its systemname)
    on_step: Callable[["CallRecord", int], None] | None = field(default=None, repr=False, compare=False)

    @property
    def digits(self) -> str:
        return " ".join(s.digits for s in self.steps if s.digits)

    def step(self, node: str, action: str, detail: str = "", digits: str = "") -> None:
        self.steps.append(StepRecord(node, action, detail, digits))
        if self.on_step is not None:
            self.on_step(self, len(self.steps) - 1)


@dataclass(frozen=True)
class _Start:
    rec: CallRecord


@dataclass(frozen=True)
class _Steps:
    unique_id: str
    session: str
    first_seq: int
    steps: tuple[StepRecord, ...]


@dataclass(frozen=True)
class _End:
    rec: CallRecord


_Item = "_Start | _Steps | _End"


class CallLogWriter(BatchWriter[Any]):
    """Owns a thread that writes CallRecords; `start_call`, each step and `end_call`
    never block. A write the database refuses for being away is spooled and written
    again when it is back (BatchWriter); refused sessions are logged, never written."""

    thread_name = "calllog-writer"
    logger = log

    def __init__(self, engine: Engine, batch: int = 200, spool_dir: Path | None = None):
        self.engine = engine
        self.refused: set[tuple[str, str]] = set()   # (unique id, session) whose row is another's
        super().__init__(batch, spool_dir)

    def start_call(self, record: CallRecord) -> None:
        """Insert the call's row now, and its steps as they happen."""
        record.on_step = self._on_step
        self.put(_Start(_snapshot(record)))

    def _on_step(self, record: CallRecord, seq: int) -> None:
        self.put(_Steps(record.unique_id, record.session, seq, (record.steps[seq],)))

    def end_call(self, record: CallRecord) -> None:
        if record.ended_at is None:
            record.ended_at = utcnow()
        record.on_step = None
        self.put(_End(_snapshot(record)))

    def units(self, items: list):
        by_call: dict[str, list] = {}
        for item in items:
            uid = item.unique_id if isinstance(item, _Steps) else item.rec.unique_id
            by_call.setdefault(uid, []).append(item)
        return by_call.items()

    def describe(self, label: str, unit: list) -> tuple[str, dict]:
        return "call log: the record of this call could not be written", {"uid": label}

    def write(self, items: list) -> None:
        """One transaction, a few statements per batch (SQLAlchemy Core, executemany):
        the ORM's unit of work cost more CPU per call than the whole AGI dialogue."""
        if not items:
            return
        rows: dict[tuple[str, str], CallRecord] = {}    # (uid, session) -> its latest record
        ends: dict[tuple[str, str], CallRecord] = {}
        steps: dict[tuple[str, str], dict[int, StepRecord]] = {}
        for item in items:
            if isinstance(item, _Steps):
                key = (item.unique_id, item.session)
                for i, st in enumerate(item.steps):
                    steps.setdefault(key, {})[item.first_seq + i] = st
                continue
            rec = item.rec
            key = (rec.unique_id, rec.session)
            rows[key] = rec
            if isinstance(item, _End):
                ends[key] = rec
                steps.setdefault(key, {}).update(enumerate(rec.steps))
        calls, step_table = Call.__table__, Step.__table__
        with self.engine.begin() as conn:
            if rows:
                conn.execute(_insert_ignore(conn, calls, ["unique_id"]), [_row(r) for r in rows.values()])
            uids = list({uid for uid, _ in (*rows, *steps)})
            found = {uid: (cid, session) for uid, cid, session in conn.execute(
                select(calls.c.unique_id, calls.c.id, calls.c.session).where(calls.c.unique_id.in_(uids)))}
            owned: dict[tuple[str, str], int] = {}
            for key in {*rows, *steps}:
                cid, session = found.get(key[0], (None, None))
                if cid is not None and session == key[1]:
                    owned[key] = cid
                elif cid is not None:
                    self._refuse(key)
                # else: steps of a start not written yet (held in the spool behind it): cannot happen,
                # the spool keeps order; nothing to do
            step_rows = [{"call_id": owned[key], "seq": seq, "node": st.node, "action": st.action,
                          "detail": st.detail, "digits": st.digits, "at": st.at}
                         for key, by_seq in steps.items() if key in owned for seq, st in by_seq.items()]
            if step_rows:
                conn.execute(_insert_ignore(conn, step_table, ["call_id", "seq"]), step_rows)
            done = [{"b_id": owned[key], "b_session": key[1], **{f"b_{k}": v for k, v in _row(rec).items()
                                                                   if k in _END_FIELDS}}
                    for key, rec in ends.items() if key in owned]
            if done:
                conn.execute(update(calls).where(calls.c.id == bindparam("b_id"),
                                                 calls.c.session == bindparam("b_session"))
                             .values({k: bindparam(f"b_{k}") for k in _END_FIELDS}), done)

    def _refuse(self, key: tuple[str, str]) -> None:
        if key not in self.refused:
            self.refused.add(key)
            log.warning("call log: refused a session claiming a call row another session owns "
                        "(forged or repeated agi_uniqueid); nothing of it is written", extra={"uid": key[0]})

    # -- the spool file: JSON lines

    def encode(self, item) -> Any:
        if isinstance(item, _Steps):
            return {"k": "steps", "uid": item.unique_id, "session": item.session, "seq": item.first_seq,
                    "steps": [_step_json(st) for st in item.steps]}
        rec = item.rec
        data = {k: _json(getattr(rec, k)) for k in _ROW_FIELDS if k != "digits"}
        data["steps"] = [_step_json(st) for st in rec.steps]
        return {"k": "end" if isinstance(item, _End) else "start", "rec": data}

    def decode(self, data: Any):
        if data["k"] == "steps":
            return _Steps(data["uid"], data["session"], data["seq"], tuple(_step_of(s) for s in data["steps"]))
        raw = dict(data["rec"])
        steps = [_step_of(s) for s in raw.pop("steps")]
        for k in ("started_at", "ended_at", "consent_at"):
            raw[k] = datetime.fromisoformat(raw[k]) if raw.get(k) else None
        rec = CallRecord(**raw, steps=steps)
        return _End(rec) if data["k"] == "end" else _Start(rec)


_ROW_FIELDS = ("unique_id", "caller_id", "called", "channel", "language", "config_version", "started_at",
               "ended_at", "outcome", "hangup_cause", "error", "consent", "consent_at", "digits", "session",
               "owner", "hotline", "client", "recording_policy", "asterisk")
# What the end of a call writes: never the identity of the row (unique id, session, owner).
_END_FIELDS = tuple(k for k in _ROW_FIELDS if k not in ("unique_id", "session", "owner"))


def _insert_ignore(conn, table, keys: list[str]):
    """INSERT ... ON CONFLICT (keys) DO NOTHING, in the connection's dialect."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing(index_elements=keys)


def _json(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _step_json(st: StepRecord) -> dict:
    return {"node": st.node, "action": st.action, "detail": st.detail, "digits": st.digits, "at": st.at.isoformat()}


def _step_of(data: dict) -> StepRecord:
    return StepRecord(data["node"], data["action"], data["detail"], data["digits"], datetime.fromisoformat(data["at"]))


def _row(rec: CallRecord) -> dict:
    return {k: getattr(rec, k) for k in _ROW_FIELDS}


def _snapshot(record: CallRecord) -> CallRecord:
    # The writer thread must not see the session mutate the record under it.
    return CallRecord(**{**record.__dict__, "steps": list(record.steps), "on_step": None})


def close_lost_calls(engine: Engine, owner: str) -> list[str]:
    """Close the calls `owner` left open (it died mid-call: no live session owns them
    now): outcome and hang-up cause controller-lost, ended at the end of the call's
    queue record if it has one (the fallback queue served it), else at its last step.
    Returns their unique ids. Run at start, after the spool has been written."""
    from .models import HandleTimeRow
    calls, steps, ht = Call.__table__, Step.__table__, HandleTimeRow.__table__
    lost = str(CONTROLLER_LOST)
    queue_end = select(func.max(ht.c.ended_at)).where(ht.c.unique_id == calls.c.unique_id).scalar_subquery()
    last_step = select(func.max(steps.c.at)).where(steps.c.call_id == calls.c.id).scalar_subquery()
    with engine.begin() as conn:
        uids = list(conn.execute(select(calls.c.unique_id).where(calls.c.owner == owner, calls.c.ended_at.is_(None)))
                    .scalars())
        if uids:
            conn.execute(update(calls).where(calls.c.owner == owner, calls.c.ended_at.is_(None),
                                             calls.c.unique_id.in_(uids))
                         .values(ended_at=func.coalesce(queue_end, last_step, calls.c.started_at),
                                 outcome=lost, hangup_cause=str(HangupCause.CONTROLLER_LOST)))
    return uids


def set_hangup_cause(engine: Engine, unique_id: str, cause: str) -> bool:
    """Set the hang-up cause of an ended call that has none yet (one that ended in a
    queue, once the queue's record says who hung up). False while the call's end is
    not written yet, or a cause is already there."""
    with engine.begin() as conn:
        done = conn.execute(update(Call).where(Call.unique_id == unique_id, Call.ended_at.is_not(None),
                                               Call.hangup_cause == "").values(hangup_cause=cause))
    return done.rowcount == 1
