"""`hangup`: play a goodbye (if any) and end the call."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Hangup, Play, SetVar
from ..outcome import HANGUP
from .base import End, Node, NodeType


@dataclass(frozen=True)
class HangupNode(Node):
    pass


def run(menu, node: HangupNode, ctx, pending: str):
    if node.prompt:
        yield Play(node.name, node.prompt, "")
    yield SetVar(node.name, "IVR_OUTCOME", str(HANGUP))
    yield Hangup(node.name)
    return End(HANGUP)


TYPE = NodeType(name="hangup", node=HangupNode, run=run, shape="doublecircle", terminal=True,
                doc="Plays its prompt, if any, and hangs up.")
