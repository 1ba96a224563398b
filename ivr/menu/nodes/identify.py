"""`identify`: a known caller id identifies at once; otherwise account number and PIN.
The caller is never told which of the two was wrong, nor that the account is
locked: every failure sounds the same."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import UNAVAILABLE, Collect, Hangup, LookupCaller, Note, Play, SetVar, VerifyAccount
from ..outcome import HANGUP, StepKind
from .base import EdgeKind, End, Follow, Go, Node, NodeType, NodeView, count, prompt, seconds, ways

WAYS = ("caller_id", "account_pin")


@dataclass(frozen=True)
class IdentifyNode(Node):
    by: tuple = ways(WAYS, WAYS, doc="ways to identify, tried in order")
    attempts: int = count(3, 1, 10, doc="account and PIN tries before on_failure")
    account_prompt: tuple = prompt("enter-account-number")
    pin_prompt: tuple = prompt("enter-pin")
    failed_prompt: tuple = prompt("identify-failed")
    timeout: float = seconds(8.0, doc="seconds to type the account number or the PIN")


def run(menu, node: IdentifyNode, ctx, pending: str):
    if ctx.account is not None:
        return Go(node.next, pending)
    if "caller_id" in node.by and ctx.caller_id:
        account = yield LookupCaller(node.name, ctx.caller_id)
        if account is UNAVAILABLE:
            return (yield from _fail(node, unavailable=True))
        if account is not None:
            ctx.account = account
            yield Note(node.name, StepKind.IDENTIFY, {"identified": True, "by": "caller_id"})
            yield from _speak_their_language(menu, node, ctx)
            return Go(node.next, pending)
    if "account_pin" in node.by:
        if node.prompt:
            yield Play(node.name, node.prompt)
        for attempt in range(1, node.attempts + 1):
            number = yield Collect(node.name, node.account_prompt, 16, node.timeout)
            pin = (yield Collect(node.name, node.pin_prompt, 8, node.timeout)) if number else ""
            # Never log the PIN; the account number only by its length.
            yield Note(node.name, StepKind.INPUT, {"account_digits": len(number or ""), "pin_digits": len(pin or "")})
            account = (yield VerifyAccount(node.name, number, pin)) if number and pin else None
            if account is UNAVAILABLE:
                return (yield from _fail(node, unavailable=True))
            if account is not None:
                ctx.account = account
                yield Note(node.name, StepKind.IDENTIFY, {"identified": True, "by": "account_pin", "attempt": attempt})
                yield from _speak_their_language(menu, node, ctx)
                return Go(node.next)
            yield Note(node.name, StepKind.IDENTIFY, {"identified": False, "attempt": attempt})
            yield Play(node.name, node.failed_prompt, "")
    return (yield from _fail(node))


def _speak_their_language(menu, node: IdentifyNode, ctx):
    """A known caller hears the account's language (one the menu offers), unless they
    chose a language in this call: their choice now beats what the account says."""
    wanted = getattr(ctx.account, "language", "")
    if ctx.language_chosen or not wanted or wanted == ctx.language or wanted not in menu.languages:
        return
    ctx.language = wanted
    yield Note(node.name, StepKind.SET, {"language": wanted, "from": "account"})
    yield SetVar(node.name, "CHANNEL(language)", wanted)


def _fail(node: IdentifyNode, unavailable: bool = False):
    """No account: on_failure (or hang up). When the data is unavailable the caller is
    not asked again for what cannot be checked now."""
    detail = {"attempts": node.attempts, "unavailable": True} if unavailable else {"attempts": node.attempts}
    yield Note(node.name, StepKind.FAILURE, detail)
    if node.on_failure:
        return Go(node.on_failure)
    yield Hangup(node.name)
    return End(HANGUP)


def _dead_end(view: NodeView) -> str | None:
    if view.text("next") or view.text("on_failure"):
        return None
    return "no next: the call is hung up after this identify node; set next (or go to a hangup node)"


def _plays(node: IdentifyNode) -> tuple[str, ...]:
    # Account and PIN prompts are never played without account_pin.
    pin = ("account_prompt", "pin_prompt", "failed_prompt") if "account_pin" in node.by else ()
    return ("prompt",) + pin


TYPE = NodeType(
    name="identify", node=IdentifyNode, run=run, shape="box",
    doc="Finds the caller's account by caller id, or by account number and PIN.",
    follows=(Follow("next"), Follow("on_failure", "failure", EdgeKind.FAILURE)),
    dead_end=_dead_end, plays=_plays,
)
