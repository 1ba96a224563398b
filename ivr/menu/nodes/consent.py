"""`consent`: whether the call is recorded, by the hotline's recording policy.

- explicit: the question (`prompt`); only the accept digit consents, silence is no.
- announced: the notice (`notice`: "this call may be recorded; press 2 to
  object"); recorded unless the caller presses the decline digit while it plays
  or in `timeout` after it.
- never: nothing is asked or played, nothing recorded.

Asked once per call, and only after the caller heard it: a digit typed ahead is
not an answer to a question not yet asked. A second visit keeps the first answer
(a recording once started is not cut in two)."""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Consent, Note, Play, SetVar, StartRecording, WaitDigit
from ..outcome import StepKind
from ..policy import RecordingPolicy
from .base import Follow, Go, Node, NodeType, NodeView, dtmf, no_next, prompt, seconds


@dataclass(frozen=True)
class ConsentNode(Node):
    accept: str = dtmf("1", doc="the digit that consents")
    decline: str = dtmf("2", doc="the digit that declines")
    timeout: float = seconds(5.0, doc="seconds to wait for an answer; silence declines (explicit) or consents (announced)")
    notice: tuple = prompt(doc="played instead of the question where the policy is announced")


def run(menu, node: ConsentNode, ctx, pending: str):
    if ctx.consent is not None:
        yield Note(node.name, StepKind.CONSENT_KEPT, {"consent": ctx.consent})
        return Go(node.next)
    if ctx.recording is RecordingPolicy.NEVER:
        ctx.consent = False
        yield Consent(node.name, False)
        yield SetVar(node.name, "IVR_CONSENT", "no")
        return Go(node.next)
    announced = ctx.recording is RecordingPolicy.ANNOUNCED
    listen = node.decline if announced else node.accept + node.decline
    digit = yield Play(node.name, node.notice if announced else node.prompt, listen)
    if not digit:
        digit = yield WaitDigit(node.name, node.timeout)
    if digit:
        yield Note(node.name, StepKind.INPUT, {}, digit)
    ctx.consent = digit != node.decline if announced else digit == node.accept
    yield Consent(node.name, ctx.consent)
    yield SetVar(node.name, "IVR_CONSENT", "yes" if ctx.consent else "no")
    if ctx.consent:
        yield StartRecording(node.name)
    return Go(node.next)


def _plays(node: ConsentNode) -> tuple[str, ...]:
    # Which of question and notice is played depends on the hotline: both may be.
    return ("prompt", "notice")


def _different_digits(view: NodeView):
    accept, decline = view.text("accept") or "1", view.text("decline") or "2"
    if accept == decline:
        yield ("decline" if view.scalar("decline") is not None else "accept",
               f"accept and decline are both {accept!r}")


TYPE = NodeType(name="consent", node=ConsentNode, run=run, shape="box",
                doc="Asks to record the call; records only when the caller presses accept.",
                follows=(Follow("next"),), dead_end=no_next("consent"), checks=(_different_digits,),
                plays=_plays)
