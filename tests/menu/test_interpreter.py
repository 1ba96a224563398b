"""The interpreter's transition table, driven directly: no channel, no I/O."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from ivr.menu.actions import (Consent, Hangup, Note, Play, QueueCall, RequestCallback, SetVar, StartRecording,
                              WaitDigit)
from ivr.menu.interpreter import CallContext, walk
from ivr.menu.model import build_menu
from ivr.menu.outcome import HANGUP, Outcome, OutcomeKind
from ivr.menu.policy import RecordingPolicy

WARSAW = ZoneInfo("Europe/Warsaw")

MENU = yaml.safe_load("""
menu:
  entry: main
  languages: [en, pl]
  nodes:
    main:
      type: menu
      prompt: [welcome, main-menu]
      options: {"1": tariffs, "12": twelve, "2": sub, "0": operator, "9": language, "4": consent}
      timeout: 5
      inter_digit_timeout: 2
      retries: 3
      invalid: invalid-option
      no_input: no-input
      on_failure: operator
    tariffs: {type: play, prompt: [tariffs], next: main}
    twelve: {type: play, prompt: [twelve], next: bye}
    sub:
      type: menu
      prompt: [sub-menu]
      options: {"1": tariffs, "*": back, "#": repeat}
      on_failure: bye
    consent: {type: consent, prompt: [recording-consent], accept: "1", decline: "2", next: operator}
    operator: {type: queue, queue: support, hours: office, on_closed: closed, on_timeout: bye}
    closed: {type: play, prompt: [office-closed], next: bye}
    language: {type: language, prompt: [choose-language], options: {"1": en, "2": pl}, next: main}
    loop-a: {type: goto, next: loop-b}
    loop-b: {type: goto, next: loop-a}
    bye: {type: hangup, prompt: [goodbye]}
hours:
  office:
    timezone: Europe/Warsaw
    weekly: {mon-fri: "08:00-20:00", sat: "09:00-13:00"}
    holidays: ["2026-12-24", "2026-12-25"]
""")

OPEN = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW)  # a Monday morning


class Script:
    """Answers the interpreter's actions from a list of (action type, answer)."""

    def __init__(self, menu_doc=MENU, at=OPEN, answers=(), caller_id="", recording=RecordingPolicy.EXPLICIT):
        self.gen = walk(build_menu(menu_doc), CallContext(language="en", at=at, caller_id=caller_id,
                                                          recording=recording))
        self.answers = list(answers)
        self.actions: list = []
        self.outcome = None

    def run(self) -> "Script":
        answer = None
        while True:
            try:
                action = self.gen.send(answer)
            except StopIteration as stop:
                self.outcome = stop.value
                return self
            self.actions.append(action)
            answer = 17 if isinstance(action, RequestCallback) else None   # a stored request's id
            if isinstance(action, (Play, WaitDigit, QueueCall)):
                expected, answer = self.answers.pop(0) if self.answers else (type(action), "")
                assert isinstance(action, expected), f"expected {expected.__name__}, got {action}"

    def nodes(self) -> list[str]:
        return [a.node for a in self.actions if isinstance(a, Note) and a.action == "enter"]

    def notes(self, kind: str) -> list[Note]:
        return [a for a in self.actions if isinstance(a, Note) and a.action == kind]

    def consents(self) -> list[Consent]:
        return [a for a in self.actions if isinstance(a, Consent)]

    def plays(self) -> list[tuple]:
        return [a.prompts for a in self.actions if isinstance(a, Play)]


def test_digit_during_prompt_goes_straight_on():
    s = Script(answers=[(Play, "2"), (Play, "*"), (Play, "0"), (QueueCall, "")]).run()
    assert s.nodes() == ["main", "sub", "main", "operator"]
    assert s.outcome == Outcome.to_queue("support")
    # the caller barged in: no WaitDigit was ever needed
    assert not any(isinstance(a, WaitDigit) for a in s.actions)


def test_timeout_then_valid_digit():
    s = Script(answers=[(Play, ""), (WaitDigit, ""), (Play, "2"), (Play, "#"), (Play, ""), (WaitDigit, "")]).run()
    assert s.notes("timeout")[0].node == "main"
    # the retry plays the no-input prompt before the menu again
    assert s.plays()[1] == ("no-input", "welcome", "main-menu")
    assert s.nodes()[:3] == ["main", "sub", "sub"]  # '#' is repeat


