"""`language`: the caller picks a language with a digit; then on to next."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Note, Play, SetVar, WaitDigit
from ..outcome import StepKind
from .base import Follow, Go, Node, NodeType, digit_languages, no_next, seconds


@dataclass(frozen=True)
class LanguageNode(Node):
    options: dict = digit_languages(doc="digit -> a language of menu.languages")
    timeout: float = seconds(5.0, doc="seconds to wait for the choice")


def run(menu, node: LanguageNode, ctx, pending: str):
    digit = pending[:1] or (yield Play(node.name, node.prompt))
    if not digit:
        digit = yield WaitDigit(node.name, node.timeout)
    if digit:
        yield Note(node.name, StepKind.INPUT, {}, digit)
    chosen = node.options.get(digit or "")
    if chosen:
        ctx.language, ctx.language_chosen = chosen, True
        yield Note(node.name, StepKind.SET, {"language": chosen})
        yield SetVar(node.name, "CHANNEL(language)", chosen)
    elif digit:
        yield Note(node.name, StepKind.INVALID, {}, digit)
    return Go(node.next)


TYPE = NodeType(name="language", node=LanguageNode, run=run, shape="box",
                doc="Sets the call's language by the digit pressed, then goes to next.",
                follows=(Follow("next", labels_from="options"),), dead_end=no_next("language"))
