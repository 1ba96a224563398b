"""`queue`: hand the caller to an agent queue (Queue()), within its hours.

Queue() returns when the caller leaves without an agent: its QUEUESTATUS
(app_queue.c: TIMEOUT, FULL, JOINEMPTY, LEAVEEMPTY, JOINUNAVAIL, LEAVEUNAVAIL)
picks the way on; with no way on the call ends as handed to the queue."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Hangup, Note, QueueCall, SetVar
from ..outcome import Outcome, OutcomeKind, StepKind
from ..runtime import is_open
from .base import EdgeKind, End, Follow, Go, Node, NodeType, count, hours, queue, target, text

CLOSED = Outcome(OutcomeKind.CLOSED)


@dataclass(frozen=True)
class QueueNode(Node):
    queue: str = queue(doc="the queue of queues.conf")
    hours: str = hours(doc="open hours; outside them go to on_closed")
    on_closed: str = target()
    max_wait: int = count(0, doc="seconds in the queue before on_timeout (0: no limit)")
    on_timeout: str = target()
    on_full: str = target()
    on_empty: str = target()
    options: str = text(wanted="Asterisk Queue() options, e.g. t", doc="Queue() options as Asterisk spells them")
    music_class: str = text(wanted="a musiconhold.conf class", doc="music on hold while waiting")
    priority: int = count(0, doc="QUEUE_PRIO: higher is answered first")


def run(menu, node: QueueNode, ctx, pending: str):
    if not is_open(menu, node.hours, ctx):
        yield Note(node.name, StepKind.CLOSED, {"hours": node.hours})
        if node.on_closed:
            return Go(node.on_closed)
        yield Hangup(node.name)
        return End(CLOSED)
    outcome = Outcome.to_queue(node.queue)
    yield SetVar(node.name, "IVR_LANGUAGE", ctx.language)
    yield SetVar(node.name, "IVR_PATH", ">".join(ctx.history + [node.name]))
    yield SetVar(node.name, "IVR_CONSENT", {True: "yes", False: "no", None: ""}[ctx.consent])
    yield SetVar(node.name, "IVR_ACCOUNT", ctx.account_number)
    if node.music_class:
        yield SetVar(node.name, "CHANNEL(musicclass)", node.music_class)
    if node.priority:
        yield SetVar(node.name, "QUEUE_PRIO", str(node.priority))
    yield SetVar(node.name, "IVR_OUTCOME", str(outcome))
    status = yield QueueCall(node.name, node.queue, node.options, node.max_wait)
    yield Note(node.name, StepKind.QUEUE, {"queue": node.queue, "status": status or "ANSWERED"})
    follow = {"TIMEOUT": node.on_timeout, "FULL": node.on_full, "JOINEMPTY": node.on_empty,
              "LEAVEEMPTY": node.on_empty, "JOINUNAVAIL": node.on_empty, "LEAVEUNAVAIL": node.on_empty}
    if status and follow.get(str(status)):
        return Go(follow[str(status)])
    return End(outcome)


TYPE = NodeType(
    name="queue", node=QueueNode, run=run, shape="cds", terminal=True,
    doc="Hands the caller to an agent queue within its hours.",
    follows=(Follow("on_closed", "closed", EdgeKind.FAILURE), Follow("on_timeout", "queue timeout", EdgeKind.FAILURE),
             Follow("on_full", "queue full", EdgeKind.FAILURE), Follow("on_empty", "queue empty", EdgeKind.FAILURE)),
)
