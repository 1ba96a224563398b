"""The live state's queries: today's stored queue records, and a database ping for /health."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..store.models import HandleTimeRow


def day_rows(engine: Engine, since: datetime) -> list[tuple[str, str, str, float, float]]:
    """(unique_id, queue, outcome, wait_s, entered epoch seconds) of the queue records entered
    since `since` (aware): what LiveState.merge_day folds in."""
    h = HandleTimeRow
    with Session(engine) as session:
        return [(uid, queue, outcome, float(wait or 0), entered.timestamp())
                for uid, queue, outcome, wait, entered in session.execute(
                    select(h.unique_id, h.queue, h.outcome, h.wait_s, h.entered_at).where(h.entered_at >= since))]


def ping(engine: Engine) -> None:
    """Raise if the database does not answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
