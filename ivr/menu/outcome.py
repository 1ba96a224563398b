"""Typed results of a call and of its steps: what the interpreter ends with,
what the call log stores, what reports count.

The database keeps the text form (`str(outcome)`, a step kind's value);
code compares against these types, never against string literals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class OutcomeKind(str, Enum):
    """How a call's walk through the menu ended."""

    QUEUE = "queue"                  # handed to an agent queue (outcome text queue:NAME)
    HANGUP = "hangup"                # the menu hung up (a hangup node, or no way out)
    CLOSED = "closed"                # a queue outside its hours, with nowhere else to go
    CALLBACK = "callback"            # a callback request stored, then hung up
    CALLER_HANGUP = "caller-hangup"  # the caller hung up inside the IVR
    LOOP = "error:loop"              # a loop no caller could leave: the call was ended
    ERROR = "error"                  # the controller failed; the dialplan's fallback queue took the call
    CONTROLLER_LOST = "controller-lost"  # the controller died mid-call; closed by the next start's sweep

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Outcome:
    """An outcome; `queue` names the queue of a QUEUE outcome.

    Text form (stored in calls.outcome, printed by simulate and set as
    IVR_OUTCOME): `queue:NAME` for a queue hand-off, else the kind's value.
    """

    kind: OutcomeKind
    queue: str = ""

    QUEUE_PREFIX = "queue:"

    @classmethod
    def to_queue(cls, queue: str) -> Outcome:
        return cls(OutcomeKind.QUEUE, queue)

    @property
    def handed_to_queue(self) -> bool:
        return self.kind is OutcomeKind.QUEUE

    def __str__(self) -> str:
        return f"{self.QUEUE_PREFIX}{self.queue}" if self.kind is OutcomeKind.QUEUE else self.kind.value


HANGUP = Outcome(OutcomeKind.HANGUP)
CALLER_HANGUP = Outcome(OutcomeKind.CALLER_HANGUP)
ERROR = Outcome(OutcomeKind.ERROR)
CONTROLLER_LOST = Outcome(OutcomeKind.CONTROLLER_LOST)


class StepKind(str, Enum):
    """One logged step of a call (call_steps.action, and `action` in simulate's JSON lines)."""

    ENTER = "enter"                  # a node was entered (the path through the menu)
    PLAY = "play"                    # prompts played (detail: prompts)
    INPUT = "input"                  # digits pressed
    INVALID = "invalid"              # digits that match no option
    TIMEOUT = "timeout"              # no digit in time
    FAILURE = "failure"              # retries or attempts used up
    IDENTIFY = "identify"            # an identification try (detail: identified, by)
    SET = "set"                      # language or consent set
    CONSENT_KEPT = "consent-kept"    # a second consent node keeps the first answer
    RECORD = "record"                # the recording started
    CLOSED = "closed"                # a queue outside its hours
    HOURS = "hours"                  # an hours check (detail: open)
    QUEUE_ENTER = "queue-enter"      # handed to Queue()
    QUEUE = "queue"                  # Queue() returned (detail: status)
    CALLBACK = "callback"            # a callback request (detail: stored)
    MISSING_VALUE = "missing-value"  # a value to say was not known (no account)
    LOOP = "loop"                    # the visit limit was reached
    HANGUP = "hangup"                # the IVR hung up

    def __str__(self) -> str:
        return self.value


class HangupCause(str, Enum):
    """Who ended the call (calls.hangup_cause); set by one owner, the controller's run_call
    (controller-lost by the sweep that closes calls a dead controller left open)."""

    CALLER = "caller"
    IVR = "ivr"
    AGENT = "agent"
    CONTROLLER_LOST = "controller-lost"
    ERROR = "error"
    # The call ended inside a queue whose record names nobody (Asterisk was lost mid-call,
    # or the channel was hung up from outside, e.g. an AMI Hangup): said, not guessed.
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value
