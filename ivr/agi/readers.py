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
    # One decode for the block: \n never sits inside a UTF-8 sequence, so this
    # is what decoding line by line gives.
    for line in block.decode("utf-8", "replace").split("\n"):
        # Values hold colons (agi_request: agi://host:port/x): split on the first.
        key, sep, value = line.partition(":")
        if not sep:
            continue  # a line without a colon (or a blank one) carries nothing we can use
        pairs[key.strip()] = value.strip()
    return pairs


class ReplyReader:
    """Reads command replies, folding the multi-line 520 usage into one Reply.

    The common reply, one `200 result=...` line, takes a short path: no
    bytearray copies (the buffer is the bytes fed, read from an offset), one
    regex match from the offset and a Reply built without the dataclass
    __init__. Anything else goes through `_line`, which gives the same events.
    """

    def __init__(self) -> None:
        self._buf = b""
        self._pos = 0  # bytes before it are consumed
        self._usage: list[str] | None = None

    def feed(self, data: bytes) -> None:
        if self._pos >= len(self._buf):
            self._buf, self._pos = bytes(data), 0
        else:
            self._buf = self._buf[self._pos:] + data
            self._pos = 0

    @property
    def buffered(self) -> int:
        """How many bytes are fed and not yet consumed."""
        return len(self._buf) - self._pos

    def next_event(self) -> Reply | HangupNotice | Trying | object:
        buf = self._buf
        while True:
            pos = self._pos
            nl = buf.find(b"\n", pos)
            if nl < 0:
                if len(buf) - pos > MAX_REPLY_BYTES:
                    raise MalformedReply(f"reply line longer than {MAX_REPLY_BYTES} bytes")
                return NEED_DATA
            self._pos = nl + 1
            if self._usage is None and buf.startswith(b"200 result=", pos):
                end = nl - 1 if nl > pos and buf[nl - 1] == 13 else nl  # without a \r
                line = buf[pos:end].decode("utf-8", "replace")
                r = _RESULT.match(line, 4)
                if r is not None and line.rstrip("\r") == line:
                    return _reply200(line, r)
            line = buf[pos:nl].decode("utf-8", "replace").rstrip("\r")
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


_new = object.__new__


def _reply200(line: str, r: re.Match) -> Reply:
    """Reply(200, ...) from a `_RESULT` match, as `_line` builds it, minus the frozen __init__."""
    result, data, rest = r.groups()
    reply = _new(Reply)
    reply.__dict__.update(code=200, result=result, data=data,
                          extras=dict(_EXTRA.findall(rest)) if rest else {}, text=line)
    return reply
