"""`goto`: jump to `next`; lets admins name a shared destination."""

from __future__ import annotations

from dataclasses import dataclass

from .base import Follow, Go, Node, NodeType, no_next


@dataclass(frozen=True)
class GotoNode(Node):
    pass


def run(menu, node: GotoNode, ctx, pending: str):
    return Go(node.next, pending)
    yield  # pragma: no cover - keeps this a generator


TYPE = NodeType(name="goto", node=GotoNode, run=run, shape="point", doc="Goes to next at once.",
                follows=(Follow("next"),), dead_end=no_next("goto"))
