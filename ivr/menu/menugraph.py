"""One graph of a menu: its edges, what the entry reaches, where a call can end.

`ivr validate` builds it from the YAML (node types may be unknown, targets
missing) and `ivr graph` from the built Menu; both see the same edges, those
the interpreter follows, as each node type declares them (ivr.menu.nodes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .model import REPEAT, SPECIAL_TARGETS, Menu
from .nodes import REGISTRY, BuiltView, Edge, EdgeKind, FieldKind, NodeType, NodeView

def any_fields(kind: FieldKind) -> tuple[str, ...]:
    """The fields of this kind in any registered type (what a node of unknown type may hold)."""
    return tuple(dict.fromkeys(f for t in REGISTRY.values() for f in t.fields_of(kind)))


def node_edges(node_type: NodeType | None, view: NodeView) -> list[Edge]:
    """The edges of one node; for an unknown type, every place it names a node."""
    if node_type is not None:
        return node_type.edges(view)
    out = [Edge(t, d, EdgeKind.DIGIT, f) for f in any_fields(FieldKind.DIGIT_TARGETS) for d, t in view.pairs(f)]
    return out + [Edge(t, "", EdgeKind.NEXT, f) for f in any_fields(FieldKind.TARGET) if (t := view.text(f))]


@dataclass
class MenuGraph:
    """Edges per node (in file order), followed edges between defined nodes, and the
    nodes where a call can end.

    back/repeat return to a menu the caller came through, which a static graph
    cannot know: they count as a way out (repeat on a remembered node loops to
    itself). An undefined target counts as a way out too: it is an error of its own.
    """

    entry: str
    edges: dict[str, list[Edge]]
    succ: dict[str, list[str]]
    exits: set[str]

    @classmethod
    def build(cls, entry: str, nodes: Mapping[str, tuple[NodeType | None, NodeView]]) -> MenuGraph:
        edges: dict[str, list[Edge]] = {}
        succ: dict[str, list[str]] = {name: [] for name in nodes}
        exits: set[str] = set()
        for name, (node_type, view) in nodes.items():
            edges[name] = node_edges(node_type, view)
            if node_type is None or node_type.ends_call(view):
                exits.add(name)  # an unknown type is already an error: don't pile loop errors on it
            for edge in edges[name]:
                if edge.target == REPEAT and node_type is not None and node_type.remembered:
                    succ[name].append(name)
                elif edge.target in SPECIAL_TARGETS or edge.target not in nodes:
                    exits.add(name)
                else:
                    succ[name].append(edge.target)
        return cls(entry, edges, succ, exits)

    @classmethod
    def of_menu(cls, menu: Menu) -> MenuGraph:
        return cls.build(menu.entry, {name: (REGISTRY[node.type], BuiltView(node))
                                      for name, node in menu.nodes.items()})

    def reachable(self, start: str | None = None) -> set[str]:
        """Nodes a call can get to from `start` (the entry)."""
        start = self.entry if start is None else start
        if start not in self.succ:
            return set()
        seen, todo = {start}, [start]
        while todo:
            for nxt in self.succ[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def can_exit(self) -> set[str]:
        """Nodes from which some path reaches a node where the call ends."""
        pred: dict[str, list[str]] = {name: [] for name in self.succ}
        for name, targets in self.succ.items():
            for t in targets:
                pred[t].append(name)
        seen, todo = set(self.exits), list(self.exits)
        while todo:
            for p in pred[todo.pop()]:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    def stuck(self) -> list[list[str]]:
        """Groups of connected reachable nodes from which no path ends the call, each in file order."""
        stuck = self.reachable() - self.can_exit()
        order = {name: i for i, name in enumerate(self.succ)}
        neighbours: dict[str, set[str]] = {name: set() for name in stuck}
        for name in stuck:
            for t in self.succ[name]:
                if t in stuck:
                    neighbours[name].add(t)
                    neighbours[t].add(name)
        groups, done = [], set()
        for name in sorted(stuck, key=order.__getitem__):
            if name in done:
                continue
            group, todo = {name}, [name]
            while todo:
                for n in neighbours[todo.pop()]:
                    if n not in group:
                        group.add(n)
                        todo.append(n)
            done |= group
            groups.append(sorted(group, key=order.__getitem__))
        return groups
