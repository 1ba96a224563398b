"""Arithmetic the reports share. (Time windows are in ivr.store.window.)"""

from __future__ import annotations


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
