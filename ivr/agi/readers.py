"""Sans-IO readers for the two things Asterisk sends over AGI.

Both take bytes with `feed`, and `next_event` returns one event, NEED_DATA,
or raises a typed ProtocolError. Nothing here touches a socket or a loop, so
the same readers serve FastAGI (asyncio) and classic AGI (stdin).
"""

from __future__ import annotations

import re

from ..errors import HeaderTooLarge, IncompleteHeaders, MalformedReply
from .events import NEED_DATA, HangupNotice, Reply, Request, Trying

DEFAULT_MAX_HEADER_BYTES = 64 * 1024
MAX_REPLY_BYTES = 1024 * 1024

_REPLY = re.compile(r"^(\d{3})([ -])(.*)$")
_RESULT = re.compile(r"result=(\S*)\s*(?:\((.*?)\))?\s*(.*)$")
_EXTRA = re.compile(r"(\w+)=(\S*)")


class HeaderReader:
    """Reads `agi_key: value` lines up to the blank line that ends them."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_HEADER_BYTES):
        self._buf = bytearray()
        self._max = max_bytes
        self._done = False

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_event(self) -> Request | object:
        # Asterisk ends the headers with an empty line; both \n and \r\n are accepted.
        end, sep_len = self._find_end()
        if end < 0:
            if len(self._buf) > self._max:
                raise HeaderTooLarge(f"AGI headers exceed {self._max} bytes without ending")
            return NEED_DATA
        if end > self._max:
            raise HeaderTooLarge(f"AGI headers of {end} bytes exceed {self._max}")
        block = bytes(self._buf[:end])
        del self._buf[: end + sep_len]
        self._done = True
        return Request.from_pairs(_parse_header_block(block))

    def at_eof(self) -> None:
        """The peer closed: raise unless the headers were complete."""
        if not self._done:
            raise IncompleteHeaders(f"connection closed after {len(self._buf)} bytes of AGI headers", len(self._buf))

    @property
    def leftover(self) -> bytes:
        """Bytes after the headers (a reply never comes first, but keep them)."""
        return bytes(self._buf)

    def _find_end(self) -> tuple[int, int]:
        """Where the header block ends and how long the blank line after it is."""
        for blank in (b"\n", b"\r\n"):
            if self._buf.startswith(blank):
                return 0, len(blank)
        found = [(at + 1, len(sep) - 1) for sep in (b"\n\n", b"\n\r\n") if (at := self._buf.find(sep)) >= 0]
        return min(found) if found else (-1, 0)


def _parse_header_block(block: bytes) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for raw in block.split(b"\n"):
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if not line.strip():
            continue
        # Values hold colons (agi_request: agi://host:port/x): split on the first.
        key, sep, value = line.partition(":")
        if not sep:
            continue  # a line without a colon carries nothing we can use
        pairs[key.strip()] = value.strip()
    return pairs


class ReplyReader:
    """Reads command replies, folding the multi-line 520 usage into one Reply."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._usage: list[str] | None = None

    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_event(self) -> Reply | HangupNotice | Trying | object:
        while True:
            nl = self._buf.find(b"\n")
            if nl < 0:
                if len(self._buf) > MAX_REPLY_BYTES:
                    raise MalformedReply(f"reply line longer than {MAX_REPLY_BYTES} bytes")
                return NEED_DATA
            line = self._buf[:nl].decode("utf-8", "replace").rstrip("\r")
            del self._buf[: nl + 1]
            event = self._line(line)
            if event is not None:
                return event

    def at_eof(self) -> None:
        if self._usage is not None:
            raise MalformedReply("connection closed inside a 520 usage reply")

    def _line(self, line: str) -> Reply | HangupNotice | Trying | None:
        if self._usage is not None:
            # Inside `520-...` every line is usage text until `520 End of proper usage.`
            if line.startswith("520 "):
                text = "\n".join(self._usage)
                self._usage = None
                return Reply(520, data=text, text=text)
            self._usage.append(line)
            if sum(len(x) for x in self._usage) > MAX_REPLY_BYTES:
                raise MalformedReply("520 usage reply too long")
            return None
        if line.strip() == "HANGUP":
            return HangupNotice()
        if not line.strip():
            return None  # stray blank lines carry nothing
        m = _REPLY.match(line)
        if not m:
            raise MalformedReply(f"not an AGI reply: {line[:80]!r}")
        code, dash, rest = int(m.group(1)), m.group(2), m.group(3)
        if code == 520 and dash == "-":
            self._usage = []
            return None
        if code == 100:
            return Trying(line)
        if code == 200:
            r = _RESULT.match(rest.strip())
            if not r:
                raise MalformedReply(f"200 reply without result=: {line[:80]!r}")
            extras = dict(_EXTRA.findall(r.group(3)))
            return Reply(200, result=r.group(1), data=r.group(2), extras=extras, text=line)
        return Reply(code, data=rest.strip(), text=line)
