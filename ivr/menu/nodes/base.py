"""What a node type is: one declaration that everything else derives from.

A node type module declares

- its dataclass (a subclass of `Node`), whose fields are the YAML keys, each
  made with one of the field makers below (`prompt()`, `target()`,
  `seconds()`, ...): the field's kind drives how validation checks it, how
  `build_menu` converts it and how the JSON schema describes it;
- its runner, a generator that yields actions (ivr.menu.actions) and returns
  `Go(target)` or `End(outcome)`;
- and a `NodeType`: the edges the interpreter follows (label and kind for
  `ivr graph`), whether the node itself ends the call, when a missing way out
  makes the interpreter hang up, type-specific checks, and its graph shape.

`ivr.menu.nodes` registers every type; the interpreter, `ivr validate`,
`ivr graph`, the menu graph (reachability, dead ends) and the JSON schema
read only the registry. docs/extending.md walks through adding one.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Generator, Iterable, Mapping, Protocol

from ..outcome import Outcome


class FieldKind(Enum):
    """What a node field holds; validation, conversion and the schema follow it."""

    PROMPT = "prompt"                    # a prompt name, {say: KIND, value: ...}, or a list of them
    TARGET = "target"                    # a node name (or back / repeat)
    SECONDS = "seconds"                  # a number of seconds, 0 < s <= MAX_TIMEOUT
    COUNT = "count"                      # a whole number in [low, high]
    DTMF = "dtmf"                        # a quoted string of DTMF digits
    DIGIT_TARGETS = "digit-targets"      # {"1": node, ...}: each pair is an edge
    DIGIT_LANGUAGES = "digit-languages"  # {"1": en, ...}: languages of menu.languages
    QUEUE = "queue"                      # a queue of queues.conf
    HOURS = "hours"                      # an entry of the top-level hours:
    TEXT = "text"                        # free text passed on as it is (Asterisk options, a class name)
    WAYS = "ways"                        # a list of names from `choices`


MAX_TIMEOUT = 60


def _field(kind: FieldKind, default: Any = dataclasses.MISSING, *, factory: Any = dataclasses.MISSING,
           required: bool = False, low: int = 0, high: int | None = None, wanted: str = "",
           choices: tuple[str, ...] = (), doc: str = "") -> Any:
    meta = {"kind": kind, "required": required, "low": low, "high": high, "wanted": wanted,
            "choices": choices, "doc": doc}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def prompt(*default: str, doc: str = "") -> Any:
    """Prompt items played in order (a tuple of str | Say)."""
    return _field(FieldKind.PROMPT, tuple(default), doc=doc)


def target(doc: str = "") -> Any:
    """The name of the node to go to ("" when not set)."""
    return _field(FieldKind.TARGET, "", doc=doc)


def seconds(default: float, doc: str = "") -> Any:
    return _field(FieldKind.SECONDS, float(default), doc=doc)


def count(default: int, low: int = 0, high: int | None = None, doc: str = "") -> Any:
    return _field(FieldKind.COUNT, default, low=low, high=high, doc=doc)


def dtmf(default: str, doc: str = "") -> Any:
    return _field(FieldKind.DTMF, default, doc=doc)


def digit_targets(required: bool = True, doc: str = "") -> Any:
    return _field(FieldKind.DIGIT_TARGETS, factory=dict, required=required, doc=doc)


def digit_languages(required: bool = True, doc: str = "") -> Any:
    return _field(FieldKind.DIGIT_LANGUAGES, factory=dict, required=required, doc=doc)


def queue(required: bool = True, doc: str = "") -> Any:
    return _field(FieldKind.QUEUE, "", required=required, doc=doc)


def hours(required: bool = False, doc: str = "") -> Any:
    return _field(FieldKind.HOURS, "", required=required, doc=doc)


def text(default: str = "", wanted: str = "a string", doc: str = "") -> Any:
    return _field(FieldKind.TEXT, default, wanted=wanted, doc=doc)


def ways(default: tuple[str, ...], choices: tuple[str, ...], doc: str = "") -> Any:
    return _field(FieldKind.WAYS, default, choices=choices, doc=doc)


@dataclass(frozen=True)
class Node:
    """Fields every node has. `next` and `on_failure` are accepted everywhere; a type
    that does not follow one gets a warning from `ivr validate` when it is set."""

    name: str
    type: str
    prompt: tuple = prompt()
    next: str = target()
    on_failure: str = target()


@dataclass(frozen=True)
class FieldSpec:
    """One YAML key of a node type, read from its dataclass field."""

    name: str
    kind: FieldKind
    default: Any
    required: bool
    low: int
    high: int | None
    wanted: str
    choices: tuple[str, ...]
    doc: str


@functools.cache
def field_specs(cls: type[Node]) -> tuple[FieldSpec, ...]:
    """The YAML keys of a node class, in declaration order (cached: classes do not change)."""
    out = []
    for f in dataclasses.fields(cls):
        if f.name in ("name", "type"):
            continue
        m = f.metadata
        if "kind" not in m:
            raise TypeError(f"{cls.__name__}.{f.name}: make node fields with ivr.menu.nodes.base's field makers")
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        out.append(FieldSpec(f.name, m["kind"], default, m["required"], m["low"], m["high"], m["wanted"],
                             m["choices"], m["doc"]))
    return tuple(out)


@functools.cache
def _fields_by_name(cls: type[Node]) -> dict[str, FieldSpec]:
    return {f.name: f for f in field_specs(cls)}


# --- edges -------------------------------------------------------------------------------------

class EdgeKind(Enum):
    DIGIT = "digit"      # a caller's choice (solid, labelled with the digits)
    NEXT = "next"        # the normal way on (plain)
    FAILURE = "failure"  # failure, timeout, closed hours (dashed)


@dataclass(frozen=True)
class Edge:
    target: str
    label: str
    kind: EdgeKind
    field: str           # the YAML key that names the target (options for digit edges)


@dataclass(frozen=True)
class Follow:
    """A target field the interpreter follows. With `labels_from`, one edge per
    pair of that mapping field, labelled "digit: value" (a language choice)."""

    field: str
    label: str = ""
    kind: EdgeKind = EdgeKind.NEXT
    labels_from: str = ""


class NodeView(Protocol):
    """A node's fields seen the same way whether built (ivr.menu.model) or still YAML (ivr validate)."""

    def text(self, name: str) -> str | None:
        """The field's value when it is a non-empty string, else None."""

    def pairs(self, name: str) -> list[tuple[str, str]]:
        """A mapping field's (key, value) texts; pairs that are not both strings are left out."""

    def has(self, name: str) -> bool:
        """The field is given (and, on a built node, not empty)."""

    def scalar(self, name: str) -> Any:
        """A scalar field's value as YAML reads it (None when missing or not a scalar)."""


