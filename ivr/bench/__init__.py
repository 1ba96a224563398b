"""`make bench`: our FastAGI server against a bare panoramisk handler.

bench/__main__.py orchestrates, ivr/bench/agi_servers.py holds the two servers
under test, ivr/bench/agi_client.py plays Asterisk. Each runs in its own process.
This module keeps the two helpers all of them share.
"""

from __future__ import annotations

import resource

NOFILE = 8192


def raise_nofile(want: int = NOFILE) -> int:
    """Raise RLIMIT_NOFILE to at least `want` (as far as the hard limit allows)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def summarize(values: list[float], scale: float = 1.0) -> dict[str, float] | None:
    """count, p50, p90, p99 and max of `values` times `scale` (None if empty)."""
    if not values:
        return None
    s = sorted(values)
    n = len(s)

    def pct(p: float) -> float:
        return round(s[min(n - 1, int(p * n))] * scale, 1)

    return {"n": n, "p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": round(s[-1] * scale, 1)}
