"""Fold app_queue events into handle-time records: sans-IO, no AMI here.

`QueueFolder.feed(event, arrived)` takes one event (its name and headers, the
way AMI sends them, or translated from a queue_log line) and, when the event
carries no Timestamp, the time the consumer read it (`arrived`, epoch seconds:
a value passed in, never a clock read here). It returns the records it
completed. Every change is idempotent, so replaying what may already have been
seen (queue_log after a reconnect) neither loses nor doubles a record.

    event                         effect on the caller's open record
    ----------------------------  ----------------------------------------------
    QueueCallerJoin               open it: entered, first position
    AgentCalled                   one more ring attempt
    AgentRingNoAnswer             ring time += RingTime (ms)
    QueueCallerLeave              last position
    AgentConnect                  answered, agent (and the agent's channel, DestUniqueid),
                                  queue wait, ring += RingTime (s)
    MusicOnHoldStart              (caller's or agent's channel, once answered) agent hold starts
    MusicOnHoldStop               agent hold ends when no party of the call hears music any more
    AgentComplete                 talk, reason -> done: answered (Reason transfer too)
    BlindTransfer                 (Result Success, either party) talk up to the transfer,
                                  reason transfer -> done: answered
    AttendedTransfer              the same (not DestType Threeway / Fail: the call goes on)
    QueueCallerAbandon            wait; left (Asterisk 22 sends it on a timeout too)
    UserEvent IVRQueueResult      QUEUESTATUS -> done: timeout / full / empty
    Hangup (the caller)           anything still open is done (abandoned, or answered)

queue_log lines arrive as the same events (queue_log.py): BLINDTRANSFER and
ATTENDEDTRANSFER as an AgentComplete with Reason transfer and their
HoldTime/TalkTime.

`interrupt(live, lost_at)` closes the records whose channel Asterisk no longer
has (it was killed, or restarted while the link was down): outcome
`interrupted`, ended at the last known time, so each queued call still gets
exactly one record.

Times. With `timestampevents = yes` every AMI event has a fractional
Timestamp: wait and talk are differences of them. app_queue's own
HoldTime (the queue wait) and TalkTime are whole seconds, so they are the
fallback: for queue_log replays, a missed connect, and AMI events without a
Timestamp (`timestampevents` is off in Asterisk's default manager.conf), whose
moments are the arrival times. Agent hold has no header of its own: it is
measured between the MOH events' times. Talk excludes hold, so talk + hold is
the bridged time and AHT's numerator is talk + hold + wrap-up; the queue wait
is ASA's, never handle time.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Mapping

from .records import STATUS_OUTCOME, HandleTime

NEVER_JOINED = {"FULL", "JOINEMPTY", "JOINUNAVAIL"}

Event = Mapping[str, str]
MAX_DONE_KEYS = 100_000  # remembered finished records, for replays after a reconnect

# Where each transfer event names the two parties (either may be the caller or the agent:
# app_queue's t option lets the agent transfer, T the caller).
TRANSFER_PARTIES = {
    "BlindTransfer": ("TransfereeUniqueid", "TransfererUniqueid"),
    "AttendedTransfer": ("TransfereeUniqueid", "OrigTransfererUniqueid", "SecondTransfererUniqueid",
                         "TransferTargetUniqueid"),
}


def _precise(event: Event) -> bool:
    """AMI's Timestamp has microseconds; queue_log's has whole seconds, and an AMI
    event without one (timestampevents = no) only has its arrival time."""
    return event.get("Source") != "queue_log" and bool(event.get("Timestamp"))


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
        self.untimed = 0                                   # events read without a Timestamp
        self.agent_of: dict[str, str] = {}                 # agent's channel -> caller's (answered, open)
        self.holding: dict[str, tuple[set[str], float]] = {}  # caller -> (channels hearing MOH, since)

    def feed(self, event: Event, arrived: float | None = None) -> list[HandleTime]:
        """Apply one event; return the records it finished (usually none). `arrived` is when
        the consumer read it: the event's time when it carries no Timestamp."""
        name = event.get("Event", "")
        handler = _HANDLERS.get(name)
        if handler is None:
            return []
        t = _f(event, "Timestamp")
        if not t:
            self.untimed += 1
            # No clock of its own: the arrival time, else the last time known (never 1970).
            t = arrived if arrived is not None else self.last_timestamp
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
                self._end_talk(rec, end, None)
            elif rec.left_at is None:
                rec.wait_s = max(0.0, end - rec.entered_at)
            rec.outcome = "interrupted"
            out += self._finish(rec, "interrupted", end)
        return out

    # -- helpers ---------------------------------------------------------

    def _is_done(self, uid: str, queue: str, t: float) -> bool:
        return any((uid, queue, s) in self.done for s in (int(t) - 1, int(t), int(t) + 1))

    def _bridged(self, channel: str) -> HandleTime | None:
        """The open, answered record that `channel` (the caller's or its agent's) belongs to."""
        rec = self.open.get(channel) or self.open.get(self.agent_of.get(channel, ""))
        return rec if rec is not None and rec.answered_at is not None else None

    def _close_hold(self, rec: HandleTime, t: float) -> None:
        held = self.holding.pop(rec.unique_id, None)
        if held is not None:
            rec.hold_s += max(0.0, t - held[1])

    def _end_talk(self, rec: HandleTime, t: float, talk_time: float | None) -> None:
        """The call left the agent at `t`: hold still running ends there; talk is the bridged
        time (app_queue's whole-second `talk_time` when given, else from the times) less hold."""
        self._close_hold(rec, t)
        bridged = talk_time if talk_time is not None else max(0.0, t - (rec.answered_at or t))
        rec.talk_s = max(0.0, bridged - rec.hold_s)

    def _finish(self, rec: HandleTime, outcome: str, t: float) -> list[HandleTime]:
        rec.outcome = rec.outcome or outcome
        rec.ended_at = rec.ended_at or t
        if rec.outcome == "answered":
            rec.wrapup_s = self.wrapup.get(rec.queue, 0.0)
        self.open.pop(rec.unique_id, None)
        self.holding.pop(rec.unique_id, None)
        for channel in [c for c, caller in self.agent_of.items() if caller == rec.unique_id]:
            del self.agent_of[channel]
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
        if e.get("DestUniqueid"):
            self.agent_of[e["DestUniqueid"]] = uid
        return None

    def _moh_start(self, e: Event, uid: str, t: float):
        rec = self._bridged(uid)   # music while queued (before the connect) is the wait, not hold
        if rec is None:
            return None
        channels, since = self.holding.get(rec.unique_id, (set(), t))
        channels.add(uid)
        self.holding[rec.unique_id] = (channels, since)
        rec.seen_at = max(rec.seen_at, t)
        return None

    def _moh_stop(self, e: Event, uid: str, t: float):
        rec = self._bridged(uid)
        if rec is None or rec.unique_id not in self.holding:
            return None   # e.g. the queue's own music stopping as the agent answers
        channels, since = self.holding[rec.unique_id]
        channels.discard(uid)
        if not channels:
            self._close_hold(rec, t)
        rec.seen_at = max(rec.seen_at, t)
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
        self._end_talk(rec, t, None if rec.precise and _precise(e) else _f(e, "TalkTime"))
        rec.reason = e.get("Reason", "")
        return self._finish(rec, "answered", t)

    def _transfer(self, e: Event, uid: str, t: float):
        if (e.get("Result") or "").lower() != "success" or e.get("DestType") in ("Threeway", "Fail"):
            return None   # failed, or a three-way call: the agent is still on it
        for header in TRANSFER_PARTIES[e.get("Event", "")]:
            rec = self._bridged(e.get(header) or "")
            if rec is not None:
                break
        else:
            return None   # not a queued call, or app_queue's AgentComplete already closed it
        self._end_talk(rec, t, None)
        rec.reason = "transfer"
        rec.seen_at = max(rec.seen_at, t)
        return self._finish(rec, "answered", t)

    def _abandon(self, e: Event, uid: str, t: float):
        rec = self.open.get(uid)
        if rec is None:
            return None
        rec.wait_s = t - rec.entered_at if rec.precise and _precise(e) else _f(e, "HoldTime", t - rec.entered_at)
        rec.left_at = t
        if e.get("Position"):
            rec.last_position = int(_f(e, "Position"))
        if e.get("Source") == "queue_log":
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
            self._end_talk(rec, t, None)
            return self._finish(rec, "answered", t)
        if rec.left_at is None:
            rec.wait_s = max(0.0, t - rec.entered_at)
        return self._finish(rec, "abandoned", rec.left_at or t)


_HANDLERS = {
    "QueueCallerJoin": QueueFolder._join, "AgentCalled": QueueFolder._called,
    "AgentRingNoAnswer": QueueFolder._ring_no_answer, "QueueCallerLeave": QueueFolder._leave,
    "AgentConnect": QueueFolder._connect, "AgentComplete": QueueFolder._complete,
    "MusicOnHoldStart": QueueFolder._moh_start, "MusicOnHoldStop": QueueFolder._moh_stop,
    "BlindTransfer": QueueFolder._transfer, "AttendedTransfer": QueueFolder._transfer,
    "QueueCallerAbandon": QueueFolder._abandon, "UserEvent": QueueFolder._user_event,
    "Hangup": QueueFolder._hangup,
}
EVENTS = tuple(_HANDLERS)   # what the consumer must subscribe to
