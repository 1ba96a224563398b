"""The channel interface in AGI commands, shared by FastAGI and classic AGI.

Subclasses supply `_command(verb, *args) -> Reply`; everything a menu does is
spelled here once, so both transports behave the same and raise the same
typed errors.
"""

from __future__ import annotations

from typing import Sequence

from ..channel.interface import DTMF_KEYS, CallInfo, QueueResult
from ..errors import ChannelHungUp, CommandFailed, UsageError
from .events import Reply, Request

DIGITS_VAR = "IVR_DIGITS"


def call_info(request: Request) -> CallInfo:
    return CallInfo(unique_id=request.unique_id, caller_id=request.caller_id,
                    called=request.called, channel=request.channel,
                    language=request.get("agi_language"),
                    # dialplans/ivr-inbound.conf: AGI(agi://.../ivr,${IVR_AGI_TOKEN},${SYSTEMNAME})
                    asterisk=request.get("agi_arg_2"))


def check_reply(verb: str, reply: Reply) -> Reply:
    """Turn error codes into typed errors; return 200 replies unchanged."""
    if reply.code == 200:
        return reply
    if reply.code == 511:
        raise ChannelHungUp("the channel is dead", verb)
    if reply.code == 520:
        raise UsageError(reply.data or "", verb)
    raise CommandFailed(reply.data or reply.text or f"code {reply.code}", verb, reply.code)


def read_app_args(files: Sequence[str], max_digits: int, timeout: float, terminator: str) -> str:
    # Read(var,file1&file2,maxdigits,options,attempts,timeout): one command so
    # digits typed during the prompts are kept (DTMF between commands is lost).
    options = f"t({terminator})"
    return f"{DIGITS_VAR},{'&'.join(files)},{max_digits},{options},1,{timeout:g}"


class AGIChannel:
    """Channel operations as AGI commands over some transport."""

    info: CallInfo
    # The call is over as far as a reply told us (511, result=-1 on hangup, our
    # own HANGUP, the connection closed), with or without a HANGUP line: every
    # later operation raises ChannelHungUp without asking Asterisk. Without it a
    # dead-safe command (GET VARIABLE, EXEC) would still answer after a 511.
    _gone = False

    @property
    def hung_up(self) -> bool:
        """True once the call is over: the caller or the IVR hung up."""
        return self._gone or self._hangup_seen()

    def _hangup_seen(self) -> bool:  # pragma: no cover - abstract
        """A HANGUP line (or SIGHUP) came from Asterisk."""
        raise NotImplementedError

    def _hung(self, message: str, verb: str) -> ChannelHungUp:
        """Mark the call over; the error to raise."""
        self._gone = True
        return ChannelHungUp(message, verb)

    async def _command(self, verb: str, *args: object) -> Reply:  # pragma: no cover - abstract
        raise NotImplementedError

    async def command(self, verb: str, *args: object) -> Reply:
        """Run one AGI command and return its 200 reply, or raise a typed error."""
        if self.hung_up:
            raise ChannelHungUp("the caller hung up", verb)
        try:
            return check_reply(verb, await self._command(verb, *args))
        except ChannelHungUp:
            self._gone = True
            raise

    async def _exec(self, app: str, args: str) -> Reply:
        reply = await self.command("EXEC", app, args)
        if reply.result == "-2":
            raise CommandFailed(f"application {app} is not loaded", "EXEC", 200)
        if reply.result_int < 0:
            raise self._hung(f"{app} returned -1", "EXEC")
        return reply

    async def answer(self) -> None:
        if (await self.command("ANSWER")).result_int < 0:
            raise self._hung("answer failed", "ANSWER")

    async def play(self, files: Sequence[str], escape: str = DTMF_KEYS) -> str:
        for name in files:
            reply = await self.command("STREAM FILE", name, escape)
            if reply.result_int > 0:
                return chr(reply.result_int)
            if reply.result_int < 0:
                await self._raise_play_failure(name)
        return ""

    async def _raise_play_failure(self, name: str) -> None:
        # result=-1 means "hung up" or "no such file": ask which.
        status = await self.command("CHANNEL STATUS")
        if status.result_int < 0:
            raise self._hung("hung up during playback", "STREAM FILE")
        raise CommandFailed(f"cannot play {name!r} (missing or unreadable file)", "STREAM FILE", 200)

    async def collect(self, files: Sequence[str], max_digits: int, timeout: float,
                      terminator: str = "#") -> str:
        await self._exec("Read", read_app_args(files, max_digits, timeout, terminator))
        status = await self.get_variable("READSTATUS")
        if status == "HANGUP":
            raise self._hung("hung up during Read", "EXEC")
        if status == "ERROR":
            raise CommandFailed(f"Read failed playing {'&'.join(files)!r}", "EXEC", 200)
        return await self.get_variable(DIGITS_VAR) or ""

    async def wait_digit(self, timeout: float) -> str:
        reply = await self.command("WAIT FOR DIGIT", int(timeout * 1000))
        if reply.result_int < 0:
            raise self._hung("hung up while waiting for a digit", "WAIT FOR DIGIT")
        return chr(reply.result_int) if reply.result_int > 0 else ""

    async def say(self, kind: str, value: str, escape: str = DTMF_KEYS) -> str:
        verb = {"number": "SAY NUMBER", "digits": "SAY DIGITS", "alpha": "SAY ALPHA"}.get(kind)
        if verb is None:
            raise CommandFailed(f"Asterisk cannot say a {kind!r}", "SAY")
        reply = await self.command(verb, value, escape)
        if reply.result_int < 0:
            raise self._hung("hung up while saying a value", verb)
        return chr(reply.result_int) if reply.result_int > 0 else ""

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.result == "1" else None

    async def start_recording(self, path: str, options: str = "") -> None:
        await self._exec("MixMonitor", f"{path},{options}")

    async def queue(self, name: str, options: str = "", timeout: int = 0) -> QueueResult:
        await self._exec("Queue", f"{name},{options},,,{timeout or ''}")
        result = QueueResult(await self.get_variable("QUEUESTATUS") or "")
        # AMI has no event for a timeout, a full or an empty queue: tell the
        # handle-time consumer what QUEUESTATUS said.
        await self._exec("UserEvent", f"IVRQueueResult,Queue: {name},Status: {result.status}")
        return result

    async def hangup(self) -> None:
        await self.command("HANGUP")
        self._gone = True   # whether or not a HANGUP line follows (AGISIGHUP=no sends none)
