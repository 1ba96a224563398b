"""Handled minutes per hotline (called number) and month, for billing.

Per (called, month of started_at in UTC, "YYYY-MM"), over ended calls that
started in [since, until):

- calls        = number of calls.
- call_min     = sum of (ended_at - started_at), in minutes.
- talk_min     = sum of `handle_times.talk_s + hold_s` of those calls: the
  time with an agent, agent hold included (joined on unique_id; a call that
  went through two queues counts both), in minutes.
- wait_min     = sum of `handle_times.wait_s` likewise, in minutes.

Minutes are summed in seconds first, then divided by 60 and rounded to 2
decimals, so rounding never accumulates. A call belongs to the month it
started in, even if it ends in the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from .store import billed_calls


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
    sums: dict[tuple[str, str], list[float]] = {}
    for c in billed_calls(engine, since, until):
        acc = sums.setdefault((c.called, c.started_at.strftime("%Y-%m")), [0, 0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += (c.ended_at - c.started_at).total_seconds()
        acc[2] += c.talk_s
        acc[3] += c.wait_s
    return [BillingRow(called, month, int(n), *(round(s / 60, 2) for s in secs))
            for (called, month), (n, *secs) in sorted(sums.items())]
