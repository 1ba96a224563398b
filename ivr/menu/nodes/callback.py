"""`callback`: store a request to be called back by `queue`'s team, then play
the prompt and go on. The request is stored first, so a caller hanging up
during the confirmation is still called."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Hangup, Note, Play, RequestCallback
from ..outcome import Outcome, OutcomeKind, StepKind
from .base import End, Follow, Go, Node, NodeType, queue

CALLBACK = Outcome(OutcomeKind.CALLBACK)


@dataclass(frozen=True)
class CallbackNode(Node):
    queue: str = queue(doc="the queue whose agents call back")


def run(menu, node: CallbackNode, ctx, pending: str):
    if not ctx.caller_id.strip():
        # No number to call: promising a call back would be a lie.
        yield Note(node.name, StepKind.CALLBACK, {"queue": node.queue, "stored": False, "reason": "no caller id"})
    else:
        request = yield RequestCallback(node.name, node.queue, ctx.caller_id, ctx.account_number, ctx.language)
        yield Note(node.name, StepKind.CALLBACK, {"queue": node.queue, "stored": request is not None})
        if node.prompt:
            yield Play(node.name, node.prompt, "")
    if not node.next:
        yield Hangup(node.name)
        return End(CALLBACK)
    return Go(node.next)


TYPE = NodeType(name="callback", node=CallbackNode, run=run, shape="component", terminal=True,
                doc="Stores a request to be called back, confirms it, and goes on (or hangs up).",
                follows=(Follow("next"),))
