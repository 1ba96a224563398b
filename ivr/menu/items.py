"""Prompt items: a prompt name, or a value spoken in fragments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Say:
    """A value spoken in fragments: {say: money, value: account.balance}."""

    kind: str
    value: str = ""


def parse_prompt(value: Any) -> tuple:
    """A prompt field as YAML gives it (a name, a {say:} mapping, or a list) -> tuple of str | Say."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out: list = []
    for item in items:
        if isinstance(item, dict) and "say" in item:
            out.append(Say(str(item["say"]), str(item.get("value", ""))))
        else:
            out.append(str(item))
    return tuple(out)
