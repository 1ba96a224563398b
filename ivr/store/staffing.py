"""The measured load of a queue for `ivr report staffing`: one row per handle-time
record that joined the queue in a window (ivr/queues/records.py's fields)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from .models import HandleTimeRow


@dataclass(frozen=True)
class QueuedCall:
    entered_at: datetime
    outcome: str              # answered abandoned timeout full empty interrupted
    wait_s: float
    talk_s: float
    hold_s: float
    wrapup_s: float
    agent: str


def queued_calls(engine: Engine, queue: str, since: datetime, until: datetime) -> list[QueuedCall]:
    """Calls that joined `queue` in [since, until), in the order they joined."""
    t = HandleTimeRow
    stmt = (select(t.entered_at, t.outcome, t.wait_s, t.talk_s, t.hold_s, t.wrapup_s, t.agent)
            .where(t.queue == queue, t.entered_at >= since, t.entered_at < until).order_by(t.entered_at, t.id))
    with engine.connect() as conn:
        return [QueuedCall(*row) for row in conn.execute(stmt)]
