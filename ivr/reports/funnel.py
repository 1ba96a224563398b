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
written when they end.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from ..menu.outcome import CALLER_HANGUP, Outcome, StepKind
from ._common import ratio
from .store import funnel_rows


@dataclass(frozen=True)
class NodeStat:
    node: str
    entered: int
    completed: int
    invalid: int
    timeout: int
    hung_up: int


def funnel(engine: Engine, since: datetime | None = None,
           until: datetime | None = None) -> tuple[list[NodeStat], float | None]:
    """Node stats (most entered first) and the containment ratio."""
    calls, steps = funnel_rows(engine, since, until)
    outcomes = {c.id: c.outcome for c in calls}
    counts = {k: Counter() for k in ("entered", "completed", "invalid", "timeout", "hung_up")}
    visits: dict[int, list[str]] = {}
    for st in steps:
        if st.action == StepKind.ENTER:
            visits.setdefault(st.call_id, []).append(st.node)
            counts["entered"][st.node] += 1
        elif st.action in (StepKind.INVALID, StepKind.TIMEOUT):
            counts[st.action][st.node] += 1
    for call_id, path in visits.items():
        for here, there in zip(path, path[1:]):
            if there != here:
                counts["completed"][here] += 1
        if outcomes[call_id] == str(CALLER_HANGUP):
            counts["hung_up"][path[-1]] += 1
    nodes = sorted(set().union(*counts.values()), key=lambda n: (-counts["entered"][n], n))
    stats = [NodeStat(n, *(counts[k][n] for k in counts)) for n in nodes]
    contained = sum(1 for o in outcomes.values() if not o.startswith(Outcome.QUEUE_PREFIX))
    return stats, ratio(contained, len(outcomes))
