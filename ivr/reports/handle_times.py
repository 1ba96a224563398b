"""Handle-time figures per queue, agent or hour, from `handle_times` rows.

One row is one call's stay in one queue, folded from app_queue's events
(ivr/queues/fold.py). The figures are the standard call-centre ones
(DESIGN.md, "Figures"); where each comes from:

- offered = answered + abandoned + timeout. `full` and `empty` calls were
  refused at the door (queue full / no agents: QUEUESTATUS FULL, JOINEMPTY,
  JOINUNAVAIL) and never waited, so they are counted in `calls`, apart, and
  are not offered. `interrupted` calls (Asterisk lost mid-call) are in
  `calls` only.
- AHT (average handle time) = mean over answered calls of
  talk + agent hold + after-call work:
  - talk (`talk_s`): AgentConnect -> AgentComplete (or the transfer, or the
    caller's Hangup), from the events' Timestamps, else app_queue's
    TalkTime; agent hold taken out.
  - agent hold (`hold_s`): music on hold inside the bridged call,
    MusicOnHoldStart -> MusicOnHoldStop on the caller's or the agent's
    channel after the connect.
  - after-call work (`wrapup_s`): the queue's `wrapuptime` in queues.conf.
  The queue wait is not handle time: an agent is not charged for the
  queue's backlog. A caller who waits 300 s and talks 60 s gives AHT 60 s
  (+ wrap-up) and ASA 300 s.
- ASA (average speed of answer) = mean queue wait (`wait_s`) over answered
  calls: QueueCallerJoin -> AgentConnect, app_queue's `HoldTime` (which is
  this wait, not agent hold).
- abandonment_rate = abandoned / offered. Abandoned = the caller left the
  queue unanswered (QueueCallerAbandon, then the hangup; queue_log ABANDON);
  a timeout (QUEUESTATUS TIMEOUT) is not an abandon.
- service_level = answered with wait_s <= threshold (default 20 s,
  `queues.service_level_s` in config.yaml) / offered.
- longest_wait_s = max `wait_s` over every row of the group.
- talk_s = total talk seconds of the group; hold_s = total agent hold.

A transferred call (BlindTransfer / AttendedTransfer, queue_log
BLINDTRANSFER / ATTENDEDTRANSFER) is answered, its talk ending at the
transfer. A mean or rate with nothing to divide by is None, not 0.
`since`/`until` select on `entered_at`, half-open [since, until).
`by="hour"` groups on the UTC hour of `entered_at` ("2026-11-23T10:00Z");
`by="agent"` puts calls no agent took under "(none)". A last row keyed
"total" covers every row.
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
    hold_s: float


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
        aht_s=mean([r.talk_s + r.hold_s + r.wrapup_s for r in answered]),   # the wait is ASA's, not AHT's
        asa_s=mean([r.wait_s for r in answered]),
        abandonment_rate=ratio(count["abandoned"], offered),
        service_level=ratio(sum(1 for r in answered if r.wait_s <= sl_s), offered),
        longest_wait_s=max((r.wait_s for r in rows), default=None),
        talk_s=float(sum(r.talk_s for r in rows)),
        hold_s=float(sum(r.hold_s for r in rows)),
    )
