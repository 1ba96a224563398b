"""Helpers the reports share: time windows and UTC normalisation."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Select


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC; SQLite hands datetimes back naive, and they were written as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def window(stmt: Select, column, since: datetime | None, until: datetime | None) -> Select:
    """Half-open [since, until): consecutive windows never count a row twice."""
    # SQLite stores the wall clock without its offset, so bind UTC to compare like with like.
    if since is not None:
        stmt = stmt.where(column >= utc(since))
    if until is not None:
        stmt = stmt.where(column < utc(until))
    return stmt


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
