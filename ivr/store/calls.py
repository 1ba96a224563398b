"""The call log's read side: calls and their steps as frozen views.

The writer (calllog.py) stores what the controller did; `ivr calls`, `ivr
call` and the web console read it back here, never as ORM rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Integer, literal, select, tuple_
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from ..menu.outcome import StepKind
from .models import Call, Step, UTCDateTime
from .window import utc, window


@dataclass(frozen=True)
class StepView:
    """One step of a call, in the order it happened."""

    node: str
    action: str
    detail: str
    digits: str
    at: datetime


@dataclass(frozen=True)
class CallView:
    """One call of the log. `steps` is None when they were not read (a listing)."""

    id: int
    unique_id: str
    caller_id: str
    called: str
    channel: str
    language: str
    config_version: str
    started_at: datetime
    ended_at: datetime | None
    digits: str
    outcome: str
    hangup_cause: str
    error: str
    consent: bool | None
    consent_at: datetime | None
    steps: tuple[StepView, ...] | None = None
    hotline: str = ""
    client: str = ""
    recording_policy: str = ""


def _step(s: Step) -> StepView:
    return StepView(s.node, s.action, s.detail, s.digits, s.at)


def _call(c: Call, with_steps: bool) -> CallView:
    return CallView(c.id, c.unique_id, c.caller_id, c.called, c.channel, c.language, c.config_version,
                    c.started_at, c.ended_at, c.digits, c.outcome, c.hangup_cause, c.error, c.consent,
                    c.consent_at, tuple(_step(s) for s in c.steps) if with_steps else None,
                    c.hotline, c.client, c.recording_policy)


def list_calls(engine: Engine, limit: int = 50) -> list[CallView]:
    """The newest calls first, without their steps."""
    with Session(engine) as session:
        rows = session.scalars(select(Call).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit))
        return [_call(c, with_steps=False) for c in rows]


def get_call(engine: Engine, key: str) -> CallView | None:
    """A call by numeric id or by Asterisk unique id, with its steps."""
    with Session(engine) as session:
        stmt = select(Call).options(selectinload(Call.steps))
        found = session.scalars(stmt.where(Call.id == int(key))).first() if key.isdigit() else None
        if found is None:
            found = session.scalars(stmt.where(Call.unique_id == key)).first()
        return _call(found, with_steps=True) if found is not None else None


def call_summary(call: CallView) -> dict:
    """The JSON shape `ivr call` and `ivr calls show --format json` print
    (`path` and `steps` are None for a call listed without its steps)."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    duration = None
    if call.ended_at and call.started_at:
        duration = round((call.ended_at - call.started_at).total_seconds(), 3)
    steps = call.steps
    return {
        "id": call.id, "unique_id": call.unique_id, "caller_id": call.caller_id, "called": call.called,
        "language": call.language, "config_version": call.config_version, "started_at": iso(call.started_at),
        "ended_at": iso(call.ended_at), "duration": duration, "digits": call.digits, "outcome": call.outcome,
        "hangup_cause": call.hangup_cause, "error": call.error,
        "consent": call.consent, "consent_at": iso(call.consent_at),
        "hotline": call.hotline, "client": call.client, "recording_policy": call.recording_policy,
        "path": [s.node for s in steps if s.action == StepKind.ENTER] if steps is not None else None,
        "steps": [{"node": s.node, "action": s.action, "detail": s.detail, "digits": s.digits, "at": iso(s.at)}
                  for s in steps] if steps is not None else None,
    }


# --- the call log search (console): filters and keyset pagination -------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MAX_ID = 2**31 - 1
_CURSOR = re.compile(r"(-?[0-9]{1,19})_([0-9]{1,19})")


@dataclass(frozen=True)
class CallFilter:
    """What the call log search narrows on; every field optional.

    caller / called: the number as stored, or a prefix ending in `*` (`+48600*`).
    outcome: the stored text (`queue:support`, `hangup`, ...), or a prefix ending in `*` (`queue:*`).
    since / until: on started_at, half-open [since, until).
    hotline / client: the call's hotline (its name in config.yaml's `hotlines:`) and client,
    exactly; `called` is the number dialled, which a hotline's pattern may cover many of.
    """

    since: datetime | None = None
    until: datetime | None = None
    caller: str | None = None
    called: str | None = None
    outcome: str | None = None
    hotline: str | None = None
    client: str | None = None


