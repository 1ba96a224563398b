"""The reports' queries: rows in, frozen views out. The reports fold them
into figures; the SQL lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..store.models import Call, HandleTimeRow, Step
from ..store.window import utc, window


@dataclass(frozen=True)
class Stay:
    """What the handle-time report reads of one call's stay in one queue."""

    queue: str
    agent: str
    entered_at: datetime          # aware UTC
    outcome: str
    wait_s: float                 # queue wait (app_queue's HoldTime): ASA's, not AHT's
    talk_s: float                 # bridged with the agent, agent hold excluded
    hold_s: float                 # agent hold (music on hold while bridged)
    wrapup_s: float               # after-call work


@dataclass(frozen=True)
class BilledCall:
    """An ended call with its queue talk (with the agent: talk + agent hold) and wait summed
    over every queue it went through."""

    called: str
    started_at: datetime          # aware UTC
    ended_at: datetime            # aware UTC
    talk_s: float
    wait_s: float


def stays(engine: Engine, since: datetime | None = None, until: datetime | None = None,
          queue: str | None = None) -> list[Stay]:
    """Handle-time records whose caller joined the queue in [since, until)."""
    t = HandleTimeRow
    stmt = select(t.queue, t.agent, t.entered_at, t.outcome, t.wait_s, t.talk_s, t.hold_s, t.wrapup_s)
    stmt = window(stmt, t.entered_at, since, until)
    if queue is not None:
        stmt = stmt.where(t.queue == queue)
    with engine.connect() as conn:
        return [Stay(q, agent, utc(at), outcome, wait, talk, hold, wrapup)
                for q, agent, at, outcome, wait, talk, hold, wrapup in conn.execute(stmt)]


def billed_calls(engine: Engine, since: datetime | None = None, until: datetime | None = None) -> list[BilledCall]:
    """Ended calls that started in [since, until)."""
    ht = (select(HandleTimeRow.unique_id, func.sum(HandleTimeRow.talk_s + HandleTimeRow.hold_s).label("talk"),
                 func.sum(HandleTimeRow.wait_s).label("wait"))
          .group_by(HandleTimeRow.unique_id).subquery())
    stmt = (select(Call.called, Call.started_at, Call.ended_at, ht.c.talk, ht.c.wait)
            .outerjoin(ht, ht.c.unique_id == Call.unique_id)
            .where(Call.ended_at.is_not(None)))
    with engine.connect() as conn:
        rows = conn.execute(window(stmt, Call.started_at, since, until)).all()
    return [BilledCall(called, utc(started), utc(ended), talk or 0.0, wait or 0.0)
            for called, started, ended, talk, wait in rows]


@dataclass(frozen=True)
class EndedCall:
    """An ended call, as the funnel counts it."""

    id: int
    outcome: str


@dataclass(frozen=True)
class CallStep:
    """One step of an ended call; a call's steps come in the order they happened."""

    call_id: int
    node: str
    action: str


def funnel_rows(engine: Engine, since: datetime | None = None,
                until: datetime | None = None) -> tuple[list[EndedCall], list[CallStep]]:
    """Ended calls that started in [since, until), and their steps (by call, then
    in order), read together: every step's call is among the calls."""
    calls_q = window(select(Call.id, Call.outcome).where(Call.ended_at.is_not(None)),
                     Call.started_at, since, until)
    steps_q = (select(Step.call_id, Step.node, Step.action)
               .where(Step.call_id.in_(calls_q.with_only_columns(Call.id).scalar_subquery()))
               .order_by(Step.call_id, Step.seq))
    with engine.connect() as conn:
        calls = [EndedCall(call_id, outcome) for call_id, outcome in conn.execute(calls_q)]
        steps = [CallStep(call_id, node, action) for call_id, node, action in conn.execute(steps_q)]
    return calls, steps
