"""Match the digits typed so far against a menu's options (after adhearsion's
menu_dsl): found, found-but-a-longer-key-is-possible, need more, invalid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Match:
    kind: str          # "found" | "ambiguous" | "more" | "invalid"
    target: str = ""   # the option's node for found/ambiguous


def match(options: Mapping[str, str], digits: str) -> Match:
    """`1` with options {1, 12} is ambiguous: wait the inter-digit timeout."""
    longer = any(key != digits and key.startswith(digits) for key in options)
    if digits in options:
        return Match("ambiguous" if longer else "found", options[digits])
    return Match("more") if longer else Match("invalid")
