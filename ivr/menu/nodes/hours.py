"""`hours`: branch on open hours (the hotline's local time)."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Note
from ..outcome import StepKind
from ..runtime import is_open
from .base import EdgeKind, Follow, Go, Node, NodeType, NodeView, hours, target


@dataclass(frozen=True)
class HoursNode(Node):
    hours: str = hours(required=True, doc="an entry of the top-level hours:")
    open: str = target(doc="where to go when open")
    closed: str = target(doc="where to go when closed")


def run(menu, node: HoursNode, ctx, pending: str):
    now_open = is_open(menu, node.hours, ctx)
    yield Note(node.name, StepKind.HOURS, {"hours": node.hours, "open": now_open})
    return Go(node.open if now_open else node.closed, pending)


def _dead_end(view: NodeView) -> str | None:
    missing = " and ".join(f for f in ("open", "closed") if not view.text(f))
    return f"no {missing}: the call is hung up there; set {missing}" if missing else None


TYPE = NodeType(name="hours", node=HoursNode, run=run, shape="diamond",
                doc="Goes to open or closed by the named hours.",
                follows=(Follow("open", "open"), Follow("closed", "closed", EdgeKind.FAILURE)),
                dead_end=_dead_end)
