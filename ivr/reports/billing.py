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

The database sums per call, then per (called, month) (ivr/reports/store.py);
this module only turns seconds into rounded minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from .store import billed_months


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
    rows = [BillingRow(m.called, m.month, m.calls, *(round(s / 60, 2) for s in (m.call_s, m.talk_s, m.wait_s)))
            for m in billed_months(engine, since, until)]
    return sorted(rows, key=lambda r: (r.called, r.month))