def test_three_invalid_digits_reach_on_failure():
    s = Script(answers=[(Play, "7"), (Play, "8"), (Play, "5"), (QueueCall, "")]).run()
    assert [n.digits for n in s.notes("invalid")] == ["7", "8", "5"]
    assert s.plays()[1][0] == "invalid-option"
    assert s.notes("failure")[0].node == "main"
    assert s.nodes() == ["main", "operator"]


def test_one_versus_twelve_decided_by_inter_digit_timeout():
    alone = Script(answers=[(Play, "1"), (WaitDigit, "")]).run()
    assert alone.nodes()[:2] == ["main", "tariffs"]
    waits = [a for a in alone.actions if isinstance(a, WaitDigit)]
    assert waits[0].timeout == 2  # the inter-digit timeout, not the menu timeout
    twelve = Script(answers=[(Play, "1"), (WaitDigit, "2")]).run()
    assert twelve.nodes()[:2] == ["main", "twelve"]
    assert twelve.notes("input")[0].digits == "12"


def test_hash_ends_an_entry_that_could_go_on():
    """Options 1 and 12: 1# is 1 at once, whether # comes as its own press or typed with the 1."""
    pressed = Script(answers=[(Play, "1"), (WaitDigit, "#")]).run()
    assert pressed.nodes()[:2] == ["main", "tariffs"]
    assert pressed.notes("input")[0].digits == "1#"
    assert [a.timeout for a in pressed.actions if isinstance(a, WaitDigit)][:1] == [2]
    # The # is spent on the entry: the next menu, which has a # option, does not get it.
    menu = yaml.safe_load(yaml.safe_dump(MENU))
    menu["menu"]["nodes"]["tariffs"] = {"type": "menu", "prompt": ["tariffs"], "options": {"#": "operator"},
                                        "on_failure": "bye", "retries": 1}
    typed = Script(menu, answers=[(Play, "1"), (WaitDigit, "#"), (Play, ""), (WaitDigit, "")]).run()
    assert typed.nodes() == ["main", "tariffs", "bye"]
    assert [(n.node, n.digits) for n in typed.notes("input")] == [("main", "1#")]


def test_a_terminator_is_a_key_where_it_starts_an_entry_or_continues_one():
    menu = yaml.safe_load(yaml.safe_dump(MENU))
    menu["menu"]["nodes"]["main"]["options"] = {"1": "tariffs", "1#": "twelve", "#": "operator", "2": "sub"}
    longer = Script(menu, answers=[(Play, "1"), (WaitDigit, "#")]).run()
    assert longer.nodes()[:2] == ["main", "twelve"]            # 1# is an option of its own
    alone = Script(menu, answers=[(Play, "#"), (QueueCall, "")]).run()
    assert alone.nodes()[:2] == ["main", "operator"]           # # alone is the # option


def test_star_ends_an_entry_when_the_node_says_so():
    menu = yaml.safe_load(yaml.safe_dump(MENU))
    menu["menu"]["nodes"]["main"]["terminators"] = "*"
    star = Script(menu, answers=[(Play, "1"), (WaitDigit, "*")]).run()
    assert star.nodes()[:2] == ["main", "tariffs"]
    hash_ = Script(menu, answers=[(Play, "1"), (WaitDigit, "#"), (Play, ""), (WaitDigit, "")]).run()
    assert hash_.notes("invalid")[0].digits == "1#"            # # is no terminator here: 1# is no option


def test_type_ahead_during_play_node_feeds_next_menu():
    s = Script(answers=[(Play, "1"), (WaitDigit, ""), (Play, "2"), (Play, "")]).run()
    assert s.nodes()[:4] == ["main", "tariffs", "main", "sub"]
    # main's prompt was not played again: the typed-ahead 2 chose at once
    assert s.plays()[:3] == [("welcome", "main-menu"), ("tariffs",), ("sub-menu",)]


