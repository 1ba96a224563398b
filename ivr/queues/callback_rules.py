"""The callback dialer's decisions: sans-IO (views and times in, decisions out).

Whose turn it is, whether the hotline is open, what an attempt's result makes of the
request, and when the next attempt may start. No clock is read here and nothing is
stored: the loop (ivr/queues/dialer.py) passes `now` (epoch seconds) and the views
it read (ivr/queues/store.py, ivr/live/state.py), and acts on what comes back.

A request keeps its caller's virtual place: it stands in its queue as if the caller
had joined at `requested_at`. It is dialled when

    the queue's live state is known      (the AMI link is up and QueueStatus answered)
    the hotline is open                  (Hours.is_open at now; no hours: always)
    its retry time has come              (next_at <= now)
    nobody who joined before it waits    (a live caller with joined < requested_at,
                                          the request's own call excepted)
    an agent is free for it              (available agents - callbacks being dialled
                                          in that queue, taken in requested_at order)

The request's states (`ivr callbacks list` shows them), every move in this table;
any other raises StoreError naming the state (the row holds what no rule makes):

    state     event                                   next state
    --------  --------------------------------------  ----------------------------------
    waiting   claimed by one controller               dialing   (attempts + 1)
    waiting   done by hand (ivr callbacks done)       done
    dialing   answered (caller and agent connected)   done
    dialing   declined (another digit than confirm)   failed
    dialing   any other result, attempts < max        waiting   (next_at = now + retry gap)
    dialing   any other result, attempts = max        failed
    dialing   done by hand                            done      (the attempt still ends)
    failed    done by hand                            done
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Iterable, Mapping, Protocol

from ..errors import StoreError


class State(str, Enum):
    WAITING = "waiting"
    DIALING = "dialing"
    DONE = "done"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


PENDING = (State.WAITING.value, State.DIALING.value)


class Result(str, Enum):
    """How one attempt ended."""
    ANSWERED = "answered"        # the caller was connected to an agent
    NO_ANSWER = "no-answer"      # the caller's phone rang out
    BUSY = "busy"
    FAILED = "failed"            # the call could not be placed (congestion, no route)
    NO_CONFIRM = "no-confirm"    # caller-first: answered, pressed nothing
    DECLINED = "declined"        # caller-first: pressed another key than the confirm digit
    HUNG_UP = "hung-up"          # answered, hung up before reaching an agent
    NO_AGENT = "no-agent"        # agent-first: no agent took it within agent_wait_s;
                                 # caller-first: the confirmed caller's queue wait ran out
    LOST = "lost"                # no result reached us (AMI link lost, controller stopped)

    def __str__(self) -> str:
        return self.value


DIALING = "dialing"              # an attempt's result while it runs

# OriginateResponse's Reason (Asterisk's enum ast_control_frame_type as dial.c reports it):
# 1 hung up, 3 ringing timed out, 4 answered, 5 busy, 8 congestion; 0 failed to create.
ORIGINATE_REASON = {"3": Result.NO_ANSWER, "5": Result.BUSY, "8": Result.FAILED, "0": Result.FAILED,
                    "1": Result.NO_ANSWER}

# Dial()'s DIALSTATUS (agent-first, the caller's leg) and the dialplan's own results.
DIALSTATUS = {"NOANSWER": Result.NO_ANSWER, "BUSY": Result.BUSY, "CONGESTION": Result.FAILED,
              "CHANUNAVAIL": Result.FAILED, "CANCEL": Result.HUNG_UP, "ANSWER": Result.ANSWERED,
              "NO-CONFIRM": Result.NO_CONFIRM, "DECLINED": Result.DECLINED}


def result_of_originate(reason: str) -> Result:
    return ORIGINATE_REASON.get(str(reason).strip(), Result.FAILED)


def result_of_dialplan(status: str) -> Result:
    """A `Result:` of the dialplan's IVRCallback UserEvent: a DIALSTATUS, NO-CONFIRM or
    DECLINED, or `queue-<QUEUESTATUS>` when the callback left its queue unanswered."""
    status = str(status).strip().upper()
    if status.startswith("QUEUE-"):
        return Result.NO_AGENT
    return DIALSTATUS.get(status, Result.FAILED)


# ---- views the loop hands in -------------------------------------------------------------------

class OpenHours(Protocol):
    def is_open(self, at: datetime) -> bool: ...


@dataclass(frozen=True)
class Request:
    """A pending request as the dialer sees it. Times are epoch seconds."""
    id: int
    queue: str
    unique_id: str              # the call that asked (never counted as ahead of itself)
    requested_at: float
    state: str                  # waiting | dialing
    attempts: int
    next_at: float | None       # None: at once


@dataclass(frozen=True)
class QueueNow:
    """One queue as AMI states it now: who waits (their unique ids and join times, epoch
    seconds) and how many agents are free. `known` is False while the link is down."""
    name: str
    waiting: tuple[tuple[str, float], ...]
    free_agents: int
    known: bool = True


@dataclass(frozen=True)
class Policy:
    """A queue's retry rules (from ivr.config.CallbackSettings)."""
    max_attempts: int
    retry_gap_s: float