# --- the runner's results ------------------------------------------------------------------------

@dataclass(frozen=True)
class Go:
    """Go on to `target` (a node, back or repeat), with digits typed ahead."""

    target: str
    pending: str = ""


@dataclass(frozen=True)
class End:
    """The call's walk ends here."""

    outcome: Outcome


Runner = Callable[..., Generator[object, object, "Go | End"]]


# --- the declaration -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NodeType:
    """Everything the engine knows about one node type.

    `dead_end(view)` returns the warning to give when the interpreter hangs up at
    such a node for lack of a way out, or None; `checks` are extra rules, each
    yielding (field, message) for `ivr validate` to report at that field.
    """

    name: str
    node: type[Node]
    run: Runner
    shape: str                                       # graphviz node shape
    doc: str
    follows: tuple[Follow, ...] = ()
    terminal: bool = False                           # the node itself can end the call
    dead_end: Callable[[NodeView], str | None] = lambda view: None
    remembered: bool = False                         # back and repeat return to nodes of this type
    checks: tuple[Callable[[NodeView], Iterable[tuple[str, str]]], ...] = ()
    # The prompt fields a built node can play (all of them unless the type says otherwise).
    plays: Callable[[Node], tuple[str, ...]] | None = None

    def prompts_played(self, node: Node) -> tuple[str, ...]:
        """Names of the prompt fields this node can play (what `ivr prompts check` needs recorded)."""
        return self.plays(node) if self.plays else self.fields_of(FieldKind.PROMPT)

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return field_specs(self.node)

    def field(self, name: str) -> FieldSpec | None:
        return _fields_by_name(self.node).get(name)

    def fields_of(self, kind: FieldKind) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.kind is kind)

    def edges(self, view: NodeView) -> list[Edge]:
        """Every way out the interpreter can take, in declaration order."""
        out: list[Edge] = []
        for name in self.fields_of(FieldKind.DIGIT_TARGETS):
            out += [Edge(t, d, EdgeKind.DIGIT, name) for d, t in view.pairs(name)]
        for follow in self.follows:
            tgt = view.text(follow.field)
            if not tgt:
                continue
            pairs = view.pairs(follow.labels_from) if follow.labels_from else []
            if pairs:
                out += [Edge(tgt, f"{d}: {v}", EdgeKind.DIGIT, follow.field) for d, v in pairs]
            else:
                out.append(Edge(tgt, follow.label, follow.kind, follow.field))
        return out

    def ends_call(self, view: NodeView) -> bool:
        """The call can end at this node: it is terminal, or a way out is missing."""
        return self.terminal or self.dead_end(view) is not None


def no_next(type_name: str) -> Callable[[NodeView], str | None]:
    """The dead end of a node that goes on by `next` alone."""
    def dead_end(view: NodeView) -> str | None:
        if view.text("next"):
            return None
        return f"no next: the call is hung up after this {type_name} node; set next (or go to a hangup node)"
    return dead_end


class BuiltView:
    """NodeView of a built node."""

    def __init__(self, node: Node):
        self.node = node

    def text(self, name: str) -> str | None:
        value = getattr(self.node, name, None)
        return value if isinstance(value, str) and value else None

    def pairs(self, name: str) -> list[tuple[str, str]]:
        value = getattr(self.node, name, None)
        return list(value.items()) if isinstance(value, Mapping) else []

    def has(self, name: str) -> bool:
        return bool(getattr(self.node, name, None))

    def scalar(self, name: str) -> Any:
        return getattr(self.node, name, None)