@pytest.mark.parametrize("at, is_open", [
    (datetime(2026, 11, 23, 7, 59, tzinfo=WARSAW), False),
    (datetime(2026, 11, 23, 8, 0, tzinfo=WARSAW), True),
    (datetime(2026, 11, 23, 19, 59, tzinfo=WARSAW), True),
    (datetime(2026, 11, 23, 20, 0, tzinfo=WARSAW), False),
    (datetime(2026, 11, 28, 12, 59, tzinfo=WARSAW), True),   # Saturday
    (datetime(2026, 11, 28, 13, 0, tzinfo=WARSAW), False),
    (datetime(2026, 11, 29, 12, 0, tzinfo=WARSAW), False),   # Sunday
    (datetime(2026, 12, 24, 10, 0, tzinfo=WARSAW), False),   # holiday (a Thursday)
    # DST: 2026-03-29 02:00 CET -> 03:00 CEST. 07:30 UTC is 09:30 local on the Monday after.
    (datetime(2026, 3, 30, 7, 30, tzinfo=ZoneInfo("UTC")), True),
    (datetime(2026, 3, 30, 5, 30, tzinfo=ZoneInfo("UTC")), False),  # 07:30 CEST
    (datetime(2026, 3, 27, 6, 30, tzinfo=ZoneInfo("UTC")), False),  # 07:30 CET, Friday before
    (datetime(2026, 3, 27, 7, 0, tzinfo=ZoneInfo("UTC")), True),    # 08:00 CET
])
def test_queue_respects_hours_at_the_boundary_minute(at, is_open):
    then = [(QueueCall, "")] if is_open else [(Play, ""), (Play, "")]
    s = Script(at=at, answers=[(Play, "0")] + then).run()
    assert s.nodes()[1:] == (["operator"] if is_open else ["operator", "closed", "bye"])
    assert s.outcome == (Outcome.to_queue("support") if is_open else HANGUP)


def test_queue_timeout_follows_on_timeout():
    s = Script(answers=[(Play, "0"), (QueueCall, "TIMEOUT")]).run()
    assert s.nodes() == ["main", "operator", "bye"]
    sets = [(a.name, a.value) for a in s.actions if isinstance(a, SetVar)]
    assert ("IVR_PATH", "main>operator") in sets
    # the dialplan learns the queue hand-off first, then the final hangup
    assert [v for k, v in sets if k == "IVR_OUTCOME"] == ["queue:support", "hangup"]


def test_consent_accept_starts_recording_decline_does_not():
    yes = Script(answers=[(Play, "4"), (Play, "1"), (QueueCall, "")]).run()
    no = Script(answers=[(Play, "4"), (Play, "2"), (QueueCall, "")]).run()
    silent = Script(answers=[(Play, "4"), (Play, ""), (WaitDigit, ""), (QueueCall, "")]).run()
    assert any(isinstance(a, StartRecording) for a in yes.actions)
    assert not any(isinstance(a, StartRecording) for a in no.actions + silent.actions)
    assert [c.given for c in yes.consents() + no.consents() + silent.consents()] == [True, False, False]


def test_language_switch_sets_channel_language():
    s = Script(answers=[(Play, "9"), (Play, "2"), (Play, "0"), (QueueCall, "")]).run()
    assert s.notes("set")[0].detail == {"language": "pl"}
    assert SetVar("language", "CHANNEL(language)", "pl") in s.actions


def test_loop_no_caller_can_leave_ends_the_call():
    doc = yaml.safe_load(yaml.safe_dump(MENU))
    doc["menu"]["entry"] = "loop-a"
    s = Script(menu_doc=doc).run()
    assert s.outcome == Outcome(OutcomeKind.LOOP)
    assert isinstance(s.actions[-1], Hangup)


def test_menu_without_on_failure_hangs_up():
    doc = yaml.safe_load(yaml.safe_dump(MENU))
    del doc["menu"]["nodes"]["main"]["on_failure"]
    s = Script(menu_doc=doc, answers=[(Play, "")] + [(WaitDigit, ""), (Play, "")] * 3).run()
    assert s.outcome == HANGUP
    assert len(s.notes("timeout")) == 3


QUEUE_MENU = yaml.safe_load("""
menu:
  entry: sales
  languages: [en, pl]
  nodes:
    sales:
      type: queue
      queue: sales
      music_class: calm
      priority: 5
      options: t
      max_wait: 120
      on_timeout: call-me
      on_full: call-me
    call-me: {type: callback, queue: sales, prompt: [we-will-call-you], next: bye}
    bye: {type: hangup, prompt: [goodbye]}
""")


def test_queue_passes_the_callers_context_and_options():
    s = Script(QUEUE_MENU, answers=[(QueueCall, "")]).run()
    sets = {a.name: a.value for a in s.actions if isinstance(a, SetVar)}
    assert sets["IVR_LANGUAGE"] == "en" and sets["IVR_PATH"] == "sales" and sets["IVR_CONSENT"] == ""
    assert sets["IVR_ACCOUNT"] == ""                      # nobody identified
    assert sets["CHANNEL(musicclass)"] == "calm" and sets["QUEUE_PRIO"] == "5"
    queued = [a for a in s.actions if isinstance(a, QueueCall)]
    assert queued == [QueueCall("sales", "sales", "t", 120)]
    assert s.outcome == Outcome.to_queue("sales")


