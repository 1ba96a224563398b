"""Handle-time figures per queue, agent or hour, from `handle_times` rows.

One row is one call's stay in one queue. Per group:

- offered   = answered + abandoned + timeout. `full` and `empty` calls were
  refused at the door (queue full / no agents) and never waited, so they are
  counted in `calls` but are not offered.
- AHT (average handle time) = mean over answered calls of
  talk + hold + wrap-up, where hold is the queue wait (`wait_s`).
- ASA (average speed of answer) = mean `wait_s` over answered calls.
- abandonment_rate = abandoned / offered.
- service_level = answered with wait_s <= threshold (default 20 s) / offered.
- longest_wait_s = max `wait_s` over every row of the group.
- talk_s = total talk seconds of the group.

A mean or rate with nothing to divide by is None, not 0. `since`/`until`
select on `entered_at`, half-open [since, until). `by="hour"` groups on the
UTC hour of `entered_at` ("2026-11-23T10:00Z"); `by="agent"` puts calls no
agent took under "(none)". A last row keyed "total" covers every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from ._common import mean, ratio
from .store import Stay, stays

GROUPINGS = ("queue", "agent", "hour")
NO_AGENT = "(none)"


@dataclass(frozen=True)
class HandleTimeRowStat:
    key: str
    calls: int
    answered: int
    abandoned: int
    timeout: int
    full: int
    empty: int
    aht_s: float | None
    asa_s: float | None
    abandonment_rate: float | None
    service_level: float | None
    longest_wait_s: float | None
    talk_s: float


def handle_times(engine: Engine, since: datetime | None = None, until: datetime | None = None,
                 queue: str | None = None, by: str = "queue",
                 service_level_s: float = 20.0) -> list[HandleTimeRowStat]:
    """One stat per group (sorted by key) and a final "total" row."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    rows = stays(engine, since, until, queue)
    groups: dict[str, list[Stay]] = {}
    for row in rows:
        groups.setdefault(_key(row, by), []).append(row)
    stats = [_stat(key, groups[key], service_level_s) for key in sorted(groups)]
    return stats + [_stat("total", rows, service_level_s)]


def _key(row: Stay, by: str) -> str:
    if by == "queue":
        return row.queue
    if by == "agent":
        return row.agent or NO_AGENT
    return row.entered_at.strftime("%Y-%m-%dT%H:00Z")


def _stat(key: str, rows: list[Stay], sl_s: float) -> HandleTimeRowStat:
    count = {o: 0 for o in ("answered", "abandoned", "timeout", "full", "empty")}
    for r in rows:
        if r.outcome in count:
            count[r.outcome] += 1
    answered = [r for r in rows if r.outcome == "answered"]
    offered = count["answered"] + count["abandoned"] + count["timeout"]
    return HandleTimeRowStat(
        key=key, calls=len(rows), **count,
        aht_s=mean([r.talk_s + r.wait_s + r.wrapup_s for r in answered]),
        asa_s=mean([r.wait_s for r in answered]),
        abandonment_rate=ratio(count["abandoned"], offered),
        service_level=ratio(sum(1 for r in answered if r.wait_s <= sl_s), offered),
        longest_wait_s=max((r.wait_s for r in rows), default=None),
        talk_s=float(sum(r.talk_s for r in rows)),
    )
