"""The AGI conversation as a sans-IO state machine (after h11's _connection.py).

Rules, (state, what happens) -> next state:

    AWAIT_HEADERS  headers complete        -> IDLE
    IDLE           we send a command       -> AWAIT_REPLY
    AWAIT_REPLY    `100 Trying...` (GOSUB) -> AWAIT_REPLY
    AWAIT_REPLY    a full reply            -> IDLE
    any            `HANGUP` line           -> same state, hung_up = True
    any            end of data             -> CLOSED

Sending anywhere but IDLE raises LocalProtocolError naming the state: one
command in flight at a time is the protocol's own rule.
"""

from __future__ import annotations

import enum
import re

from ..errors import LocalProtocolError, MalformedReply
from .events import NEED_DATA, HangupNotice, Reply, Request, Trying
from .readers import DEFAULT_MAX_HEADER_BYTES, HeaderReader, ReplyReader


class State(enum.Enum):
    AWAIT_HEADERS = "awaiting headers"
    IDLE = "idle"
    AWAIT_REPLY = "awaiting a reply"
    CLOSED = "closed"


class ConnectionClosed:
    """Event: the peer closed the connection."""

    def __repr__(self) -> str:
        return "ConnectionClosed()"


CLOSED = ConnectionClosed()


def quote_arg(arg: object) -> str:
    """Quote one AGI argument the way res_agi's parse_args reads it back."""
    text = str(arg)
    if "\n" in text or "\r" in text:
        raise LocalProtocolError(f"AGI argument holds a line break: {text[:40]!r}")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_command(verb: str, *args: object) -> bytes:
    """`encode_command("STREAM FILE", "welcome", "12")` -> b'STREAM FILE "welcome" "12"\\n'."""
    if not verb or "\n" in verb:
        raise LocalProtocolError(f"bad AGI verb {verb!r}")
    line = verb.upper()
    for arg in args:
        text = arg if type(arg) is str else str(arg)
        if _SPECIAL.search(text) is None:
            line += ' "' + text + '"'
        else:
            line += " " + quote_arg(text)
    return (line + "\n").encode("utf-8")


_SPECIAL = re.compile(r'[\\"\r\n]')


class AGIConnection:
    """One AGI session's protocol state; feed bytes in, take events out."""

    def __init__(self, max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES, headers_done: Request | None = None):
        self.state = State.IDLE if headers_done else State.AWAIT_HEADERS
        self.request: Request | None = headers_done
        self.hung_up = False
        self.pending: str = ""  # the command awaiting its reply
        self._headers = HeaderReader(max_header_bytes)
        self._replies = ReplyReader()
        self._eof = False

    @property
    def buffered(self) -> int:
        """Reply bytes received and not yet turned into events."""
        return self._replies.buffered

    @property
    def at_eof(self) -> bool:
        """The peer closed (receive_data(b'') was called)."""
        return self._eof

    def receive_data(self, data: bytes) -> None:
        """Give the bytes read from the peer; b'' means it closed."""
        if not data:
            self._eof = True
        elif self.state is State.AWAIT_HEADERS:
            self._headers.feed(data)
        else:
            self._replies.feed(data)

    def next_event(self):
        """Return a Request, Reply, HangupNotice, CLOSED, or NEED_DATA."""
        if self.state is State.CLOSED:
            return CLOSED
        if self.state is State.AWAIT_HEADERS:
            event = self._headers.next_event()
            if event is NEED_DATA:
                if self._eof:
                    self.state = State.CLOSED
                    self._headers.at_eof()  # raises IncompleteHeaders
                return NEED_DATA
            self.request = event
            self.state = State.IDLE
            self._replies.feed(self._headers.leftover)
            return event
        event = self._replies.next_event()
        if event.__class__ is Reply and self.state is State.AWAIT_REPLY:  # the usual case first
            self.state = State.IDLE
            self.pending = ""
            return event
        if event is NEED_DATA:
            if self._eof:
                self.state = State.CLOSED
                self._replies.at_eof()
                return CLOSED
            return NEED_DATA
        if isinstance(event, HangupNotice):
            self.hung_up = True
            return event
        if isinstance(event, Trying):
            if self.state is not State.AWAIT_REPLY:
                raise MalformedReply(f"interim reply while {self.state.value}: {event.text!r}")
            return event
        if self.state is not State.AWAIT_REPLY:
            raise MalformedReply(f"reply while {self.state.value}: {event.text!r}")
        self.state = State.IDLE
        self.pending = ""
        return event

    def send(self, verb: str, *args: object) -> bytes:
        """Bytes to write for one command; only legal when IDLE."""
        if self.state is not State.IDLE:
            raise LocalProtocolError(f"cannot send {verb} while {self.state.value}"
                                     + (f" (for {self.pending})" if self.pending else ""))
        data = encode_command(verb, *args)
        self.state = State.AWAIT_REPLY
        self.pending = verb.upper()
        return data
