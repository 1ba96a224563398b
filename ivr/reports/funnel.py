"""The menu funnel: how callers move through the nodes, from `call_steps`.

Per node, over ended calls that started in [since, until):

- entered   = its `enter` steps (one per visit; a repeat counts again).
- completed = visits whose next `enter` in the same call is another node
  (the caller moved on; a repeat of the same node is not progress).
- invalid / timeout = its `invalid` / `timeout` steps.
- hung_up   = calls whose last entered node is this one and whose outcome is
  "caller-hangup" (where callers give up).

containment = calls whose outcome does not start with "queue:" / all calls:
the share the IVR finished without a hand-off to an agent (None if no calls).
Calls still in progress (no `ended_at`) are left out: their steps are only
written when they end. `hotline` / `client` keep one hotline's / client's
calls (calls.hotline, calls.client).

The database counts (ivr/reports/store.py: `lead()` over each call's enter
steps finds the next node entered); this module only orders the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from ._common import ratio
from .store import funnel_figures


@dataclass(frozen=True)
class NodeStat:
    node: str
    entered: int
    completed: int
    invalid: int
    timeout: int
    hung_up: int


def funnel(engine: Engine, since: datetime | None = None, until: datetime | None = None,
           hotline: str | None = None, client: str | None = None) -> tuple[list[NodeStat], float | None]:
    """Node stats (most entered first) and the containment ratio (0..1, None without calls)."""
    nodes, containment = funnel_figures(engine, since, until, hotline, client)
    stats = [NodeStat(n.node, n.entered, n.completed, n.invalid, n.timeout, n.hung_up) for n in nodes]
    stats.sort(key=lambda s: (-s.entered, s.node))
    return stats, ratio(containment.contained, containment.calls)
