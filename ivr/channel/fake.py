"""An in-process channel for `ivr simulate` and tests: a scripted caller.

The script is the `--digits` string: space-separated presses, each press
made during whatever the IVR plays next (barge-in), its digits typed in
quick succession. A `-` is a press of nothing: the caller stays silent
through one wait. After the script the caller stays silent; `hangup` as a
token hangs up.
"""

from __future__ import annotations

from typing import Sequence

from ..errors import ChannelHungUp, CommandFailed, UsageError
from .interface import DTMF_KEYS, CallInfo, QueueResult


class FakeChannel:
    def __init__(self, info: CallInfo, script: str = "", queue_status: str = ""):
        self.info = info
        self.tokens = [t for t in script.split() if t]
        self.buffer = ""          # the rest of the press being typed
        self.paused = False       # a press just ended: the next wait times out
        self.queue_status = queue_status
        self.variables: dict[str, str] = {}
        self.played: list[str] = []
        self.recording: str | None = None
        self.answered = False
        self.hung_up = False

    def _check(self) -> None:
        if self.hung_up:
            raise ChannelHungUp("the caller hung up")

    def _next_press(self) -> str:
        if not self.tokens:
            return ""
        token = self.tokens.pop(0)
        if token == "hangup":
            self.hung_up = True
            raise ChannelHungUp("the caller hung up")
        return "" if token == "-" else token

    def _take(self, allowed: str) -> str:
        if not self.buffer:
            self.buffer = self._next_press()
        if self.buffer and self.buffer[0] in allowed:
            digit, self.buffer = self.buffer[0], self.buffer[1:]
            self.paused = not self.buffer
            return digit
        self.buffer = ""  # a key the IVR is not listening for is lost, as in Asterisk
        return ""

    async def answer(self) -> None:
        self._check()
        self.answered = True

    async def play(self, files: Sequence[str], escape: str = DTMF_KEYS) -> str:
        self._check()
        self.played.extend(files)
        if not files:
            return ""  # nothing played, nothing listened for (no command reaches Asterisk)
        return self._barge_in(escape)

    def _barge_in(self, escape: str) -> str:
        """The digit that stops a prompt listening for `escape`, or ''."""
        if not escape:
            return ""
        self.paused = False  # the pause after a press passes during a prompt
        if self.buffer or (self.tokens and self.tokens[0] != "-"):
            return self._take(escape)
        return ""

    async def collect(self, files: Sequence[str], max_digits: int, timeout: float, terminator: str = "#") -> str:
        self._check()
        self.played.extend(files)
        digits = ""
        while len(digits) < max_digits:
            d = self._take(DTMF_KEYS) if (self.buffer or not digits) else ""
            if not d or d in terminator:
                break
            digits += d
        return digits

    async def wait_digit(self, timeout: float) -> str:
        self._check()
        if self.buffer:
            return self._take(DTMF_KEYS)
        if self.paused:
            self.paused = False
            return ""
        return self._take(DTMF_KEYS)

    async def say(self, kind: str, value: str, escape: str = DTMF_KEYS) -> str:
        # As AGIChannel.say and Asterisk's SAY commands: an unknown kind is refused,
        # SAY NUMBER answers 520 to what is not a whole number, and a press stops it.
        self._check()
        verb = _SAY_VERBS.get(kind)
        if verb is None:
            raise CommandFailed(f"Asterisk cannot say a {kind!r}", "SAY")
        if kind == "number":
            try:
                int(value)
            except ValueError:
                raise UsageError(_SAY_NUMBER_USAGE, verb) from None
        return self._barge_in(escape)

    async def set_variable(self, name: str, value: str) -> None:
        self._check()
        self.variables[name] = value

    async def get_variable(self, name: str) -> str | None:
        self._check()
        return self.variables.get(name)

    async def start_recording(self, path: str, options: str = "") -> None:
        self._check()
        self.recording = path

    async def queue(self, name: str, options: str = "", timeout: int = 0) -> QueueResult:
        self._check()
        return QueueResult(self.queue_status)

    async def hangup(self) -> None:
        self._check()  # as over AGI: a call that is over cannot be hung up again
        self.hung_up = True


_SAY_VERBS = {"number": "SAY NUMBER", "digits": "SAY DIGITS", "alpha": "SAY ALPHA"}
_SAY_NUMBER_USAGE = ("Say a given number, returning early if any of the given DTMF digits are received\n"
                     "on the channel (the fake channel refuses what Asterisk's SAY NUMBER does).")
