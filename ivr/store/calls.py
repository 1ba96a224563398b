"""The call log's read side: calls and their steps as frozen views.

The writer (calllog.py) stores what the controller did; `ivr calls`, `ivr
call` and the web console read it back here, never as ORM rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from ..menu.outcome import StepKind
from .models import Call, Step


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


def _step(s: Step) -> StepView:
    return StepView(s.node, s.action, s.detail, s.digits, s.at)


def _call(c: Call, with_steps: bool) -> CallView:
    return CallView(c.id, c.unique_id, c.caller_id, c.called, c.channel, c.language, c.config_version,
                    c.started_at, c.ended_at, c.digits, c.outcome, c.hangup_cause, c.error, c.consent,
                    c.consent_at, tuple(_step(s) for s in c.steps) if with_steps else None)


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
        "path": [s.node for s in steps if s.action == StepKind.ENTER] if steps is not None else None,
        "steps": [{"node": s.node, "action": s.action, "detail": s.detail, "digits": s.digits, "at": iso(s.at)}
                  for s in steps] if steps is not None else None,
    }
