"""Called numbers to hotlines: exact numbers and Asterisk extension patterns.

Pattern syntax is the dialplan's (Asterisk's pbx.c, "Pattern matching"):
a pattern starts with `_`; then `X` is any digit 0-9, `Z` 1-9, `N` 2-9,
`[1-3a]` one character of a set (ranges allowed), `.` one or more of
anything, `!` zero or more; every other character stands for itself.

When several match, the most specific wins as in Asterisk: an exact number
first; then, position by position, the pattern whose character there
matches fewer possibilities (a literal before N before X before `.`);
a tie keeps the order of the config.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import ConfigError

_SETS = {"X": "0123456789", "Z": "123456789", "N": "23456789"}


@dataclass(frozen=True)
class NumberPattern:
    """An exact number, or an Asterisk pattern (`_0801XXXXXX`)."""

    text: str

    @property
    def is_pattern(self) -> bool:
        return self.text.startswith("_")

    def __post_init__(self) -> None:
        if not self.text:
            raise ConfigError("a hotline number is empty")
        if self.is_pattern:
            _compile(self.text)   # raises ConfigError naming the problem
        elif not re.fullmatch(r"[0-9*#+A-Za-z-]+", self.text):
            raise ConfigError(f"{self.text!r} is not a number or a pattern (_0801XXXXXX)")
        elif re.fullmatch(r"[0-9+]*[0-9][XNZxnz]+[0-9XNZxnz]*", self.text):
            # Without its leading _ Asterisk reads 0680XXXXXX as those ten characters: no call matches.
            raise ConfigError(f"{self.text!r} is a pattern without its leading _: write _{self.text}")

    def matches(self, called: str) -> bool:
        if not self.is_pattern:
            return called == self.text
        return _compile(self.text)[0].fullmatch(called) is not None

    def specificity(self) -> tuple:
        """Sort key: smaller is more specific (Asterisk's ordering of patterns)."""
        if not self.is_pattern:
            return (0,)
        return (1, *_compile(self.text)[1])


def _compile(pattern: str) -> tuple[re.Pattern, tuple[int, ...]]:
    """The regex of a pattern and how many characters each position admits."""
    body = pattern[1:]
    parts, sizes, i = [], [], 0
    while i < len(body):
        ch = body[i]
        if ch in _SETS:
            parts.append(f"[{_SETS[ch]}]")
            sizes.append(len(_SETS[ch]))
        elif ch == "[":
            end = body.find("]", i)
            if end < 0:
                raise ConfigError(f"pattern {pattern!r}: [ without ]")
            chars = _expand_set(pattern, body[i + 1:end])
            parts.append("[" + re.escape("".join(chars)) + "]")
            sizes.append(len(chars))
            i = end
        elif ch == ".":
            parts.append(".+")
            sizes.append(1000)
        elif ch == "!":
            parts.append(".*")
            sizes.append(1001)
        else:
            parts.append(re.escape(ch))
            sizes.append(1)
        i += 1
    return re.compile("".join(parts)), tuple(sizes)


def _expand_set(pattern: str, inside: str) -> list[str]:
    out, i = [], 0
    while i < len(inside):
        if i + 2 < len(inside) and inside[i + 1] == "-":
            lo, hi = inside[i], inside[i + 2]
            if lo > hi:
                raise ConfigError(f"pattern {pattern!r}: range {lo}-{hi} runs backwards")
            out += [chr(c) for c in range(ord(lo), ord(hi) + 1)]
            i += 3
        else:
            out.append(inside[i])
            i += 1
    if not out:
        raise ConfigError(f"pattern {pattern!r}: an empty []")
    return sorted(set(out))


def best_match(called: str, numbers: list[tuple[NumberPattern, str]]) -> str | None:
    """The hotline whose number or pattern matches `called` most specifically, or None."""
    found = [(p.specificity(), i, name) for i, (p, name) in enumerate(numbers) if p.matches(called)]
    return min(found)[2] if found else None
