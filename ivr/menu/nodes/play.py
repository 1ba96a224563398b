"""`play`: play a prompt (with data filled in) and go on. A digit pressed
during it is kept for the next menu: a caller who knows the menu types ahead."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Hangup, Note, Play
from ..outcome import HANGUP, StepKind
from ..runtime import expand
from .base import End, Follow, Go, Node, NodeType, no_next


@dataclass(frozen=True)
class PlayNode(Node):
    pass


def run(menu, node: PlayNode, ctx, pending: str):
    digit = pending or (yield Play(node.name, (yield from expand(node.name, node.prompt, ctx))))
    if digit:
        yield Note(node.name, StepKind.INPUT, {"type_ahead": True}, digit)
    if not node.next:
        yield Hangup(node.name)
        return End(HANGUP)
    return Go(node.next, digit)


TYPE = NodeType(name="play", node=PlayNode, run=run, shape="note",
                doc="Plays its prompt, then goes to next; digits pressed meanwhile go to the next menu.",
                follows=(Follow("next"),), dead_end=no_next("play"))
