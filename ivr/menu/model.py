"""The menu as typed, frozen data, built from config.yaml's `menu:` and `hours:`.

`ivr.menu.validate` reports every problem with its line first; `build_menu`
assumes a valid document and raises ConfigError on the first thing it
cannot use.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import ConfigError
from .hours import Hours, parse_hours

BACK, REPEAT = "back", "repeat"
SPECIAL_TARGETS = (BACK, REPEAT)


@dataclass(frozen=True)
class Say:
    """A value spoken in fragments: {say: money, value: account.balance}."""

    kind: str
    value: str = ""


PromptItem = "str | Say"


@dataclass(frozen=True)
class Node:
    name: str
    type: str
    prompt: tuple = ()
    next: str = ""
    on_failure: str = ""


@dataclass(frozen=True)
class MenuNode(Node):
    options: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 5.0
    inter_digit_timeout: float = 2.0
    retries: int = 3
    invalid: tuple = ()
    no_input: tuple = ()


@dataclass(frozen=True)
class PlayNode(Node):
    pass


@dataclass(frozen=True)
class IdentifyNode(Node):
    by: tuple[str, ...] = ("caller_id", "account_pin")
    attempts: int = 3
    account_prompt: tuple = ("enter-account-number",)
    pin_prompt: tuple = ("enter-pin",)
    failed_prompt: tuple = ("identify-failed",)
    timeout: float = 8.0


@dataclass(frozen=True)
class ConsentNode(Node):
    accept: str = "1"
    decline: str = "2"
    timeout: float = 5.0


@dataclass(frozen=True)
class QueueNode(Node):
    queue: str = ""
    hours: str = ""
    on_closed: str = ""
    max_wait: int = 0
    on_timeout: str = ""
    on_full: str = ""
    on_empty: str = ""
    options: str = ""        # Queue() options as Asterisk spells them, e.g. "t" or "r"
    music_class: str = ""    # musiconhold.conf class while waiting (CHANNEL(musicclass))
    priority: int = 0        # QUEUE_PRIO: higher is answered first


@dataclass(frozen=True)
class CallbackNode(Node):
    """Store a request to be called back by `queue`'s team, then play prompt and go on."""

    queue: str = ""


@dataclass(frozen=True)
class HoursNode(Node):
    hours: str = ""
    open: str = ""
    closed: str = ""


@dataclass(frozen=True)
class LanguageNode(Node):
    options: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 5.0


@dataclass(frozen=True)
class HangupNode(Node):
    pass


@dataclass(frozen=True)
class GotoNode(Node):
    """Jump to `next`; lets admins name a shared destination."""


NODE_TYPES: dict[str, type[Node]] = {
    "menu": MenuNode, "play": PlayNode, "identify": IdentifyNode, "consent": ConsentNode, "callback": CallbackNode,
    "queue": QueueNode, "hours": HoursNode, "language": LanguageNode, "hangup": HangupNode,
    "goto": GotoNode,
}


@dataclass(frozen=True)
class Menu:
    entry: str
    languages: tuple[str, ...]
    nodes: Mapping[str, Node]
    hours: Mapping[str, Hours]
    version: str  # a short hash of the menu's source: which version a call ran on

    @property
    def default_language(self) -> str:
        return self.languages[0]


def _prompt(value: Any) -> tuple:
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


PROMPT_FIELDS = ("prompt", "invalid", "no_input", "account_prompt", "pin_prompt", "failed_prompt")
_FLOAT_FIELDS = ("timeout", "inter_digit_timeout")
_PLAIN = {"name", "type"}


def build_node(name: str, spec: Mapping[str, Any]) -> Node:
    kind = spec.get("type")
    cls = NODE_TYPES.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise ConfigError(f"menu.nodes.{name}: unknown type {kind!r}")
    kwargs: dict[str, Any] = {"name": name, "type": kind}
    allowed = set(cls.__dataclass_fields__) - _PLAIN
    for key, value in spec.items():
        if key == "type":
            continue
        if key not in allowed:
            raise ConfigError(f"menu.nodes.{name}: unknown key {key!r}")
        if key in PROMPT_FIELDS:
            value = _prompt(value)
        elif key == "options" and isinstance(value, dict):
            value = {str(k): str(v) for k, v in value.items()}
        elif key == "by":
            value = tuple(value) if isinstance(value, list) else (str(value),)
        elif key in _FLOAT_FIELDS:
            value = float(value)
        kwargs[key] = value
    return cls(**kwargs)


def build_menu(doc: Mapping[str, Any], where: str = "") -> Menu:
    """The Menu of a parsed config document."""
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
    return Menu(entry, languages, nodes, hours, version)
