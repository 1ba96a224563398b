"""docs/extending.md's worked example, compiled: the rating node module on that
page, registered, is validated, walked, drawn and described like a built-in type."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
import yaml

from support import ROOT
from ivr.menu.actions import Note, Play, WaitDigit
from ivr.menu.graph import to_dot
from ivr.menu.interpreter import walk
from ivr.menu.model import build_menu
from ivr.menu.nodes import REGISTRY, registered
from ivr.menu.outcome import StepKind
from ivr.menu.runtime import CallContext
from ivr.menu.schema import menu_schema
from ivr.menu.validate import validate_text

DOC = ROOT / "docs" / "extending.md"


def _module_from_doc():
    """The first python block of the page, imported as ivr.menu.nodes.rating (as if saved there)."""
    code = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S).group(1)
    name = "ivr.menu.nodes.rating"
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "ivr.menu.nodes"
    sys.modules[name] = module
    try:
        exec(compile(code, f"{DOC}:rating", "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


@pytest.fixture()
def rating():
    assert "rating" not in REGISTRY, "the example must not ship as a built-in type"
    with registered(_module_from_doc().TYPE) as node_type:
        yield node_type
    assert "rating" not in REGISTRY


CONFIG = """\
menu:
  entry: main
  languages: [en]
  nodes:
    main: {type: menu, prompt: [main-menu], options: {"1": rate-us}, on_failure: bye}
    rate-us: {type: rating, prompt: [main-menu], question: satisfaction, scale: 5, next: bye}
    bye: {type: hangup}
prompts_dir: prompts
"""


def _errors(text: str) -> list[str]:
    return [p.format() for p in validate_text(text, "c.yaml", ROOT) if p.severity == "error"]


def test_the_example_validates_clean(rating):
    assert _errors(CONFIG) == []


@pytest.mark.parametrize("old, new, expected", [
    ("scale: 5", "scale: 12", "c.yaml:6:81: error: menu.nodes.rate-us.scale: 12 is out of range (2..9)"),
    ("next: bye", "next: byee", "c.yaml:6:90: error: menu.nodes.rate-us.next: no node named 'byee' "
                                "(did you mean 'bye'?)"),
    ("prompt: [main-menu], ", "", "c.yaml:6:5: error: menu.nodes.rate-us: a rating node needs a prompt: "
                                  "the question the caller hears"),
    ("question: satisfaction", "timeout: 0", "c.yaml:6:59: error: menu.nodes.rate-us.timeout: 0 s is out of "
                                             "range (more than 0, at most 60)"),
    ("prompt: [main-menu]", "prompt: [how-satisfied]", "c.yaml:6:38: error: menu.nodes.rate-us.prompt: prompt "
                                                       "'how-satisfied' is missing in language en"),
])
def test_bad_fields_are_reported_at_their_line(rating, old, new, expected):
    line = "    rate-us: {type: rating, prompt: [main-menu], question: satisfaction, scale: 5, next: bye}"
    errors = _errors(CONFIG.replace(line, line.replace(old, new)))
    assert any(e.startswith(expected) for e in errors), errors


def test_a_missing_next_is_a_dead_end_warning(rating):
    problems = validate_text(CONFIG.replace(", next: bye}", "}"), "c.yaml", ROOT)
    assert any(p.severity == "warning" and "no next: the call is hung up after this rating node" in p.message
               for p in problems)


def test_the_answer_is_logged_with_its_score(rating):
    menu = build_menu(yaml.safe_load(CONFIG))
    gen = walk(menu, CallContext(language="en"))
    answers = iter(["1", "4"])   # the menu's digit, then the rating's
    notes, answer = [], None
    while True:
        try:
            action = gen.send(answer)
        except StopIteration as stop:
            outcome = stop.value
            break
        if isinstance(action, Note):
            notes.append(action)
        answer = next(answers, "") if isinstance(action, (Play, WaitDigit)) else None
    scored = [n for n in notes if n.node == "rate-us" and n.action == StepKind.INPUT]
    assert scored == [Note("rate-us", StepKind.INPUT, {"question": "satisfaction", "score": 4}, "4")]
    assert str(outcome) == "hangup"


def test_the_picture_and_the_schema_know_it(rating):
    dot = to_dot(build_menu(yaml.safe_load(CONFIG)))
    assert '"rate-us" [shape="house"' in dot and '"rate-us" -> "bye"' in dot
    assert menu_schema()["$defs"]["rating"]["properties"]["scale"] == {
        "type": "integer", "minimum": 2, "maximum": 9, "description": "answers are 1..scale"}