class Why(str, Enum):
    """Why a pending request is not dialled now (or DUE: it is)."""
    DUE = "due"
    DIALING = "being dialled"
    UNKNOWN = "queue state unknown"
    CLOSED = "hotline closed"
    RETRY_LATER = "retry later"
    CALLER_AHEAD = "a caller who queued earlier still waits"
    NO_AGENT = "no free agent"
    NOT_DIALLED = "queue not dialled (no queues.callbacks entry)"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Decision:
    request: Request
    why: Why

    @property
    def due(self) -> bool:
        return self.why is Why.DUE


def _utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, timezone.utc)


def in_hours(hours: OpenHours | None, now: float) -> bool:
    """Open at `now` (epoch seconds); a queue with no hours is always open."""
    return hours is None or hours.is_open(_utc(now))


def decide(requests: Iterable[Request], queues: Mapping[str, QueueNow], now: float,
           hours: Mapping[int, OpenHours | None] | None = None) -> list[Decision]:
    """One decision per request, in requested_at order (ties by id). `queues` holds the
    queues that are dialled (a request of another queue is NOT_DIALLED); `hours` maps a
    request id to its hotline's hours (missing: always open). The requests due are those
    to claim now, in this order: each takes one free agent of its queue."""
    hours = hours or {}
    ordered = sorted(requests, key=lambda r: (r.requested_at, r.id))
    capacity = {name: q.free_agents - sum(1 for r in ordered if r.queue == name and r.state == State.DIALING)
                for name, q in queues.items()}
    out = []
    for r in ordered:
        q = queues.get(r.queue)
        if r.state == State.DIALING:
            why = Why.DIALING
        elif q is None:
            why = Why.NOT_DIALLED
        elif not q.known:
            why = Why.UNKNOWN
        elif not in_hours(hours.get(r.id), now):
            why = Why.CLOSED
        elif r.next_at is not None and r.next_at > now:
            why = Why.RETRY_LATER
        elif any(joined < r.requested_at and uid != r.unique_id for uid, joined in q.waiting):
            why = Why.CALLER_AHEAD
        elif capacity[r.queue] <= 0:
            why = Why.NO_AGENT
        else:
            why = Why.DUE
            capacity[r.queue] -= 1
        out.append(Decision(r, why))
    return out


@dataclass(frozen=True)
class Outcome:
    """What one attempt's result makes of its request."""
    state: State
    next_at: float | None       # epoch seconds of the next attempt (state waiting), else None


def after_attempt(result: Result, attempts: int, policy: Policy, ended: float) -> Outcome:
    """The request's next state once its `attempts`-th attempt ended at `ended` with `result`."""
    if result is Result.ANSWERED:
        return Outcome(State.DONE, None)
    if result is Result.DECLINED or attempts >= policy.max_attempts:
        return Outcome(State.FAILED, None)
    return Outcome(State.WAITING, next_retry(ended, policy))


def next_retry(ended: float, policy: Policy) -> float:
    """When the next attempt may start: the gap after the last one ended (epoch seconds).
    Outside the hotline's hours `decide` holds it back until they open again."""
    return ended + policy.retry_gap_s


_MOVES = {
    (State.WAITING, "claim"): State.DIALING,
    (State.WAITING, "done-by-hand"): State.DONE,
    (State.DIALING, "done-by-hand"): State.DONE,
    (State.FAILED, "done-by-hand"): State.DONE,
    (State.DIALING, "ended"): None,     # after_attempt says which
}


def move(state: str, event: str) -> State | None:
    """The state after `event` (claim, done-by-hand, ended) in `state`; StoreError if the
    table does not allow it. None for `ended`: after_attempt decides."""
    try:
        key = (State(state), event)
    except ValueError:
        raise StoreError(f"callback request in unknown state {state!r}") from None
    if key not in _MOVES:
        raise StoreError(f"callback request {state}: cannot {event}")
    return _MOVES[key]
