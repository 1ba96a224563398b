"""The small channel interface the interpreter drives; it knows no sockets.

Implementations: FastAGI (ivr.agi.channel), classic stdin AGI through pyst2
(ivr.agi.classic) and an in-process fake (ivr.channel.fake). Each raises
ChannelHungUp when the caller is gone, CommandFailed / UsageError when
Asterisk refuses a command; nothing else escapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

DTMF_KEYS = "0123456789*#"


@dataclass(frozen=True)
class CallInfo:
    """Who is calling whom, as Asterisk told us at the start."""

    unique_id: str
    caller_id: str = ""
    called: str = ""
    channel: str = ""
    language: str = ""
    asterisk: str = ""     # the Asterisk's systemname, as the dialplan passes it ("" when it has none)


@dataclass(frozen=True)
class QueueResult:
    """How a Queue() hand-off ended: QUEUESTATUS and whether an agent took it."""

    status: str  # TIMEOUT FULL JOINEMPTY LEAVEEMPTY JOINUNAVAIL LEAVEUNAVAIL CONTINUE or "" (answered)

    @property
    def answered(self) -> bool:
        return self.status in ("", "CONTINUE")


class Channel(Protocol):
    """Once the call is over (the caller hung up, or hangup() was called),
    `hung_up` is True and every operation, hangup() included, raises
    ChannelHungUp."""

    info: CallInfo

    @property
    def hung_up(self) -> bool:
        """True once the call is over, whoever ended it."""

    async def answer(self) -> None:
        """Answer the call (a no-op when it is already up)."""

    async def play(self, files: Sequence[str], escape: str = DTMF_KEYS) -> str:
        """Play files in order; return the digit that interrupted them, or ''."""

    async def collect(self, files: Sequence[str], max_digits: int, timeout: float,
                      terminator: str = "#") -> str:
        """Play files and collect up to max_digits (type-ahead during the files counts)."""

    async def wait_digit(self, timeout: float) -> str:
        """Wait up to timeout seconds for one more digit; '' on timeout."""

    async def say(self, kind: str, value: str, escape: str = DTMF_KEYS) -> str:
        """Let Asterisk say a value (number, digits, alpha); return an interrupting digit."""

    async def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable (the dialplan and the agent see it)."""

    async def get_variable(self, name: str) -> str | None:
        """Read a channel variable or function; None when unset."""

    async def start_recording(self, path: str, options: str = "") -> None:
        """Start MixMonitor into path (absolute, with extension)."""

    async def queue(self, name: str, options: str = "", timeout: int = 0) -> QueueResult:
        """Hand the caller to an app_queue queue; return when they leave it."""

    async def hangup(self) -> None:
        """Hang up the caller."""
