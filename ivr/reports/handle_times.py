"""Handle-time figures per queue, agent or hour, from `handle_times` rows.

One row is one call's stay in one queue, folded from app_queue's events
(ivr/queues/fold.py). The figures are the standard call-centre ones
(DESIGN.md, "Figures"); where each comes from:

- offered = answered + abandoned + timeout (DESIGN.md, "Figures"; the
  standard "calls offered to the queue" that reached a disposition). `full`
  and `empty` calls were refused at the door (queue full / no agents:
  QUEUESTATUS FULL, JOINEMPTY, JOINUNAVAIL) and never waited, so they are
  counted in `calls`, apart, and are not offered. `interrupted` calls
  (Asterisk lost mid-call) are in `calls` only, not offered: their
  disposition is unknown (the fold closes them at the last known time), and
  counting them would charge the queue's service level and abandonment with
  the platform's outage, which the standard definitions leave out.
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
- wait_p50_s, wait_p90_s = percentiles of the queue wait of answered calls
  (the distribution whose mean is ASA), PostgreSQL's `percentile_cont`:
  linear interpolation between the nearest ranks (ivr/reports/store.py
  says how SQLite computes the same).

A transferred call (BlindTransfer / AttendedTransfer, queue_log
BLINDTRANSFER / ATTENDEDTRANSFER) is answered, its talk ending at the
transfer. A mean or rate with nothing to divide by is None, not 0.
`since`/`until` select on `entered_at`, half-open [since, until).
`hotline`/`client` keep the rows whose call (joined on unique_id) is that
hotline's / client's. `by="hotline"` groups on the call's hotline; rows whose
call is not in the log, or has no hotline, are "(none)".
`by="hour"` and `by="day"` group on the hotline's local time (`tz`, the
menu's time zone; ivr/reports/_common.py `report_zone` picks it): an hour key is the local hour with its UTC offset
("2026-11-23T11:00+01:00"; "...Z" when tz is UTC), so the two 02:00 hours
of an autumn DST change are two rows, in time order; a day key is the local
date ("2026-11-23"). `by="agent"` puts calls no agent took under "(none)".
A last row keyed "total" covers every row.

The database computes every figure (ivr/reports/store.py); this module only
divides the sums and names the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from ._common import ratio
from .store import QueueFigures, handle_time_figures

GROUPINGS = ("queue", "agent", "hotline", "hour", "day")
NO_AGENT = "(none)"
NO_HOTLINE = "(none)"     # handle-time rows whose call is not in the log, or has no hotline


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
    wait_p50_s: float | None = None
    wait_p90_s: float | None = None


def handle_times(engine: Engine, since: datetime | None = None, until: datetime | None = None,
                 queue: str | None = None, by: str = "queue",
                 service_level_s: float = 20.0, tz: str = "UTC", hotline: str | None = None,
                 client: str | None = None) -> list[HandleTimeRowStat]:
    """One stat per group (in key order; hours in time order) and a final "total" row.
    Times in seconds, rates as ratios 0..1; `tz` an IANA zone (hour and day keys)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    groups, total = handle_time_figures(engine, since, until, queue, by, tz, service_level_s, hotline, client)
    named = [(_key(g, by, tz), g) for g in groups]
    if by == "hour":   # a repeated local hour (autumn): the earlier offset first
        named.sort(key=lambda kg: (kg[1].key, -(kg[1].offset_s or 0)))
    else:
        named.sort(key=lambda kg: kg[0])
    return [_stat(key, g) for key, g in named] + [_stat("total", total)]


def _key(g: QueueFigures, by: str, tz: str) -> str:
    if by == "agent":
        return g.key or NO_AGENT
    if by == "hotline":
        return g.key or NO_HOTLINE
    if by == "hour":
        return g.key + _offset(g.offset_s or 0, tz)
    return g.key


def _offset(seconds: int, tz: str) -> str:
    if seconds == 0 and tz in ("UTC", "Etc/UTC", "Z"):
        return "Z"
    sign, seconds = ("-", -seconds) if seconds < 0 else ("+", seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _stat(key: str, g: QueueFigures) -> HandleTimeRowStat:
    offered = g.answered + g.abandoned + g.timeout
    return HandleTimeRowStat(
        key=key, calls=g.calls, answered=g.answered, abandoned=g.abandoned, timeout=g.timeout,
        full=g.full, empty=g.empty,
        aht_s=ratio(g.handle_s, g.answered),        # talk + agent hold + wrap-up: the wait is ASA's
        asa_s=ratio(g.answered_wait_s, g.answered),
        abandonment_rate=ratio(g.abandoned, offered),
        service_level=ratio(g.answered_in_sl, offered),
        longest_wait_s=g.longest_wait_s,
        talk_s=g.talk_s, hold_s=g.hold_s,
        wait_p50_s=g.wait_p50_s, wait_p90_s=g.wait_p90_s,
    )
