"""Fold app_queue events into handle-time records: sans-IO, no AMI here.

`QueueFolder.feed(event)` takes one event (its name and headers, the way
AMI sends them, or translated from a queue_log line) and returns the records
it completed. Every change is idempotent, so replaying what may already have
been seen (queue_log after a reconnect) neither loses nor doubles a record.

    event                         effect on the caller's open record
    ----------------------------  ----------------------------------------------
    QueueCallerJoin               open it: entered, first position
    AgentCalled                   one more ring attempt
    AgentRingNoAnswer             ring time += RingTime (ms)
    QueueCallerLeave              last position
    AgentConnect                  answered, agent, wait, ring += RingTime (s)
    AgentComplete                 talk, reason -> done: answered
    QueueCallerAbandon            wait; left (Asterisk 22 sends it on a timeout too)
    UserEvent IVRQueueResult      QUEUESTATUS -> done: timeout / full / empty
    Hangup (the caller)           anything still open is done (abandoned, or answered)

`interrupt(live, lost_at)` closes the records whose channel Asterisk no longer
has (it was killed, or restarted while the link was down): outcome
`interrupted`, ended at the last known time, so each queued call still gets
exactly one record.

Wait and talk come from the events' fractional Timestamps when AMI gave
both ends; app_queue's own HoldTime/TalkTime are whole seconds, so they are
only the fallback (queue_log replays, a missed connect).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Mapping

from .records import STATUS_OUTCOME, HandleTime

NEVER_JOINED = {"FULL", "JOINEMPTY", "JOINUNAVAIL"}

Event = Mapping[str, str]
MAX_DONE_KEYS = 100_000  # remembered finished records, for replays after a reconnect


def _precise(event: Event) -> bool:
    """AMI's Timestamp has microseconds; queue_log's has whole seconds."""
    return event.get("Source") != "queue_log"


def _f(event: Event, key: str, default: float = 0.0) -> float:
    try:
        return float(event.get(key) or default)
    except (TypeError, ValueError):
        return default


class QueueFolder:
    def __init__(self, wrapup: Mapping[str, float] | None = None):
        self.wrapup = dict(wrapup or {})
        self.open: dict[str, HandleTime] = {}
        self.done: OrderedDict[tuple, None] = OrderedDict()
        self.last_timestamp = 0.0

    def feed(self, event: Event) -> list[HandleTime]:
        """Apply one event; return the records it finished (usually none)."""
        name = event.get("Event", "")
        handler = _HANDLERS.get(name)
        if handler is None:
            return []
        t = _f(event, "Timestamp")
        self.last_timestamp = max(self.last_timestamp, t)
        uid = event.get("Uniqueid", "")
        done = handler(self, event, uid, t) or []
        rec = self.open.get(uid)
        if rec is not None:
            rec.seen_at = max(rec.seen_at, t)
        return done

    def interrupt(self, live: set[str], lost_at: float | None, opened_before: set[str] | None = None) -> list[HandleTime]:
        """Close every open record whose channel is not in `live` (the Uniqueids Asterisk
        has now), as `interrupted`: ended when the link was lost (`lost_at`), or at the
        call's last event when no loss is known. `opened_before` limits this to records
        open when the channel list was asked for (a call joining since is not judged)."""
        out: list[HandleTime] = []
        for uid, rec in list(self.open.items()):
            if uid in live or (opened_before is not None and uid not in opened_before):
                continue
            end = max(rec.seen_at, lost_at) if lost_at is not None else max(rec.seen_at, rec.entered_at)
            if rec.answered_at is not None:
                rec.talk_s = rec.talk_s or max(0.0, end - rec.answered_at)
            elif rec.left_at is None:
                rec.wait_s = max(0.0, end - rec.entered_at)
            rec.outcome = "interrupted"
            out += self._finish(rec, "interrupted", end)
        return out

    # -- helpers ---------------------------------------------------------

    def _is_done(self, uid: str, queue: str, t: float) -> bool:
        return any((uid, queue, s) in self.done for s in (int(t) - 1, int(t), int(t) + 1))

    def _finish(self, rec: HandleTime, outcome: str, t: float) -> list[HandleTime]:
        rec.outcome = rec.outcome or outcome
        rec.ended_at = rec.ended_at or t
        if rec.outcome == "answered":
            rec.wrapup_s = self.wrapup.get(rec.queue, 0.0)
        self.open.pop(rec.unique_id, None)
        self.done[rec.key] = None
        while len(self.done) > MAX_DONE_KEYS:
            self.done.popitem(last=False)
        return [rec]

    # -- events ----------------------------------------------------------

    def _join(self, e: Event, uid: str, t: float):
        queue = e.get("Queue", "")
        if uid in self.open or self._is_done(uid, queue, t):
            return None
        pos = int(_f(e, "Position"))
        self.open[uid] = HandleTime(uid, queue, t, caller_id=e.get("CallerIDNum", ""),
                                    first_position=pos, last_position=pos, precise=_precise(e))
        return None

    def _called(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is not None and rec.answered_at is None:
            rec.attempts += 1
        return None

    def _ring_no_answer(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is not None and rec.answered_at is None:
            rec.ring_s += _f(e, "RingTime") / 1000.0
        return None

    def _leave(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is not None and e.get("Position"):
            rec.last_position = int(_f(e, "Position"))
        return None

    def _connect(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is None or rec.answered_at is not None:
            return None
        rec.answered_at = t
        rec.agent = e.get("MemberName") or e.get("Interface", "")
        rec.wait_s = t - rec.entered_at if _precise(e) and rec.precise else _f(e, "HoldTime")
        rec.precise = rec.precise and _precise(e)
        rec.ring_s += _f(e, "RingTime")
        return None

    def _complete(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is None:
            return None
        if rec.answered_at is None:  # the connect was missed: HoldTime still tells when
            rec.answered_at = rec.entered_at + _f(e, "HoldTime")
            rec.agent = e.get("MemberName") or e.get("Interface", "")
            rec.precise = False
            rec.wait_s = _f(e, "HoldTime")
        if rec.precise and _precise(e):
            rec.talk_s = t - rec.answered_at
        else:
            rec.talk_s = _f(e, "TalkTime")
        rec.reason = e.get("Reason", "")
        return self._finish(rec, "answered", t)

    def _abandon(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is None:
            return None
        rec.wait_s = t - rec.entered_at if rec.precise and _precise(e) else _f(e, "HoldTime", t - rec.entered_at)
        rec.left_at = t
        if e.get("Position"):
            rec.last_position = int(_f(e, "Position"))
        if not _precise(e):
            return self._finish(rec, "abandoned", t)  # queue_log says ABANDON only for a real one
        return None  # a timeout looks the same on AMI: the QUEUESTATUS or the hangup decides

    def _user_event(self, e: Event, uid: str, t: float):
        if e.get("UserEvent") != "IVRQueueResult":
            return None
        status = (e.get("Status") or "").upper()
        outcome = STATUS_OUTCOME.get(status)
        if outcome is None or outcome == "answered":
            return None
        rec = self.open.get(uid)
        queue = e.get("Queue", "")
        if rec is None:
            # Only FULL / JOINEMPTY / JOINUNAVAIL come without a join; any other
            # status with nothing open is a replay of a record already done.
            if status not in NEVER_JOINED or self._is_done(uid, queue, t):
                return None
            rec = HandleTime(uid, queue, t, caller_id=e.get("CallerIDNum", ""))
        if rec.left_at is None:
            rec.wait_s = _f(e, "WaitTime", t - rec.entered_at)
        return self._finish(rec, outcome, t)

    def _hangup(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is None:
            return None
        if rec.answered_at is not None:
            rec.talk_s = rec.talk_s or max(0.0, t - rec.answered_at)
            return self._finish(rec, "answered", t)
        if rec.left_at is None:
            rec.wait_s = max(0.0, t - rec.entered_at)
        return self._finish(rec, "abandoned", rec.left_at or t)


_HANDLERS = {
    "QueueCallerJoin": QueueFolder._join, "AgentCalled": QueueFolder._called,
    "AgentRingNoAnswer": QueueFolder._ring_no_answer, "QueueCallerLeave": QueueFolder._leave,
    "AgentConnect": QueueFolder._connect, "AgentComplete": QueueFolder._complete,
    "QueueCallerAbandon": QueueFolder._abandon, "UserEvent": QueueFolder._user_event,
    "Hangup": QueueFolder._hangup,
}
