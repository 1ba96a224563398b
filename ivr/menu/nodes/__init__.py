"""The registry of node types: one module per type, each declaring `TYPE`, a NodeType.

Every module of this package but `base` is a node type, found and registered
at import: adding a type is adding its module (see docs/extending.md);
nothing else in the engine names node types.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from typing import Iterator

from .base import BuiltView, Edge, EdgeKind, End, FieldKind, FieldSpec, Go, Node, NodeType, NodeView

# The built-in types in the order `ivr validate` lists them; any other module follows by name.
_LISTED_FIRST = ("menu", "play", "identify", "consent", "callback", "queue", "hours", "language", "hangup", "goto")

REGISTRY: dict[str, NodeType] = {}
_BY_CLASS: dict[type, NodeType] = {}


def register(node_type: NodeType) -> NodeType:
    """Add a node type; its name becomes a `type:` of the menu YAML.

    Raises ValueError if the name is taken or a field is not made with a field maker."""
    if node_type.name in REGISTRY:
        raise ValueError(f"node type {node_type.name!r} is registered twice")
    node_type.fields  # raises TypeError for a field made without a field maker
    REGISTRY[node_type.name] = node_type
    _BY_CLASS[node_type.node] = node_type
    return node_type


@contextlib.contextmanager
def registered(node_type: NodeType) -> Iterator[NodeType]:
    """A node type registered for the `with` block only (tests, docs' examples)."""
    register(node_type)
    try:
        yield node_type
    finally:
        del REGISTRY[node_type.name], _BY_CLASS[node_type.node]


def type_of(node: Node) -> NodeType:
    """The NodeType of a built node."""
    return _BY_CLASS[type(node)]


def _discover() -> None:
    names = [m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"]
    order = sorted(names, key=lambda n: (_LISTED_FIRST.index(n) if n in _LISTED_FIRST else len(_LISTED_FIRST), n))
    for name in order:
        register(importlib.import_module(f"{__name__}.{name}").TYPE)


_discover()

__all__ = ["REGISTRY", "register", "registered", "type_of", "BuiltView", "Edge", "EdgeKind", "End", "FieldKind",
           "FieldSpec", "Go", "Node", "NodeType", "NodeView"]
