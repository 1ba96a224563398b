"""Handled minutes per hotline (called number) and month, for billing.

Per (called, month of started_at in UTC, "YYYY-MM"), over ended calls that
started in [since, until):

- calls        = number of calls.
- call_min     = sum of (ended_at - started_at), in minutes.
- talk_min     = sum of `handle_times.talk_s` of those calls (joined on
  unique_id; a call that went through two queues counts both), in minutes.
- wait_min     = sum of `handle_times.wait_s` likewise, in minutes.

Minutes are summed in seconds first, then divided by 60 and rounded to 2
decimals, so rounding never accumulates. A call belongs to the month it
started in, even if it ends in the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..store.models import Call, HandleTimeRow
from ..store.window import utc, window


@dataclass(frozen=True)
class BillingRow:
    called: str
    month: str
    calls: int
    call_min: float
    talk_min: float
    wait_min: float


def billing(engine: Engine, since: datetime | None = None,
            until: datetime | None = None) -> list[BillingRow]:
    """One row per (called, month), sorted by both."""
    ht = (select(HandleTimeRow.unique_id, func.sum(HandleTimeRow.talk_s).label("talk"),
                 func.sum(HandleTimeRow.wait_s).label("wait"))
          .group_by(HandleTimeRow.unique_id).subquery())
    stmt = (select(Call.called, Call.started_at, Call.ended_at, ht.c.talk, ht.c.wait)
            .outerjoin(ht, ht.c.unique_id == Call.unique_id)
            .where(Call.ended_at.is_not(None)))
    with engine.connect() as conn:
        rows = conn.execute(window(stmt, Call.started_at, since, until)).all()
    sums: dict[tuple[str, str], list[float]] = {}
    for called, started, ended, talk, wait in rows:
        started = utc(started)
        acc = sums.setdefault((called, started.strftime("%Y-%m")), [0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += (utc(ended) - started).total_seconds()
        acc[2] += talk or 0.0
        acc[3] += wait or 0.0
    return [BillingRow(called, month, int(n), *(round(s / 60, 2) for s in secs))
            for (called, month), (n, *secs) in sorted(sums.items())]
