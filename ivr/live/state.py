"""The queues now, from AMI events: sans-IO (events and times in, frozen snapshots out).

`LiveState.feed(event, now)` applies one AMI event (its headers, as panoramisk
hands them) read at `now` (epoch seconds: a value passed in, never a clock
read here); `rebuild(events, now)` replaces what is known with the answer of a
`QueueStatus` action (QueueParams, QueueMember, QueueEntry ... QueueStatusComplete);
`snapshot(now)` returns typed frozen views. Nothing here guesses: while the
link is down the state is marked stale (`mark_stale`) and after a reconnect it
is rebuilt from Asterisk's own answer, not patched up from old events.

    event                       effect
    --------------------------  -------------------------------------------------------
    QueueCallerJoin             a caller waits, at Position (others behind move down)
    QueueCallerLeave            the caller leaves the line (answered, abandoned, timed out)
    QueueCallerAbandon          today's abandoned += 1 (Asterisk 22 sends it on a timeout too)
    AgentCalled                 the member rings
    AgentRingNoAnswer           the member stops ringing
    AgentConnect                the member is on a call; today's answered += 1, with its wait
                                (HoldTime) for ASA and the service level
    AgentComplete               the member's call ends: wrap-up for the member's (else the
                                queue's) wrapuptime
    QueueMemberAdded/Status/    the member's fields as Asterisk states them: Status (device
      Pause                     state), InCall, Paused, PausedReason, LastCall, Wrapuptime
    QueueMemberRemoved          the member is logged out of the queue
    QueueParams/QueueMember/    (a QueueStatus answer, via rebuild) the whole state of each queue
      QueueEntry

An agent's state, first that applies: paused (with the reason; on a call or
not), on a call (InCall, or the device in use/busy/on hold), ringing, wrap-up
(LastCall + wrap-up time not passed), unavailable (device unavailable or
invalid: not logged in as far as the floor is concerned), available.

Today's figures count each queued call once, by its caller's Uniqueid, in the
local day (the office's time zone) it joined the queue: answered at connect,
abandoned at abandon; `merge_day(rows)` folds in the records already stored
(handle_times: the consumer's, the same source as the reports), so a console
started mid-day, or a call answered while the link was down, still counts.
Offered = answered + abandoned + timed out; service level = answered within T s
/ offered; ASA = mean wait of the answered (DESIGN.md's definitions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

Event = Mapping[str, str]

# Asterisk's device states (include/asterisk/devicestate.h), as QueueMember* events send them.
NOT_IN_USE, IN_USE, BUSY, INVALID, UNAVAILABLE, RINGING, RINGINUSE, ONHOLD = 1, 2, 3, 4, 5, 6, 7, 8
DEVICE_STATE = {0: "unknown", 1: "not in use", 2: "in use", 3: "busy", 4: "invalid", 5: "unavailable",
                6: "ringing", 7: "ring in use", 8: "on hold"}
AGENT_STATES = ("paused", "in-call", "ringing", "wrap-up", "unavailable", "available")
MEMBER_EVENTS = ("QueueMemberAdded", "QueueMemberStatus", "QueueMemberPause", "QueueMemberRemoved")
CALLER_EVENTS = ("QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon")
AGENT_EVENTS = ("AgentCalled", "AgentRingNoAnswer", "AgentConnect", "AgentComplete")
EVENTS = (*CALLER_EVENTS, *AGENT_EVENTS, *MEMBER_EVENTS)
STATUS_EVENTS = ("QueueParams", "QueueMember", "QueueEntry")   # a QueueStatus answer's items
COUNTED = ("answered", "abandoned", "timeout")                  # offered = these (DESIGN.md)


# --- the snapshots (frozen) -----------------------------------------------------------------------

@dataclass(frozen=True)
class Caller:
    unique_id: str
    caller_id: str
    position: int
    wait_s: float


@dataclass(frozen=True)
class Agent:
    interface: str
    name: str
    state: str            # one of AGENT_STATES
    paused: bool
    reason: str           # the pause reason ("" if none given or not paused)
    in_call: bool
    dynamic: bool         # added with QueueAdd (may be logged out), not from queues.conf
    calls_taken: int
    device: str           # the device state as Asterisk names it


@dataclass(frozen=True)
class DayFigures:
    day: str              # YYYY-MM-DD in the office's time zone
    offered: int
    answered: int
    abandoned: int
    timed_out: int
    answered_in_sl: int
    service_level: float | None   # answered within T s / offered; None when nothing was offered
    asa_s: float | None           # mean wait of the answered; None when none was answered
    abandon_rate: float | None


@dataclass(frozen=True)
class QueueSnapshot:
    name: str
    callers: tuple[Caller, ...]
    longest_wait_s: float
    agents: tuple[Agent, ...]
    today: DayFigures

    def count(self, state: str) -> int:
        return sum(1 for a in self.agents if a.state == state)

    @property
    def waiting(self) -> int:
        return len(self.callers)

    @property
    def logged_in(self) -> int:
        return sum(1 for a in self.agents if a.state != "unavailable")

    @property
    def on_call(self) -> int:
        return sum(1 for a in self.agents if a.in_call)

    def to_json(self) -> dict:
        return {"name": self.name, "waiting": self.waiting, "longest_wait_s": round(self.longest_wait_s, 1),
                "callers": [c.__dict__ | {"wait_s": round(c.wait_s, 1)} for c in self.callers],
                "agents": [a.__dict__.copy() for a in self.agents],
                "logged_in": self.logged_in, "available": self.count("available"),
                "ringing": self.count("ringing"), "in_call": self.on_call, "paused": self.count("paused"),
                "wrapup": self.count("wrap-up"), "today": self.today.__dict__.copy()}


@dataclass(frozen=True)
class LiveSnapshot:
    at: float
    version: int                  # grows with every change
    stale: bool                   # the AMI link is down (or never came up): the figures are old
    stale_since: float | None
    synced_at: float | None       # the last QueueStatus rebuild
    queues: tuple[QueueSnapshot, ...]
    note: str = ""                # why it is stale, for the wallboard

    def queue(self, name: str) -> QueueSnapshot | None:
        return next((q for q in self.queues if q.name == name), None)

    def to_json(self) -> dict:
        return {"at": self.at, "version": self.version, "stale": self.stale, "stale_since": self.stale_since,
                "synced_at": self.synced_at, "note": self.note, "queues": [q.to_json() for q in self.queues]}


# --- the mutable state --------------------------------------------------------------------------

@dataclass
class _Caller:
    unique_id: str
    caller_id: str
    joined: float
    position: int = 0       # as Asterisk last stated it (QueueStatus); the line order is the list's


@dataclass
class _Member:
    interface: str
    name: str = ""
    device: int = NOT_IN_USE
    in_call: bool = False
    paused: bool = False
    reason: str = ""
    dynamic: bool = False
    calls_taken: int = 0
    last_call: float = 0.0
    wrapup_s: float = 0.0     # the member's own; 0: the queue's
    ringing: bool = False


@dataclass
class _Queue:
    name: str
    callers: list[_Caller] = field(default_factory=list)   # in line order: position = index + 1
    members: dict[str, _Member] = field(default_factory=dict)


def _int(event: Event, key: str, default: int = 0) -> int:
    try:
        return int(float(event.get(key) or default))
    except (TypeError, ValueError):
        return default


def _float(event: Event, key: str, default: float = 0.0) -> float:
    try:
        return float(event.get(key) or default)
    except (TypeError, ValueError):
        return default


def _interface(event: Event) -> str:
    # Asterisk 12+: Interface; older QueueStatus answers: Location.
    return event.get("Interface") or event.get("Location") or event.get("MemberName") or ""


class LiveState:
    def __init__(self, tz: str = "UTC", service_level_s: float = 20.0, wrapup: Mapping[str, float] | None = None):
        self.tz = ZoneInfo(tz)
        self.service_level_s = service_level_s
        self.wrapup = dict(wrapup or {})
        self.queues: dict[str, _Queue] = {}
        self.outcomes: dict[tuple[str, str], tuple[str, float, date]] = {}  # (uid, queue) -> outcome, wait, day
        self.version = 0
        self.stale_since: float | None = 0.0      # stale until the first rebuild
        self.synced_at: float | None = None
        self.note = "not connected to Asterisk yet"

    # -- input

    def feed(self, event: Event, now: float) -> bool:
        """Apply one event read at `now`; True if it changed anything."""
        name = event.get("Event", "")
        handler = _HANDLERS.get(name)
        if handler is None:
            return False
        t = _float(event, "Timestamp") or now
        changed = handler(self, event, t)
        if changed is not False:
            self.version += 1
            return True
        return False

    def rebuild(self, events: Iterable[Event], now: float) -> None:
        """Replace every queue's callers and members with a QueueStatus answer (read at `now`)."""
        queues: dict[str, _Queue] = {}
        for event in events:
            kind, qname = event.get("Event", ""), event.get("Queue", "")
            if kind not in STATUS_EVENTS or not qname:
                continue
            q = queues.setdefault(qname, _Queue(qname))
            if kind == "QueueMember":
                m = _Member(_interface(event))
                self._member_fields(m, event)
                q.members[m.interface] = m
            elif kind == "QueueEntry":
                q.callers.append(_Caller(event.get("Uniqueid", ""), event.get("CallerIDNum", "") or "",
                                         now - _float(event, "Wait"), _int(event, "Position")))
        for q in queues.values():
            q.callers.sort(key=lambda c: c.position)
        self.queues = queues
        self.stale_since, self.synced_at, self.note = None, now, ""
        self.version += 1

    def mark_stale(self, now: float, note: str = "the AMI link is down") -> None:
        if self.stale_since is None:
            self.stale_since = now
        self.note = note
        self.version += 1

    def merge_day(self, rows: Iterable[tuple[str, str, str, float, float]], now: float) -> None:
        """Fold in stored records: (unique_id, queue, outcome, wait_s, entered epoch seconds).
        A stored outcome is final (a timeout the live events saw as an abandon is a timeout)."""
        today = self._day(now)
        for uid, queue, outcome, wait_s, entered in rows:
            day = self._day(entered)
            if outcome in COUNTED and day == today:
                self.outcomes[(uid, queue)] = (outcome, wait_s, day)
        self.version += 1

    # -- output

    @property
    def stale(self) -> bool:
        return self.stale_since is not None

    def snapshot(self, now: float) -> LiveSnapshot:
        today = self._day(now)
        if any(day != today for _, _, day in self.outcomes.values()):
            self.outcomes = {k: v for k, v in self.outcomes.items() if v[2] == today}
        names = sorted(set(self.queues) | {q for (_, q) in self.outcomes})
        return LiveSnapshot(now, self.version, self.stale, self.stale_since, self.synced_at,
                            tuple(self._queue_snapshot(n, now, today) for n in names), self.note)

    def _queue_snapshot(self, name: str, now: float, today: date) -> QueueSnapshot:
        q = self.queues.get(name) or _Queue(name)
        callers = tuple(Caller(c.unique_id, c.caller_id, i, max(0.0, now - c.joined))
                        for i, c in enumerate(q.callers, 1))
        agents = tuple(self._agent(q, m, now) for m in sorted(q.members.values(), key=lambda m: m.interface))
        return QueueSnapshot(name, callers, max((c.wait_s for c in callers), default=0.0), agents,
                             self._figures(name, today))

    def _agent(self, q: _Queue, m: _Member, now: float) -> Agent:
        in_call = m.in_call or m.device in (IN_USE, BUSY, ONHOLD)
        wrapup = m.wrapup_s or self.wrapup.get(q.name, 0.0)
        if m.paused:
            state = "paused"
        elif in_call:
            state = "in-call"
        elif m.ringing or m.device in (RINGING, RINGINUSE):
            state = "ringing"
        elif wrapup and m.last_call and now < m.last_call + wrapup:
            state = "wrap-up"
        elif m.device in (INVALID, UNAVAILABLE):
            state = "unavailable"
        else:
            state = "available"
        return Agent(m.interface, m.name or m.interface, state, m.paused, m.reason if m.paused else "", in_call,
                     m.dynamic, m.calls_taken, DEVICE_STATE.get(m.device, str(m.device)))

    def _figures(self, queue: str, today: date) -> DayFigures:
        counts = {k: 0 for k in COUNTED}
        waits: list[float] = []
        in_sl = 0
        for (_, q), (outcome, wait, _) in self.outcomes.items():
            if q != queue:
                continue
            counts[outcome] += 1
            if outcome == "answered":
                waits.append(wait)
                in_sl += wait <= self.service_level_s
        offered = sum(counts.values())
        return DayFigures(today.isoformat(), offered, counts["answered"], counts["abandoned"], counts["timeout"],
                          in_sl, in_sl / offered if offered else None, sum(waits) / len(waits) if waits else None,
                          counts["abandoned"] / offered if offered else None)

    def _day(self, t: float) -> date:
        return datetime.fromtimestamp(t, timezone.utc).astimezone(self.tz).date()

    # -- the handlers (return False when nothing changed)

    def _queue(self, event: Event) -> _Queue:
        name = event.get("Queue", "")
        return self.queues.setdefault(name, _Queue(name))

    def _member(self, event: Event) -> _Member:
        q = self._queue(event)
        iface = _interface(event)
        return q.members.setdefault(iface, _Member(iface))

    def _member_fields(self, m: _Member, event: Event) -> None:
        m.name = event.get("MemberName") or event.get("Name") or m.name
        if "Status" in event:
            m.device = _int(event, "Status", m.device)
        if "InCall" in event:
            m.in_call = event.get("InCall") == "1"
        if "Paused" in event:
            m.paused = event.get("Paused") == "1"
            m.reason = event.get("PausedReason", event.get("Reason", "")) or ""
        if "Membership" in event:
            m.dynamic = event.get("Membership") == "dynamic"
        if "CallsTaken" in event:
            m.calls_taken = _int(event, "CallsTaken")
        if "LastCall" in event:
            m.last_call = _float(event, "LastCall") or m.last_call
        if "Wrapuptime" in event:
            m.wrapup_s = _float(event, "Wrapuptime")
        if m.device in (RINGING, RINGINUSE):
            m.ringing = True
        elif "Status" in event:
            m.ringing = False

    def _on_join(self, event: Event, t: float):
        q = self._queue(event)
        uid = event.get("Uniqueid", "")
        q.callers = [c for c in q.callers if c.unique_id != uid]
        pos = _int(event, "Position", len(q.callers) + 1)
        q.callers.insert(max(0, min(pos - 1, len(q.callers))),
                         _Caller(uid, event.get("CallerIDNum", "") or "", t))

    def _on_leave(self, event: Event, t: float):
        q = self._queue(event)
        uid = event.get("Uniqueid", "")
        before = len(q.callers)
        q.callers = [c for c in q.callers if c.unique_id != uid]
        return len(q.callers) != before

    def _on_abandon(self, event: Event, t: float):
        self._on_leave(event, t)
        key = (event.get("Uniqueid", ""), event.get("Queue", ""))
        wait = _float(event, "HoldTime")
        self.outcomes.setdefault(key, ("abandoned", wait, self._day(t - wait)))

    def _on_called(self, event: Event, t: float):
        self._member(event).ringing = True

    def _on_noanswer(self, event: Event, t: float):
        self._member(event).ringing = False

    def _on_connect(self, event: Event, t: float):
        m = self._member(event)
        m.ringing, m.in_call = False, True
        self._on_leave(event, t)
        wait = _float(event, "HoldTime")
        self.outcomes[(event.get("Uniqueid", ""), event.get("Queue", ""))] = ("answered", wait, self._day(t - wait))

    def _on_complete(self, event: Event, t: float):
        m = self._member(event)
        m.in_call, m.last_call = False, t
        m.calls_taken += 1

    def _on_member(self, event: Event, t: float):
        self._member_fields(self._member(event), event)

    def _on_removed(self, event: Event, t: float):
        q = self.queues.get(event.get("Queue", ""))
        if q is None or q.members.pop(_interface(event), None) is None:
            return False


_HANDLERS = {
    "QueueCallerJoin": LiveState._on_join, "QueueCallerLeave": LiveState._on_leave,
    "QueueCallerAbandon": LiveState._on_abandon, "AgentCalled": LiveState._on_called,
    "AgentRingNoAnswer": LiveState._on_noanswer, "AgentConnect": LiveState._on_connect,
    "AgentComplete": LiveState._on_complete, "QueueMemberAdded": LiveState._on_member,
    "QueueMemberStatus": LiveState._on_member, "QueueMemberPause": LiveState._on_member,
    "QueueMemberRemoved": LiveState._on_removed,
}
