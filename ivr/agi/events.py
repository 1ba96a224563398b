"""What the AGI codec hands out: small frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class Request:
    """The headers Asterisk sends when a call reaches the AGI (agi_* keys)."""

    headers: Mapping[str, str]

    def get(self, key: str, default: str = "") -> str:
        return self.headers.get(key, default)

    @property
    def unique_id(self) -> str:
        return self.get("agi_uniqueid")

    @property
    def channel(self) -> str:
        return self.get("agi_channel")

    @property
    def caller_id(self) -> str:
        value = self.get("agi_callerid")
        return "" if value == "unknown" else value

    @property
    def called(self) -> str:
        return self.get("agi_dnid") if self.get("agi_dnid") not in ("", "unknown") else self.get("agi_extension")

    @property
    def script(self) -> str:
        """The path of agi://host:port/PATH, without query and slashes."""
        script = self.get("agi_network_script") or self.get("agi_request")
        return script.split("?", 1)[0].strip("/")

    @property
    def arguments(self) -> tuple[str, ...]:
        args, n = [], 1
        while f"agi_arg_{n}" in self.headers:
            args.append(self.headers[f"agi_arg_{n}"])
            n += 1
        return tuple(args)

    @classmethod
    def from_pairs(cls, pairs: dict[str, str]) -> "Request":
        return cls(MappingProxyType(dict(pairs)))


@dataclass(frozen=True)
class Reply:
    """One complete answer to a command: `200 result=1 (timeout) endpos=42`."""

    code: int
    result: str = ""
    data: str | None = None  # the text in parentheses, if any
    extras: Mapping[str, str] = field(default_factory=dict)  # endpos=..., etc.
    text: str = ""  # the raw line(s), for error messages

    @property
    def result_int(self) -> int:
        try:
            return int(self.result)
        except ValueError:
            return 0


@dataclass(frozen=True)
class HangupNotice:
    """The bare `HANGUP` line: the caller hung up; the reply may still follow."""


@dataclass(frozen=True)
class Trying:
    """`100 result=0 Trying...`: an interim line (GOSUB), the real reply follows."""

    text: str = ""


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _NeedData()
