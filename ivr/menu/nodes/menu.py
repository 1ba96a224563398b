"""`menu`: play a prompt, collect digits, go to the option's node.

Per attempt (adhearsion's menu_dsl: the matcher decides, the loop lives here):

    input            options say     ->  next
    ---------------  --------------  -------------------------------------
    digit(s)         found           go to the option's node
    digit            ambiguous/more  wait inter_digit_timeout for another
    digits           invalid         play `invalid`, retry
    nothing          -               play `no_input`, retry
    retries used up  -               go to on_failure (hang up if none)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Hangup, Note, Play, WaitDigit
from ..matcher import match
from ..outcome import HANGUP, StepKind
from ..runtime import expand
from .base import EdgeKind, End, Follow, Go, Node, NodeType, NodeView, count, digit_targets, dtmf, prompt, seconds

RETRIES = (1, 10)   # how often a caller may try


@dataclass(frozen=True)
class MenuNode(Node):
    options: dict = digit_targets(doc="digits -> node; a key may be several digits")
    timeout: float = seconds(5.0, doc="seconds to wait for the first digit after the prompt")
    inter_digit_timeout: float = seconds(2.0, doc="seconds to wait for the next digit of a longer key")
    retries: int = count(3, *RETRIES, doc="tries before on_failure")
    invalid: tuple = prompt(doc="played after digits that match no option")
    no_input: tuple = prompt(doc="played after a timeout")
    terminators: str = dtmf("#", doc="keys that end an entry early: with options 1 and 10, 1# is 1")


def run(menu, node: MenuNode, ctx, pending: str):
    prompts = yield from expand(node.name, node.prompt, ctx)
    for attempt in range(1, node.retries + 1):
        digits = pending[:1]
        rest = pending[1:]
        pending = ""
        if not digits:
            digits = yield Play(node.name, prompts)
        if not digits:
            digits = yield WaitDigit(node.name, node.timeout)
        if not digits:
            yield Note(node.name, StepKind.TIMEOUT, {"attempt": attempt})
            prompts = node.no_input + (yield from expand(node.name, node.prompt, ctx))
            continue
        result = match(node.options, digits)
        pressed = digits
        while result.kind.may_grow:
            more = rest[:1] if rest else (yield WaitDigit(node.name, node.inter_digit_timeout))
            rest = rest[1:]
            if not more:
                break
            pressed += more
            if _ends_entry(node, digits, more):
                result = match(node.options, digits, ended=True)
                break
            digits += more
            result = match(node.options, digits)
        if result.kind.matched and rest[:1] and _ends_entry(node, digits, rest[0]):
            pressed, rest = pressed + rest[0], rest[1:]   # 1# typed in one go: the # is spent here
        yield Note(node.name, StepKind.INPUT, {}, pressed)
        if result.kind.matched:
            return Go(result.target, rest)
        yield Note(node.name, StepKind.INVALID, {"attempt": attempt}, digits)
        prompts = node.invalid + (yield from expand(node.name, node.prompt, ctx))
    yield Note(node.name, StepKind.FAILURE, {"retries": node.retries})
    if node.on_failure:
        return Go(node.on_failure)
    yield Hangup(node.name)
    return End(HANGUP)


def _ends_entry(node: MenuNode, digits: str, key: str) -> bool:
    """A terminator after some digits ends the entry, unless it continues a longer option key."""
    return bool(digits) and key in node.terminators and not any(k.startswith(digits + key) for k in node.options)


def _dead_end(view: NodeView) -> str | None:
    if view.text("on_failure"):
        return None
    retries = view.scalar("retries")
    if isinstance(retries, bool) or not isinstance(retries, int):
        retries = MenuNode.retries
    return f"after {retries} retries the call is hung up; set on_failure"


TYPE = NodeType(
    name="menu", node=MenuNode, run=run, shape="box", remembered=True,
    doc="Plays its prompt and goes where the caller's digits say; back and repeat return to it.",
    follows=(Follow("on_failure", "failure", EdgeKind.FAILURE),),
    dead_end=_dead_end,
)