@dataclass(frozen=True)
class PageKey:
    """Where a page of the call log starts or ends: a row's (started_at, id), newest first."""

    started_at: datetime
    id: int

    def token(self) -> str:
        return f"{(utc(self.started_at) - _EPOCH) // timedelta(microseconds=1)}_{self.id}"

    @classmethod
    def parse(cls, name: str, token: str) -> "PageKey":
        """ValueError naming the parameter when token is not one that token() made."""
        found = _CURSOR.fullmatch(token)
        if found is None:
            raise ValueError(f"{name} {token!r}: not a page position (use the page's next/previous links)")
        if int(found.group(2)) > _MAX_ID:   # ids are 32-bit integers (PostgreSQL refuses a larger bound)
            raise ValueError(f"{name} {token!r}: not a page position (out of range)")
        try:
            return cls(_EPOCH + timedelta(microseconds=int(found.group(1))), int(found.group(2)))
        except OverflowError:
            raise ValueError(f"{name} {token!r}: not a page position (out of range)") from None


@dataclass(frozen=True)
class CallPage:
    """One page of the call log, newest first; `older`/`newer` start the next/previous page (None: none)."""

    rows: tuple[CallView, ...]
    older: PageKey | None
    newer: PageKey | None


def _match(column, value: str):
    if value.endswith("*"):
        return column.startswith(value[:-1], autoescape=True)
    return column == value


def keyset_page(engine: Engine, stmt, started_col, id_col, limit: int, after: PageKey | None,
                before: PageKey | None, view) -> tuple[list, PageKey | None, PageKey | None]:
    """The shared keyset step (call log, recordings): stmt (a select of one ORM entity, and maybe
    columns beside it, filtered) cut to the `limit` rows older than `after`, or newer than
    `before`, or the newest, newest first; each row made a view by `view(entity, *columns)`
    (which must have started_at and id). Returns the views
    and the keys of the next (older) and previous (newer) pages, None when there is none."""
    if after is not None and before is not None:
        raise ValueError("give either after or before, not both")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    key = tuple_(started_col, id_col)

    def bound(k: PageKey):
        return tuple_(literal(k.started_at, UTCDateTime()), literal(k.id, Integer()))

    if before is not None:
        stmt = stmt.where(key > bound(before)).order_by(started_col.asc(), id_col.asc())
    else:
        if after is not None:
            stmt = stmt.where(key < bound(after))
        stmt = stmt.order_by(started_col.desc(), id_col.desc())
    with Session(engine) as session:
        # A row is the entity and any columns selected beside it (a joined call's hotline): view(*row).
        found = [view(*row) for row in session.execute(stmt.limit(limit + 1))]
    more = len(found) > limit
    found = found[:limit]
    if before is not None:
        found.reverse()
    keys = [PageKey(v.started_at, v.id) for v in found]
    if before is not None:
        return found, (keys[-1] if keys else before), (keys[0] if more else None)
    newer = (keys[0] if keys else after) if after is not None else None
    return found, (keys[-1] if more else None), newer


def search_calls(engine: Engine, flt: CallFilter = CallFilter(), limit: int = 50,
                 after: PageKey | None = None, before: PageKey | None = None) -> CallPage:
    """A page of calls, newest first, without their steps: the `limit` calls older than `after`,
    or newer than `before`, or the newest ones. Keyset pagination on (started_at, id), never
    OFFSET: a page costs the same at the end of a 10 M-row log as at its start, and rows
    arriving meanwhile neither repeat nor skip a row of the pages already seen.
    Indexes (migrations 0008, 0012): (started_at, id) and (caller_id | called | outcome | hotline |
    client, started_at, id)."""
    c = Call
    stmt = window(select(c), c.started_at, flt.since, flt.until)
    for column, value in ((c.caller_id, flt.caller), (c.called, flt.called), (c.outcome, flt.outcome)):
        if value:
            stmt = stmt.where(_match(column, value))
    for column, value in ((c.hotline, flt.hotline), (c.client, flt.client)):
        if value:     # names, not numbers: exact (a `*` is no wildcard here)
            stmt = stmt.where(column == value)
    rows, older, newer = keyset_page(engine, stmt, c.started_at, c.id, limit, after, before,
                                     lambda row: _call(row, with_steps=False))
    return CallPage(tuple(rows), older, newer)
