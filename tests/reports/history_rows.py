"""Generated handle-time rows for the report tests: deterministic, written in
chunks (memory flat), and the same figures computed by hand from them.

Not the bench's generator (ivr.bench.history): a small one the tests own.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from typing import Iterator

from sqlalchemy import insert

from ivr.store.models import HandleTimeRow

QUEUES = ("billing", "sales", "support", "tech")
AGENTS = tuple(f"agent{i:02d}" for i in range(12))
OUTCOMES = ("answered",) * 14 + ("abandoned",) * 3 + ("timeout", "full", "empty", "interrupted")


def rows(n: int, start: datetime, span: timedelta, seed: int = 1) -> Iterator[dict]:
    """n rows spread over [start, start + span), waits with ties and milliseconds."""
    rnd = random.Random(seed)
    span_s = span.total_seconds()
    for i in range(n):
        at = start + timedelta(seconds=round(rnd.random() * span_s, 3))
        outcome = rnd.choice(OUTCOMES)
        answered = outcome == "answered"
        wait = 0.0 if outcome in ("full", "empty") else round(rnd.expovariate(1 / 25), rnd.choice((0, 3)))
        talk = round(rnd.uniform(20, 400), 3) if answered else 0.0
        hold = round(rnd.uniform(0, 60), 3) if answered and rnd.random() < 0.2 else 0.0
        yield {"unique_id": f"g{seed}-{i}", "queue": rnd.choice(QUEUES), "entered_second": int(at.timestamp()),
               "caller_id": "", "agent": rnd.choice(AGENTS) if answered else "", "entered_at": at,
               "answered_at": at + timedelta(seconds=wait) if answered else None,
               "ended_at": at + timedelta(seconds=wait + talk + hold), "wait_s": wait, "ring_s": 0.0,
               "talk_s": talk, "hold_s": hold, "wrapup_s": 5.0 if answered else 0.0, "outcome": outcome,
               "reason": "", "first_position": 1, "last_position": 1, "attempts": 1}


def load(engine, n: int, start: datetime, span: timedelta, seed: int = 1, chunk: int = 20_000) -> None:
    batch: list[dict] = []
    with engine.begin() as conn:
        for row in rows(n, start, span, seed):
            batch.append(row)
            if len(batch) == chunk:
                conn.execute(insert(HandleTimeRow), batch)
                batch = []
        if batch:
            conn.execute(insert(HandleTimeRow), batch)


def percentile_cont(values: list[float], p: float) -> float | None:
    """PostgreSQL's percentile_cont, by hand."""
    if not values:
        return None
    v = sorted(values)
    pos = p * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def by_hand(detail: list[dict], key, sl_s: float = 20.0) -> dict[str, dict]:
    """The report's figures per key(row), from detail rows, the long way."""
    groups: dict[str, list[dict]] = {}
    for r in detail:
        groups.setdefault(key(r), []).append(r)
    groups["total"] = list(detail)
    out = {}
    for k, rs in groups.items():
        answered = [r for r in rs if r["outcome"] == "answered"]
        count = {o: sum(1 for r in rs if r["outcome"] == o) for o in ("abandoned", "timeout", "full", "empty")}
        offered = len(answered) + count["abandoned"] + count["timeout"]
        waits = [r["wait_s"] for r in answered]
        out[k] = {
            "key": k, "calls": len(rs), "answered": len(answered), **count,
            "aht_s": sum(r["talk_s"] + r["hold_s"] + r["wrapup_s"] for r in answered) / len(answered)
            if answered else None,
            "asa_s": sum(waits) / len(waits) if waits else None,
            "abandonment_rate": count["abandoned"] / offered if offered else None,
            "service_level": sum(1 for w in waits if w <= sl_s) / offered if offered else None,
            "longest_wait_s": max(r["wait_s"] for r in rs),
            "talk_s": sum(r["talk_s"] for r in rs), "hold_s": sum(r["hold_s"] for r in rs),
            "wait_p50_s": percentile_cont(waits, 0.5), "wait_p90_s": percentile_cont(waits, 0.9),
        }
    return out


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
