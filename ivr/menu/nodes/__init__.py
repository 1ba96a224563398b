"""The registry of node types: one module per type, each declaring a NodeType.

To add a type, write its module (see docs/extending.md) and list it here;
nothing else in the engine names node types.
"""

from __future__ import annotations

from . import callback, consent, goto, hangup, hours, identify, language, menu, play, queue
from .base import BuiltView, Edge, EdgeKind, End, FieldKind, FieldSpec, Go, Node, NodeType, NodeView

REGISTRY: dict[str, NodeType] = {}
BY_CLASS: dict[type, NodeType] = {}


def register(node_type: NodeType) -> NodeType:
    """Add a node type; its name becomes a `type:` of the menu YAML."""
    if node_type.name in REGISTRY:
        raise ValueError(f"node type {node_type.name!r} is registered twice")
    REGISTRY[node_type.name] = node_type
    BY_CLASS[node_type.node] = node_type
    return node_type


for _module in (menu, play, identify, consent, callback, queue, hours, language, hangup, goto):
    register(_module.TYPE)


def type_of(node: Node) -> NodeType:
    return BY_CLASS[type(node)]


__all__ = ["REGISTRY", "BY_CLASS", "register", "type_of", "BuiltView", "Edge", "EdgeKind", "End", "FieldKind",
           "FieldSpec", "Go", "Node", "NodeType", "NodeView"]
