"""In-process figures of DESIGN.md's targets beside the transport: AMI events
folded into handle-time records per second (against a bare loop that only
dispatches the same events by name), and `ivr validate` of a 10,000-node menu
(against PyYAML's parse of the same text). Reported, never asserted."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "tests/queues/transcripts"


def _events() -> list[list[dict]]:
    """The recorded app_queue transcripts, each made unique per copy so folds never merge."""
    return [json.loads(p.read_text()) for p in sorted(TRANSCRIPTS.glob("*.json"))]


def _copies(calls: list[list[dict]], n: int) -> list[dict]:
    out = []
    for i in range(n):
        for call in calls:
            for e in call:
                e = dict(e)
                if "Uniqueid" in e:
                    e["Uniqueid"] = f"{e['Uniqueid']}-{i}"
                out.append(e)
    return out


def _median_s(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def fold_rate(copies: int = 2000, rounds: int = 5) -> dict:
    from ..queues.fold import QueueFolder
    events = _copies(_events(), copies)

    def ours():
        folder = QueueFolder()
        for e in events:
            folder.feed(e)

    def bare():   # what any consumer pays: look at each event's name and dispatch
        seen: dict[str, int] = {}
        for e in events:
            name = e.get("Event", "")
            seen[name] = seen.get(name, 0) + 1

    o_med, b_med = _median_s(ours, rounds), _median_s(bare, rounds)
    return {"events": len(events), "ours_events_per_s": round(len(events) / o_med),
            "bare_events_per_s": round(len(events) / b_med), "ratio": round(b_med / o_med, 3)}


def validate_time(nodes: int = 10_000, rounds: int = 3) -> dict:
    import yaml

    from ..menu.validate import validate_text
    lines = ["menu:", "  entry: n0", "  languages: [en]", "  nodes:"]
    for i in range(nodes - 1):
        nxt = f"n{i + 1}" if i + 2 < nodes else "bye"
        lines.append(f'    n{i}: {{type: menu, prompt: [welcome], options: {{"1": {nxt}, "2": n0}}, on_failure: bye}}')
    lines.append("    bye: {type: hangup}")
    text = "\n".join(lines) + "\n"
    o_med = _median_s(lambda: validate_text(text, "big.yaml", Path("/nonexistent")), rounds)
    b_med = _median_s(lambda: yaml.safe_load(text), rounds)
    return {"nodes": nodes, "validate_s": round(o_med, 3), "yaml_parse_s": round(b_med, 3),
            "ratio": round(o_med / b_med, 2)}


def run() -> dict:
    fold, valid = fold_rate(), validate_time()
    print("\nIn-process (medians)")
    print(f"  AMI events folded into records: {fold['ours_events_per_s']:,}/s over {fold['events']:,} events "
          f"(bare dispatch of the same events {fold['bare_events_per_s']:,}/s; target 200,000/s)")
    print(f"  ivr validate, {valid['nodes']:,}-node menu: {valid['validate_s']} s "
          f"(PyYAML parse alone {valid['yaml_parse_s']} s, x{valid['ratio']}; target under 1 s)")
    return {"fold": fold, "validate": valid}
