"""Time windows: the one reading of `--since`/`--until` text (CLI and web
alike) and the one way a query is cut to a window.

Every window is half-open, [since, until), and in aware UTC, so consecutive
windows never count a row twice whatever the database or the local zone.
"""

from __future__ import annotations

from datetime import datetime, time, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Select


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC; a naive value is taken as UTC (that is how it was written)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def parse_when(option: str, text: str | None) -> datetime | None:
    """An aware UTC datetime from ISO text; naive input is UTC, a bare date is
    midnight UTC. ValueError names the option (`--since`, `since`, ...)."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r}: not an ISO date or datetime "
                         "(e.g. 2026-11-23 or 2026-11-23T10:00Z)") from None
    if len(text) <= 10:  # a bare date: midnight UTC, whatever the local zone
        value = datetime.combine(value.date(), time(), timezone.utc)
    return in_range(option, text, lambda: utc(value))


def in_range(option: str, text: str, convert):
    """convert(), or ValueError naming the option when the instant falls outside the years
    Python's datetime holds (9999-12-31T23:00-05:00 is in year 10000 in UTC)."""
    try:
        return convert()
    except (OverflowError, ValueError):
        raise ValueError(f"{option} {text!r}: out of range (years 0001 to 9999 in UTC)") from None


def window(stmt: "Select", column, since: datetime | None, until: datetime | None) -> "Select":
    """stmt restricted to since <= column < until (either end may be open)."""
    # SQLite stores the wall clock without its offset, so bind UTC to compare like with like.
    if since is not None:
        stmt = stmt.where(column >= utc(since))
    if until is not None:
        stmt = stmt.where(column < utc(until))
    return stmt


def seconds_between(conn, start, end):
    """SQL for `end - start` in seconds (a float with the stored fraction) on either database."""
    from sqlalchemy import Float, Integer, cast, func
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    # SQLite's date functions keep milliseconds only: whole seconds from strftime('%s'),
    # the stored fraction (".ffffff", SQLAlchemy's format) read as a number.
    frac = lambda c: cast(func.substr(c, 20), Float)  # noqa: E731
    return (cast(func.strftime("%s", end), Integer) - cast(func.strftime("%s", start), Integer)
            + (frac(end) - frac(start)))
