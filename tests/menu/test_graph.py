"""`ivr graph`: the sample menu drawn by dot, unreachable nodes marked."""

from __future__ import annotations

import html

import yaml

from support import ROOT, ivr_cli
from ivr.menu.graph import to_dot
from ivr.menu.model import build_menu


def test_sample_menu_renders_svg_with_every_node_and_digit(tmp_path):
    out = tmp_path / "menu.svg"
    res = ivr_cli("graph", "-o", str(out), config=ROOT / "config.yaml")
    assert res.returncode == 0, res.stderr
    svg = html.unescape(out.read_text())  # dot writes - as &#45;
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    doc = yaml.safe_load((ROOT / "config.yaml").read_text())
    for name in doc["menu"]["nodes"]:
        assert f">{name}</text>" in svg
    assert ">9</text>" in svg and ">failure</text>" in svg


def test_png_and_bad_extension(tmp_path):
    assert ivr_cli("graph", "-o", str(tmp_path / "m.png"), config=ROOT / "config.yaml").returncode == 0
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = ivr_cli("graph", "-o", str(tmp_path / "m.gif"), config=ROOT / "config.yaml")
    assert bad.returncode == 1 and "use .svg, .png or .dot" in bad.stderr


def test_unreachable_nodes_are_marked_and_failure_edges_dashed():
    menu = build_menu(yaml.safe_load("""
menu:
  entry: main
  nodes:
    main: {type: menu, prompt: [m], options: {"1": bye}, on_failure: bye}
    orphan: {type: play, prompt: [o], next: bye}
    bye: {type: hangup}
"""))
    dot = to_dot(menu)
    assert '"orphan" [shape="note", label="orphan\\n[play]\\no\\n(unreachable)", style="dashed,filled"' in dot
    assert '"main" -> "bye" [label="failure", style="dashed"' in dot
    assert '"main" -> "bye" [label="1"]' in dot
