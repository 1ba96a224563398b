"""Classic (stdin/stdout) AGI through pyst2, behind the same channel interface.

pyst2's `agi.AGI` reads the environment well enough, but its reply parser
crashes on a `HANGUP` line (`int('')`), turns 511 into an unknown error,
blocks forever on a one-line 520, and writes every command to stderr (which
Asterisk logs). So we keep its environment reading and signal handling,
silence its stderr, and read replies with our own sans-IO ReplyReader: the
errors that reach the interpreter are the same typed ones as over FastAGI.
"""

from __future__ import annotations

import io
import os
import sys
from typing import BinaryIO

from asterisk import agi as pyst2_agi

from ..errors import ChannelHungUp
from .channel import AGIChannel, call_info
from .connection import CLOSED, AGIConnection
from .events import NEED_DATA, HangupNotice, Request, Trying


class _Quiet(io.TextIOBase):
    def write(self, s: str) -> int:
        return len(s)


class ClassicAGI(pyst2_agi.AGI):
    """pyst2's AGI with our reply reader; no stderr chatter."""

    def __init__(self, stdin: BinaryIO, stdout: BinaryIO):
        self._in, self._out = stdin, stdout
        super().__init__(stdin=_LineReader(stdin), stdout=_Writer(stdout), stderr=_Quiet())
        self.conn = AGIConnection(headers_done=Request.from_pairs(self.env))

    def execute_reply(self, verb: str, *args: object):
        """Send one command and return its Reply (typed errors for the rest)."""
        if self.conn.hung_up or self._got_sighup:
            raise ChannelHungUp("the caller hung up", verb)
        try:
            self._out.write(self.conn.send(verb, *args))
            self._out.flush()
        except BrokenPipeError:
            raise ChannelHungUp("Asterisk closed the AGI pipe", verb) from None
        while True:
            event = self.conn.next_event()
            if event is NEED_DATA:
                self.conn.receive_data(os.read(self._in.fileno(), 65536) if hasattr(self._in, "fileno")
                                       else self._in.read(1))
                continue
            if event is CLOSED:
                raise ChannelHungUp("Asterisk closed the AGI pipe", verb)
            if isinstance(event, (HangupNotice, Trying)):
                continue
            return event


class _LineReader:
    """What pyst2's env reader needs: readline() of bytes, one line at a time."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw

    def readline(self) -> bytes:
        line = bytearray()
        while not line.endswith(b"\n"):
            ch = os.read(self.raw.fileno(), 1) if hasattr(self.raw, "fileno") else self.raw.read(1)
            if not ch:
                break
            line += ch
        return bytes(line)


class _Writer:
    def __init__(self, raw: BinaryIO):
        self.raw = raw

    def write(self, s: str) -> None:
        self.raw.write(s.encode())

    def flush(self) -> None:
        self.raw.flush()


class ClassicAGIChannel(AGIChannel):
    """The channel interface over a classic AGI process's stdin/stdout."""

    def __init__(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None):
        self.agi = ClassicAGI(stdin or sys.stdin.buffer, stdout or sys.stdout.buffer)
        self.request = self.agi.conn.request
        self.info = call_info(self.request)

    def _hangup_seen(self) -> bool:
        # Asterisk tells a classic AGI process of a hangup with SIGHUP (pyst2's
        # handler notes it), or a HANGUP line like FastAGI's.
        return self.agi.conn.hung_up or self.agi._got_sighup

    async def _command(self, verb: str, *args: object):
        # A classic AGI process serves one call: blocking reads are fine here.
        return self.agi.execute_reply(verb, *args)
