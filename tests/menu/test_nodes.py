"""Every registered node type is whole: fields, runner, edges, dead ends, graph
shape and schema hold together, and nothing outside ivr/menu/nodes names a type."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import jsonschema
import pytest
import yaml

from support import ROOT
from ivr.menu.graph import to_dot
from ivr.menu.interpreter import walk
from ivr.menu.menugraph import MenuGraph
from ivr.menu.model import build_menu
from ivr.menu.nodes import REGISTRY, BuiltView, FieldKind, Node, NodeType
from ivr.menu.outcome import Outcome
from ivr.menu.runtime import CallContext
from ivr.menu.schema import menu_schema, node_schema
from ivr.menu.validate import validate_text

TYPES = sorted(REGISTRY)
# Shapes graphviz's dot knows (a subset: the ones worth drawing a menu with).
DOT_SHAPES = {"box", "note", "cds", "doublecircle", "diamond", "point", "component", "house", "ellipse", "oval",
              "hexagon", "octagon", "tab", "folder", "box3d", "parallelogram", "invhouse", "circle"}
FILLERS = {FieldKind.QUEUE: "support", FieldKind.HOURS: "office", FieldKind.DIGIT_TARGETS: {"1": "bye"},
           FieldKind.DIGIT_LANGUAGES: {"1": "en"}}


def minimal(node_type: NodeType, with_targets: bool) -> dict:
    """A node of this type with its required fields (and, if asked, every followed target) set."""
    spec: dict = {"type": node_type.name}
    for f in node_type.fields:
        if f.required:
            spec[f.name] = FILLERS[f.kind]
    if with_targets:
        for follow in node_type.follows:
            spec[follow.field] = "bye"
    return spec


def config(node_spec: dict) -> dict:
    return {"menu": {"entry": "x", "languages": ["en"], "nodes": {"x": node_spec, "bye": {"type": "hangup"}}},
            "hours": {"office": {"timezone": "Europe/Warsaw", "weekly": {"mon-sun": "00:00-24:00"}}}}


def test_the_built_in_types_are_registered():
    assert {"menu", "play", "identify", "consent", "callback", "queue", "hours", "language", "hangup",
            "goto"} <= set(REGISTRY)


@pytest.mark.parametrize("name", TYPES)
def test_declaration_is_whole(name):
    t = REGISTRY[name]
    assert issubclass(t.node, Node) and t.node.__dataclass_params__.frozen
    assert inspect.isgeneratorfunction(t.run), f"{name}: the runner must be a generator (it yields actions)"
    assert t.shape in DOT_SHAPES and t.doc.strip()
    fields = {f.name: f for f in t.fields}  # raises TypeError for a field made without a field maker
    for follow in t.follows:
        assert fields[follow.field].kind is FieldKind.TARGET, f"{name}: follows {follow.field}, not a target"
        if follow.labels_from:
            assert fields[follow.labels_from].kind in (FieldKind.DIGIT_TARGETS, FieldKind.DIGIT_LANGUAGES)


@pytest.mark.parametrize("name", TYPES)
def test_a_node_with_no_way_out_ends_the_call_or_is_warned_about(name):
    """Without its targets a node either ends the call itself or has a dead-end warning:
    a type that forgets to say so would let validate miss callers stuck in silence."""
    t = REGISTRY[name]
    node = build_menu(config(minimal(t, with_targets=False))).nodes["x"]
    assert t.ends_call(BuiltView(node))
    problems = validate_text(yaml.safe_dump(config(minimal(t, with_targets=False))), "c.yaml", ROOT)
    if not t.terminal:
        assert any(p.severity == "warning" and "menu.nodes.x:" in p.message and "hung up" in p.message
                   for p in problems), problems


@pytest.mark.parametrize("name", TYPES)
def test_every_followed_target_is_an_edge_in_validate_and_in_the_picture(name):
    t = REGISTRY[name]
    doc = config(minimal(t, with_targets=True))
    menu = build_menu(doc)
    graph = MenuGraph.of_menu(menu)
    assert {e.field for e in graph.edges["x"] if e.target == "bye"} >= {f.field for f in t.follows}
    if t.follows or t.fields_of(FieldKind.DIGIT_TARGETS):
        assert "bye" in graph.reachable()
        assert '"x" -> "bye"' in to_dot(menu)
    assert f'shape="{t.shape}"' in to_dot(menu)
    errors = [p for p in validate_text(yaml.safe_dump(doc), "c.yaml", ROOT)
              if p.severity == "error" and "is missing in language" not in p.message]
    assert errors == []


@pytest.mark.parametrize("name", TYPES)
def test_the_runner_walks_to_an_end_on_silence(name):
    menu = build_menu(config(minimal(REGISTRY[name], with_targets=True)))
    gen, answer, actions = walk(menu, CallContext(language="en", caller_id="48600100200")), None, 0
    while True:
        try:
            action = gen.send(answer)
        except StopIteration as stop:
            assert isinstance(stop.value, Outcome)
            break
        actions += 1
        assert actions < 500
        answer = "" if type(action).__name__ in ("Play", "WaitDigit", "Collect", "QueueCall") else None
        if type(action).__name__ == "LoadData":
            answer = []


@pytest.mark.parametrize("name", TYPES)
def test_schema_accepts_the_node_and_refuses_an_unknown_key(name):
    t = REGISTRY[name]
    spec = minimal(t, with_targets=True)
    jsonschema.validate(spec, node_schema(t))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**spec, "colour": "red"}, node_schema(t))


def test_schema_accepts_the_sample_menu_and_refuses_a_wrong_timeout():
    menu = yaml.safe_load((ROOT / "config.yaml").read_text())["menu"]
    jsonschema.Draft202012Validator.check_schema(menu_schema())
    jsonschema.validate(menu, menu_schema())
    main = next(n for n, s in menu["nodes"].items() if s["type"] == "menu")
    menu["nodes"][main]["timeout"] = 600
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(menu, menu_schema())


NODE_TYPE_TEST = re.compile(r"\.type\s*(==|!=|\bin\b|\bnot in\b)|isinstance\([^)]*\b(?!Mapping|Scalar|Sequence|Y)\w+Node\b")
NODE_MODULE_IMPORT = re.compile(r"menu\.nodes\.(?!base\b)\w+ import|from \.nodes\.(?!base\b)\w+ import")


def test_no_code_outside_the_node_modules_tests_for_a_node_type():
    pkg = ROOT / "ivr"
    found = []
    for path in pkg.rglob("*.py"):
        if path.is_relative_to(pkg / "menu" / "nodes"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if NODE_TYPE_TEST.search(line) or NODE_MODULE_IMPORT.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_interpreter_package_does_not_pull_in_sqlalchemy():
    code = ("import sys, ivr.menu.interpreter, ivr.menu.session, ivr.menu.validate, ivr.menu.graph, "
            "ivr.menu.schema; print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
