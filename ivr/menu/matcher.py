"""Match the digits typed so far against a menu's options (after adhearsion's
menu_dsl): found, found-but-a-longer-key-is-possible, need more, invalid."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Mapping


class MatchKind(str, Enum):
    FOUND = "found"          # an option, and no longer key starts with these digits
    AMBIGUOUS = "ambiguous"  # an option, but a longer key is possible: wait for another digit
    MORE = "more"            # no option yet, a longer key is possible
    INVALID = "invalid"      # no option can match

    @property
    def matched(self) -> bool:
        return self in (MatchKind.FOUND, MatchKind.AMBIGUOUS)

    @property
    def may_grow(self) -> bool:
        return self in (MatchKind.AMBIGUOUS, MatchKind.MORE)


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    target: str = ""   # the option's node when kind.matched


def match(options: Mapping[str, str], digits: str, ended: bool = False) -> Match:
    """`1` with options {1, 12} is ambiguous: wait the inter-digit timeout. `ended`: the
    caller pressed a terminator (`1#`): no longer key can follow, so `1` is found."""
    longer = not ended and any(key != digits and key.startswith(digits) for key in options)
    if digits in options:
        return Match(MatchKind.AMBIGUOUS if longer else MatchKind.FOUND, options[digits])
    return Match(MatchKind.MORE) if longer else Match(MatchKind.INVALID)
