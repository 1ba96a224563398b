"""Erlang C: the agents a queue needs for a service level, from offered load and AHT.

The M/M/N queue (Poisson arrivals, exponential handle times, N agents, no
abandonment) as call centres use it. With offered traffic A = λ·AHT Erlangs:

- Erlang B by its recursion, B(0) = 1, B(k) = A·B(k-1) / (k + A·B(k-1)),
  numerically stable for any N (no factorials);
- the probability that a call waits, Erlang C:
  C(N, A) = N·B(N, A) / (N − A·(1 − B(N, A)))   for N > A (else 1);
- service level, answered within T s: SL = 1 − C(N, A)·e^(−(N − A)·T / AHT);
- ASA = C(N, A)·AHT / (N − A); occupancy = A / N.

Sources: G. Koole, *Call Center Optimization* (MG Books, 2013), ch. 5
("The Erlang C formula"); ITU-T E.500 for Erlang B/C; the Erlang B recursion
as in Wikipedia, "Erlang (unit)", section "Erlang B formula". The textbook
check (tests/reports/test_staffing_report.py): 100 calls per 30 min, AHT
180 s, 80 % within 20 s -> A = 10, 14 agents (13 reach only 79.6 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000


def erlang_b(agents: int, traffic: float) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """The probability that an offered call waits."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1 - b))


def service_level(agents: int, traffic: float, aht_s: float, within_s: float) -> float:
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * within_s / aht_s)


def asa(agents: int, traffic: float, aht_s: float) -> float:
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_s / (agents - traffic)


@dataclass(frozen=True)
class Staffing:
    traffic: float        # offered load, Erlangs
    agents: int
    service_level: float
    asa_s: float
    occupancy: float


def agents_needed(calls: float, interval_s: float, aht_s: float, target: float = 0.8, within_s: float = 20.0,
                  max_occupancy: float = 1.0) -> Staffing:
    """The fewest agents reaching `target` answered within `within_s` and occupancy at most
    `max_occupancy`, for `calls` offered per `interval_s` seconds with handle time `aht_s`."""
    if not 0 < target < 1:
        raise ValueError(f"the service-level target must be between 0 and 1, not {target}")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"the maximum occupancy must be in (0, 1], not {max_occupancy}")
    traffic = calls * aht_s / interval_s if calls > 0 and aht_s > 0 else 0.0
    if traffic == 0:
        return Staffing(0.0, 0, 1.0, 0.0, 0.0)
    n = max(1, math.floor(traffic) + 1, math.ceil(traffic / max_occupancy))
    while n < MAX_AGENTS and service_level(n, traffic, aht_s, within_s) < target:
        n += 1
    return Staffing(traffic, n, service_level(n, traffic, aht_s, within_s), asa(n, traffic, aht_s), traffic / n)
