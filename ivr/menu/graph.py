"""The menu as a picture (`ivr graph -o menu.svg|png`), drawn by graphviz's dot.

Digit edges are solid and labelled with the digits; `next` edges are plain;
failure, timeout and closed-hours edges are dashed; nodes the caller can
never reach from the entry are greyed out and say so.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import IVRError
from .items import Say
from .menugraph import MenuGraph
from .model import SPECIAL_TARGETS, Menu
from .nodes import REGISTRY, EdgeKind


def _q(text: str) -> str:
    """A DOT string; real newlines become DOT's centred line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _prompt_text(items: tuple) -> str:
    return ", ".join(f"say {i.kind}" if isinstance(i, Say) else str(i) for i in items)


def to_dot(menu: Menu) -> str:
    graph = MenuGraph.of_menu(menu)
    live = graph.reachable()
    lines = ["digraph menu {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    for name, node in menu.nodes.items():
        label = f"{name}\n[{node.type}]"
        if node.prompt:
            label += "\n" + _prompt_text(node.prompt)[:60]
        attrs = {"shape": REGISTRY[node.type].shape, "label": label}
        if name == menu.entry:
            attrs.update(style="bold,filled", fillcolor="lightblue")
        if name not in live:
            attrs.update(style="dashed,filled", fillcolor="lightgrey", label=label + "\n(unreachable)")
        lines.append(f"  {_q(name)} [" + ", ".join(f"{k}={_q(v)}" for k, v in attrs.items()) + "];")
    for name, out in graph.edges.items():
        for edge in out:
            target = edge.target
            if target in SPECIAL_TARGETS:
                target_id = f"{name}:{target}"
                lines.append(f"  {_q(target_id)} [shape=plaintext, label={_q(target)}];")
            else:
                target_id = target
            attrs = {"label": edge.label}
            if edge.kind is EdgeKind.FAILURE:
                attrs.update(style="dashed", color="firebrick", fontcolor="firebrick")
            elif edge.kind is EdgeKind.NEXT:
                attrs.update(color="gray40")
            lines.append(f"  {_q(name)} -> {_q(target_id)} [" + ", ".join(f"{k}={_q(v)}" for k, v in attrs.items()) + "];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(menu: Menu, output: Path) -> None:
    """Write output as SVG or PNG (by its extension) with dot."""
    fmt = output.suffix.lstrip(".").lower()
    if fmt not in ("svg", "png", "dot"):
        raise IVRError(f"{output}: use .svg, .png or .dot")
    dot = to_dot(menu)
    if fmt == "dot":
        output.write_text(dot)
        return
    if shutil.which("dot") is None:
        raise IVRError("graphviz's dot is missing: apt-get install graphviz (make run/test do this)")
    res = subprocess.run(["dot", f"-T{fmt}", "-o", str(output)], input=dot.encode(), capture_output=True)
    if res.returncode != 0:
        raise IVRError(f"dot failed: {res.stderr.decode(errors='replace').strip()}")
