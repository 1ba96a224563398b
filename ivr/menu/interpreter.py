"""The menu interpreter: walks nodes, yields actions, never does I/O.

`walk(menu, ctx)` is a generator: the driver (ivr.menu.session) sends each
action's answer back in. Each node is run by its type's runner
(ivr.menu.nodes), which returns `Go(target, pending)` or `End(outcome)`;
`back` and `repeat` are resolved here against the remembered nodes (menus)
the caller came through.

A digit pressed during a node that plays (type-ahead) travels as `pending`
to the next node: the caller who knows the menu is never made to wait.
"""

from __future__ import annotations

from typing import Generator

from .actions import Hangup, Note
from .model import BACK, REPEAT, Menu
from .nodes import End, Node, type_of
from .outcome import HANGUP, Outcome, OutcomeKind, StepKind
from .runtime import CallContext, tariff_prompt, unit_prompt

__all__ = ["CallContext", "Walk", "walk", "tariff_prompt", "unit_prompt", "MAX_NODE_VISITS"]

MAX_NODE_VISITS = 200  # a loop no caller can leave ends the call instead of running forever

Walk = Generator[object, object, Outcome]


def walk(menu: Menu, ctx: CallContext) -> Walk:
    """Run the menu from its entry; return the outcome."""
    name: str = menu.entry
    pending = ""  # digits typed ahead during a play node
    for _ in range(MAX_NODE_VISITS):
        node = menu.nodes[name]
        yield Note(name, StepKind.ENTER, {"type": node.type})
        result = yield from type_of(node).run(menu, node, ctx, pending)
        if isinstance(result, End):
            return result.outcome
        pending = result.pending
        name = _resolve(result.target, name, node, ctx)
        if name == "":
            yield Hangup(node.name)
            return HANGUP
    yield Note(name, StepKind.LOOP, {"visits": MAX_NODE_VISITS})
    yield Hangup(name)
    return Outcome(OutcomeKind.LOOP)


def _resolve(target: str, current: str, node: Node, ctx: CallContext) -> str:
    remembered = type_of(node).remembered
    if remembered and (not ctx.history or ctx.history[-1] != current):
        ctx.history.append(current)
    if target == REPEAT:
        return current if remembered else (ctx.history[-1] if ctx.history else current)
    if target == BACK:
        # The remembered node before the one we are in (or the current one if none).
        if ctx.history and ctx.history[-1] == current:
            ctx.history.pop()
        return ctx.history.pop() if ctx.history else current
    return target
