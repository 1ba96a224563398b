"""Bounds on a YAML document before anything builds it: how deep it nests and
how many nodes its aliases expand to.

PyYAML composes and constructs recursively, so 10,000 `[` or 3,000 block
levels end in a RecursionError; and aliases are references, so a few lines
of `&a [*b, *b, ...]` ("billion laughs") stand for billions of nodes that
anything walking the tree (a merge key, json.dumps, a validator) expands.
`check_yaml` reads the parser's events once, without recursion, before the
document is composed, and refuses either as a ConfigError at the line and
column where the limit was passed. `ivr validate` (ivr/menu/validate.py)
and `ivr.config.load_settings` both call it, so no command composes what it
refuses.

A syntax error is not reported here: the caller's own parse reports it, with
the messages it documents.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (CollectionEndEvent, CollectionStartEvent, DocumentStartEvent, NodeEvent,
                         ScalarEvent)

from .errors import ConfigError

# No config nests lists and mappings 100 deep; PyYAML's recursion stays far from Python's limit.
MAX_DEPTH = 100
# What aliases may add to a document, counted as nodes after expansion: reusing a block of
# defaults (`<<: *defaults`) on thousands of nodes stays well under it, a YAML bomb passes it
# within a few of its lines.
MAX_ALIAS_NODES = 1_000_000

_LOADER: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


def check_yaml(text: str, path: str = "") -> None:
    """Raise ConfigError(message, path, line, col) when the document nests deeper than
    MAX_DEPTH (aliases included) or its aliases expand to more than MAX_ALIAS_NODES nodes."""
    # One entry per open collection: [nodes inside so far, deepest child, anchor].
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[int, int] | None] = {}  # anchor -> (nodes, depth); None while still open
    added = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, DocumentStartEvent):
                anchors.clear()
            if not isinstance(event, (NodeEvent, CollectionEndEvent)):
                continue
            if isinstance(event, CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    _refuse(event, path, f"nesting too deep: more than {MAX_DEPTH} levels of lists and mappings")
                if event.anchor:
                    anchors[event.anchor] = None
                stack.append([1, 0, event.anchor])
                continue
            if isinstance(event, CollectionEndEvent):
                size, below, anchor = stack.pop()
                node = (size, below + 1)
                if anchor:
                    anchors[anchor] = node
            elif isinstance(event, ScalarEvent):
                node = (1, 0)
                if event.anchor:
                    anchors[event.anchor] = node
            else:  # an alias
                known = anchors.get(event.anchor)
                if event.anchor in anchors and known is None:
                    _refuse(event, path, f"alias *{event.anchor} is inside the node it names: "
                                         "a structure that contains itself has no end")
                node = known or (1, 0)  # an undefined alias: the composer reports it
                if len(stack) + node[1] > MAX_DEPTH:
                    _refuse(event, path, f"nesting too deep: alias *{event.anchor} nests more than "
                                         f"{MAX_DEPTH} levels of lists and mappings")
                added += node[0]
                if added > MAX_ALIAS_NODES:
                    _refuse(event, path, f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes "
                                         f"(at *{event.anchor}); is this a YAML bomb? Write the values out")
            if stack:
                stack[-1][0] += node[0]
                stack[-1][1] = max(stack[-1][1], node[1])
    except yaml.MarkedYAMLError as exc:
        # libyaml stops at 1,000 levels itself; any other syntax error is the parser's to report.
        if "maximum nesting depth" in str(exc.problem):
            mark = exc.problem_mark
            raise ConfigError(f"nesting too deep: more than {MAX_DEPTH} levels of lists and mappings", path,
                              mark.line + 1 if mark else 1, mark.column + 1 if mark else 1) from None
    except yaml.YAMLError:
        pass


def _refuse(event, path: str, message: str):
    mark = event.start_mark
    raise ConfigError(message, path, mark.line + 1, mark.column + 1)
