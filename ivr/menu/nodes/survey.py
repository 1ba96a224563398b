"""`survey`: one post-call question, answered with a digit (1..scale, or yes/no).

A survey node is entered the ordinary way (`next` of another node), or after an
agent call: a node with `after_queue: Q` is where the controller goes on when
Queue() returns CONTINUE for queue Q (the queue node's `options` hold `c`, so
app_queue continues the caller's dialplan when the agent hangs up).

The answer is a logged `input` step whose detail holds `survey` (the
question's name), `score` and `scale`; the controller stores it per call,
agent, queue and hotline (ivr/store/surveys.py). A caller who presses nothing,
or only wrong keys, gives no answer (a `timeout` / `invalid` step): a
non-response, never a low score. A caller who hangs up is a non-response too.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..actions import Note, Play, WaitDigit
from ..outcome import StepKind
from .base import Follow, Go, Node, NodeType, NodeView, count, dtmf, no_next, queue, seconds, text
from .base import prompt as prompt_field

SCALE, YES_NO = "scale", "yes-no"
DEFAULT_QUESTION = "survey-rate-call"   # "How would you rate this call? Press 1 to 5"


@dataclass(frozen=True)
class SurveyNode(Node):
    prompt: tuple = prompt_field(DEFAULT_QUESTION, doc="the question the caller hears (survey-rate-call when not set)")
    question: str = text(wanted="a short name for the question, e.g. satisfaction",
                         doc="the name reports group the answers by (the node's name when not set)")
    answers: str = text(SCALE, wanted="scale or yes-no",
                        doc="scale: a digit 1..scale; yes-no: the yes or the no key (stored as 1 and 0)")
    scale: int = count(5, 2, 9, doc="answers are 1..scale (answers: scale)")
    yes: str = dtmf("1", doc="the key for yes (answers: yes-no)")
    no: str = dtmf("2", doc="the key for no (answers: yes-no)")
    timeout: float = seconds(5.0, doc="seconds to wait for the answer after the question")
    retries: int = count(1, 0, 3, doc="times the question is asked again after no answer or a wrong key")
    invalid: tuple = prompt_field(doc="played after a key that is no answer")
    after_queue: str = queue(required=False, doc="the queue after whose agent calls this survey starts "
                                                 "(Queue() options with c)")


def answer_keys(node: SurveyNode) -> dict[str, int]:
    """The keys the caller may press, each with the score it stores."""
    if node.answers == YES_NO:
        return {node.yes: 1, node.no: 0}
    return {str(n): n for n in range(1, node.scale + 1)}


def run(menu, node: SurveyNode, ctx, pending: str):
    keys = answer_keys(node)
    question = node.question or node.name
    scale = 1 if node.answers == YES_NO else node.scale
    for _ in range(node.retries + 1):
        digit = yield Play(node.name, node.prompt, "".join(keys))
        if not digit:
            digit = yield WaitDigit(node.name, node.timeout)
        if digit in keys:
            yield Note(node.name, StepKind.INPUT, {"survey": question, "score": keys[digit], "scale": scale}, digit)
            return Go(node.next)
        if digit:
            yield Note(node.name, StepKind.INVALID, {"survey": question}, digit)
            if node.invalid:
                yield Play(node.name, node.invalid, "")
        else:
            yield Note(node.name, StepKind.TIMEOUT, {"survey": question})
    return Go(node.next)   # no answer: a non-response, not a score


def _checks(view: NodeView):
    answers = view.text("answers") or SCALE
    if answers not in (SCALE, YES_NO):
        yield ("answers", f"answers must be {SCALE} or {YES_NO}, not {answers!r}")
    elif answers == YES_NO:
        yes, no = view.text("yes") or "1", view.text("no") or "2"
        if len(yes) != 1 or len(no) != 1 or yes == no:
            yield ("yes", "yes and no must be two different single keys")


TYPE = NodeType(name="survey", node=SurveyNode, run=run, shape="house",
                doc="Asks one question answered with a digit (1..scale or yes/no) and goes to next; "
                    "with after_queue, it follows that queue's agent calls.",
                follows=(Follow("next"),), dead_end=no_next("survey"), checks=(_checks,))
