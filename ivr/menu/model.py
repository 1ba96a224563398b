"""The menu as typed, frozen data, built from config.yaml's `menu:` and `hours:`.

`ivr.menu.validate` reports every problem with its line first; `build_menu`
assumes a valid document and raises ConfigError on the first thing it
cannot use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ConfigError
from .hours import Hours, parse_hours
from .items import Say, parse_prompt
from .nodes import REGISTRY, FieldKind, Node

__all__ = ["BACK", "REPEAT", "SPECIAL_TARGETS", "prompt_fields", "Menu", "Say", "build_menu", "build_node"]

BACK, REPEAT = "back", "repeat"
SPECIAL_TARGETS = (BACK, REPEAT)

PromptItem = "str | Say"


@dataclass(frozen=True)
class Menu:
    entry: str
    languages: tuple[str, ...]
    nodes: Mapping[str, Node]
    hours: Mapping[str, Hours]
    version: str  # a short hash of the menu's source: which version a call ran on
    office_hours: str = ""  # the hours entry whose time zone is this menu's day (a hotline's `hours:`)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def office(self) -> Hours | None:
        """The office's hours: the hotline's `hours:` entry, else the first; None without hours."""
        return self.hours.get(self.office_hours) or next(iter(self.hours.values()), None)

    @property
    def timezone(self) -> str:
        """The office's IANA zone: its day is the day of prices in force and due dates
        (the hotline's hours', else the first hours entry's; UTC for a menu without hours)."""
        return self.office.timezone if self.office is not None else "UTC"


def prompt_fields(node: Node) -> tuple[str, ...]:
    """The prompt fields of a node's type: prompts a new type gains are checked and listed too."""
    return REGISTRY[node.type].fields_of(FieldKind.PROMPT)

_CONVERT = {
    FieldKind.PROMPT: parse_prompt,
    FieldKind.DIGIT_TARGETS: lambda v: {str(k): str(t) for k, t in v.items()} if isinstance(v, dict) else v,
    FieldKind.DIGIT_LANGUAGES: lambda v: {str(k): str(t) for k, t in v.items()} if isinstance(v, dict) else v,
    FieldKind.WAYS: lambda v: tuple(v) if isinstance(v, list) else (str(v),),
    FieldKind.SECONDS: float,
}


def build_node(name: str, spec: Mapping[str, Any]) -> Node:
    """The node of one menu.nodes entry, its values converted by their field kinds."""
    kind = spec.get("type")
    node_type = REGISTRY.get(kind)  # type: ignore[arg-type]
    if node_type is None:
        raise ConfigError(f"menu.nodes.{name}: unknown type {kind!r}")
    kwargs: dict[str, Any] = {"name": name, "type": kind}
    for key, value in spec.items():
        if key == "type":
            continue
        fspec = node_type.field(key)
        if fspec is None:
            raise ConfigError(f"menu.nodes.{name}: unknown key {key!r}")
        convert = _CONVERT.get(fspec.kind)
        kwargs[key] = convert(value) if convert else value
    return node_type.node(**kwargs)


def build_menu(doc: Mapping[str, Any], where: str = "", timezone_of: str = "") -> Menu:
    """The Menu of a parsed config document; `timezone_of` names the hours entry
    whose time zone is the menu's day."""
    menu = doc.get("menu")
    if not isinstance(menu, dict):
        raise ConfigError("no 'menu' mapping", where)
    nodes_spec = menu.get("nodes") or {}
    nodes = {str(n): build_node(str(n), spec or {}) for n, spec in nodes_spec.items()}
    entry = str(menu.get("entry", ""))
    if entry not in nodes:
        raise ConfigError(f"menu.entry {entry!r} is not a node", where)
    languages = tuple(str(x) for x in (menu.get("languages") or ["en"]))
    hours = {str(n): parse_hours(str(n), spec or {}, where) for n, spec in (doc.get("hours") or {}).items()}
    source = json.dumps({"menu": menu, "hours": doc.get("hours")}, sort_keys=True, default=str)
    version = hashlib.sha256(source.encode()).hexdigest()[:12]
    return Menu(entry, languages, nodes, hours, version, timezone_of)
