"""Handle-time figures per queue, agent or hour, from `handle_times` rows.

One row is one call's stay in one queue, folded from app_queue's events
(ivr/queues/fold.py), and one caller answered by a callback counts once
(below, "Callbacks"). The figures are the standard call-centre ones
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
  calls that stayed on the line, callbacks excluded: QueueCallerJoin ->
  AgentConnect, app_queue's `HoldTime` (which is this wait, not agent hold).
- abandonment_rate = abandoned / offered. Abandoned = the caller left the
  queue unanswered (QueueCallerAbandon, then the hangup; queue_log ABANDON);
  a timeout (QUEUESTATUS TIMEOUT) is not an abandon.
- service_level = answered with wait_s <= threshold (default 20 s,
  `queues.service_level_s` in config.yaml) / offered.
- longest_wait_s = max `wait_s` over the rows of callers on the line (a
  callback's is callback_wait_s's business).
- talk_s = total talk seconds of the group; hold_s = total agent hold.
- wait_p50_s, wait_p90_s = percentiles of the queue wait of answered calls
  (the distribution whose mean is ASA, so callbacks excluded),
  PostgreSQL's `percentile_cont`: linear interpolation between the nearest
  ranks (ivr/reports/store.py says how SQLite computes the same).
- callbacks = callers answered by the callback dialer (ivr/queues/dialer.py),
  counted in `answered` too; callback_wait_s = their mean callback wait,
  `callback_attempts.connected_at - requested_at` (request to the caller
  connected with an agent: the wait from the caller's virtual place), apart
  from ASA as docs/callbacks.md ("Figures") asks.

Callbacks. A caller who times out of a queue (or finds it full) and asks
to be called back leaves two kinds of handle_times row: their own call's
(outcome timeout, full, ...; `callback_requests.unique_id`) and one per
callback attempt, the queue leg the dialer made join the queue
(`callback_attempts.queue_unique_id`). A call-centre manager counts one
caller: one call offered, answered by callback. The standard definitions
count a call as offered to the staff queue once, when staff had the chance
to answer it (ICMI's; DESIGN.md "Figures": offered = answered + abandoned +
timed out), and DESIGN.md "A callback keeps its request time" (as the
queued-callback contact of Amazon Connect is its own contact, in queue from
its request). So:

- an attempt answered (`result` answered) whose queue leg is stored is one
  call, offered and answered, at its request time
  (`callback_attempts.requested_at`): `since`/`until` and the hour/day key
  take that time, not the leg's entry; its queue and agent are the leg's,
  its hotline and client those of the request's call (the leg itself, a
  Local or originated channel, is no call of the log);
- the original call's unanswered rows in that queue (the timeout or full
  that led to the request) are folded into it: not counted (neither in `calls`, nor as
  a timeout, full or empty), so the caller is offered once, in the period
  of the request. A caller who was refused at the door (full, empty) and
  answered by callback is thereby offered and answered;
- the queue legs of the other attempts (no-answer, busy, no-agent, hung-up,
  lost, still dialling) are no caller's call: counted nowhere (an agent-first
  leg an agent answered while the caller's phone did not is agent time no
  figure here shows);
- a request not (yet) answered by callback leaves its original row as it is
  (a timeout stays a timeout: the caller was not served); once answered, the
  timeout is replaced by an answered call at the request's time, so a
  report of a past period can change when a late callback is answered;
- a callback is in the service level's numerator when its callback wait is
  within the threshold (the caller's wait from their place); its handle time
  (talk, hold, wrap-up of the leg) is AHT's like any answered call's; its
  queue wait (the leg's, the time the dialer's half waited for an agent) is
  in no wait figure: ASA and the wait percentiles are those of callers who
  stayed on the line, and answered - callbacks is ASA's count;
- a request of another queue than the call's timed-out one leaves that row
  a timeout of its own queue (two queues, two offers, as for a caller
  moved between queues).

A transferred call (BlindTransfer / AttendedTransfer, queue_log
BLINDTRANSFER / ATTENDEDTRANSFER) is answered, its talk ending at the
transfer. A mean or rate with nothing to divide by is None, not 0.
`since`/`until` select on `entered_at` (a callback: its request time), half-open [since, until).
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
divides the sums and names the rows. Where it is exact (ivr/reports/summary: a
whole-hour window, by queue, agent, hour or day, no hotline or client, the
threshold it was built for by `ivr report rebuild`) the sums come from the
summary per UTC hour, queue and agent instead of every detail row: the same
figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from ._common import ratio
from .store import QueueFigures, handle_time_figures
from .summary.store import summary_figures

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
    callbacks: int = 0                      # answered by a callback (counted in `answered` too)
    callback_wait_s: float | None = None    # mean connected_at - requested_at of those, seconds


def handle_times(engine: Engine, since: datetime | None = None, until: datetime | None = None,
                 queue: str | None = None, by: str = "queue",
                 service_level_s: float = 20.0, tz: str = "UTC", hotline: str | None = None,
                 client: str | None = None) -> list[HandleTimeRowStat]:
    """One stat per group (in key order; hours in time order) and a final "total" row.
    Times in seconds, rates as ratios 0..1; `tz` an IANA zone (hour and day keys)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    # The summary when it gives these figures exactly (ivr/reports/summary), else the detail rows.
    found = summary_figures(engine, since, until, queue, by, tz, service_level_s, hotline, client)
    groups, total = found or handle_time_figures(engine, since, until, queue, by, tz, service_level_s, hotline,
                                                 client)
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
        asa_s=ratio(g.answered_wait_s, g.answered - g.callbacks),   # callers who stayed on the line
        abandonment_rate=ratio(g.abandoned, offered),
        service_level=ratio(g.answered_in_sl, offered),
        longest_wait_s=g.longest_wait_s,
        talk_s=g.talk_s, hold_s=g.hold_s,
        wait_p50_s=g.wait_p50_s, wait_p90_s=g.wait_p90_s,
        callbacks=g.callbacks, callback_wait_s=ratio(g.callback_wait_s, g.callback_waits),
    )
