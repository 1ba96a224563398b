"""What the interpreter asks of its driver: small frozen dataclasses.

The interpreter is a generator: it yields one of these and is resumed with
the answer (a digit string for Play/WaitDigit/Collect, a QUEUESTATUS for
QueueCall, None for the rest). It never touches a channel itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from .outcome import StepKind


@dataclass(frozen=True)
class Play:
    node: str
    prompts: tuple
    escape: str = "0123456789*#"


@dataclass(frozen=True)
class WaitDigit:
    node: str
    timeout: float


@dataclass(frozen=True)
class Collect:
    node: str
    prompts: tuple
    max_digits: int
    timeout: float


@dataclass(frozen=True)
class SetVar:
    node: str
    name: str
    value: str


@dataclass(frozen=True)
class Consent:
    """The caller's answer to the recording question: the driver stores it on the call
    (consent, consent_at) and logs it as a `set` step. Answer: None."""

    node: str
    given: bool


@dataclass(frozen=True)
class StartRecording:
    node: str


@dataclass(frozen=True)
class QueueCall:
    node: str
    queue: str
    options: str = ""
    timeout: int = 0


@dataclass(frozen=True)
class Hangup:
    node: str


@dataclass(frozen=True)
class Note:
    """A step worth logging that needs no I/O (enter, invalid, timeout, set...)."""

    node: str
    action: StepKind
    detail: Mapping[str, Any] = field(default_factory=dict)
    digits: str = ""


@dataclass(frozen=True)
class Unavailable:
    """The answer to a data action when the database is away and nothing is cached:
    the node takes its failure path (ivr.data.cache)."""


UNAVAILABLE = Unavailable()


@dataclass(frozen=True)
class LookupCaller:
    """Answer: the AccountView whose known number is this caller id, None, or UNAVAILABLE."""

    node: str
    caller_id: str


@dataclass(frozen=True)
class VerifyAccount:
    """Answer: the AccountView if number and PIN match (and it is not locked), None, or UNAVAILABLE."""

    node: str
    number: str
    pin: str


@dataclass(frozen=True)
class LoadData:
    """Answer: "tariffs" -> list of TariffView in force now; "billing_rules" -> prompt names."""

    node: str
    what: str


@dataclass(frozen=True)
class RequestCallback:
    """Store a callback request; answer: its id, or None when nothing was stored (simulate)."""

    node: str
    queue: str
    caller_id: str
    account: str
    language: str