@pytest.mark.parametrize("status", ["TIMEOUT", "FULL"])
def test_full_or_timed_out_queue_stores_a_callback_request(status):
    s = Script(QUEUE_MENU, answers=[(QueueCall, status)], caller_id="48600100200").run()
    assert s.nodes() == ["sales", "call-me", "bye"]
    assert [a for a in s.actions if isinstance(a, RequestCallback)] == [
        RequestCallback("call-me", "sales", "48600100200", "", "en")]
    assert s.notes("callback")[0].detail == {"queue": "sales", "stored": True}
    # stored before the confirmation plays: a caller who hangs up on it is still called back
    kinds = [type(a).__name__ for a in s.actions]
    assert kinds.index("RequestCallback") < kinds.index("Play")
    assert s.plays()[0] == ("we-will-call-you",)


def test_no_callback_promised_without_a_number_to_call():
    s = Script(QUEUE_MENU, answers=[(QueueCall, "TIMEOUT")], caller_id="").run()
    assert s.nodes() == ["sales", "call-me", "bye"]
    assert not [a for a in s.actions if isinstance(a, RequestCallback)]
    assert s.notes("callback")[0].detail == {"queue": "sales", "stored": False, "reason": "no caller id"}
    assert ("we-will-call-you",) not in s.plays()


CONSENT_MENU = yaml.safe_load("""
menu:
  entry: hello
  nodes:
    hello: {type: play, prompt: [welcome], next: consent}
    consent: {type: consent, prompt: [recording-consent], accept: "1", decline: "2", next: again}
    again: {type: menu, prompt: [again-menu], options: {"3": consent, "0": bye}, on_failure: bye}
    bye: {type: hangup}
""")


def test_digit_typed_before_the_consent_question_is_not_consent():
    # 1 pressed during the welcome: the question is still asked, and silence means no.
    s = Script(CONSENT_MENU, answers=[(Play, "1"), (Play, ""), (WaitDigit, ""), (Play, "0")]).run()
    assert ("recording-consent",) in s.plays()
    assert s.consents() == [Consent("consent", False)]
    assert not any(isinstance(a, StartRecording) for a in s.actions)


def test_consent_is_asked_once_and_the_first_answer_kept():
    s = Script(CONSENT_MENU, answers=[(Play, ""), (Play, "1"), (Play, "3"), (Play, "0")]).run()
    assert s.nodes() == ["hello", "consent", "again", "consent", "again", "bye"]
    assert [a for a in s.actions if isinstance(a, StartRecording)] == [StartRecording("consent")]
    assert s.plays().count(("recording-consent",)) == 1
    assert s.notes("consent-kept")[0].detail == {"consent": True}


ANNOUNCED = yaml.safe_load(yaml.safe_dump(MENU))
ANNOUNCED["menu"]["nodes"]["consent"]["notice"] = ["recording-notice"]


@pytest.mark.parametrize("answers, consent", [
    ([(Play, "4"), (Play, ""), (WaitDigit, ""), (QueueCall, "")], True),    # silence: recorded
    ([(Play, "4"), (Play, "2"), (QueueCall, "")], False),                   # objects during the notice
    ([(Play, "4"), (Play, ""), (WaitDigit, "2"), (QueueCall, "")], False),  # objects just after it
    ([(Play, "4"), (Play, "1"), (QueueCall, "")], True),                    # 1 is no objection
])
def test_announced_recording_records_unless_the_caller_objects(answers, consent):
    s = Script(ANNOUNCED, answers=answers, recording=RecordingPolicy.ANNOUNCED).run()
    assert ("recording-notice",) in s.plays() and ("recording-consent",) not in s.plays()
    assert s.consents() == [Consent("consent", consent)]
    assert bool([a for a in s.actions if isinstance(a, StartRecording)]) is consent


def test_never_recorded_hotline_asks_nothing_and_records_nothing():
    s = Script(ANNOUNCED, answers=[(Play, "4"), (QueueCall, "")], recording=RecordingPolicy.NEVER).run()
    assert s.nodes()[:3] == ["main", "consent", "operator"]
    assert not any("recording" in p for play in s.plays() for p in play)
    assert s.consents() == [Consent("consent", False)]
    assert not [a for a in s.actions if isinstance(a, StartRecording)]
