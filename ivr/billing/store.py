"""The SQL of billing: one hotline's calls of a month, per call and summed.

Per ended call of the client's hotline that started in [start, end) (UTC
bounds of the hotline's local month), in whole milliseconds:

- call_ms = ended_at - started_at;
- wait_ms = the sum of its queue waits (`handle_times.wait_s`, every queue);
- talk_ms = the sum of talk + agent hold (`talk_s + hold_s`);
- ivr_ms  = call_ms - wait_ms - talk_ms (never below 0): menus, prompts, survey;
- billed_s = the plan's billed time (talk_ms or call_ms) rounded up to the
  plan's unit per call: ceil(ms / (unit * 1000)) * unit, in integers.

The totals and the annex rows come from the same per-call statement, so
the annex always adds up to the bill. Both run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from sqlalchemy import BigInteger, case, cast, func, select
from sqlalchemy.engine import Connection, Engine

from ..store.models import Call, HandleTimeRow
from ..store.window import seconds_between, utc


@dataclass(frozen=True)
class MonthUsage:
    """One hotline's month, summed over its calls (milliseconds; billed in whole seconds)."""

    calls: int
    call_ms: int
    ivr_ms: int
    wait_ms: int
    talk_ms: int
    billed_s: int


@dataclass(frozen=True)
class CallUsage:
    """One call of the annex (milliseconds; billed_s after the plan's rounding)."""

    unique_id: str
    started_at: datetime      # aware UTC
    caller_id: str
    called: str
    call_ms: int
    ivr_ms: int
    wait_ms: int
    talk_ms: int
    billed_s: int


def _per_call(conn: Connection, client: str, hotline: str, start: datetime, end: datetime,
              billed: str, unit_s: int):
    ht = HandleTimeRow
    ms = lambda expr: cast(func.round(expr * 1000), BigInteger)  # noqa: E731
    calls = (select(Call.id, Call.unique_id, Call.started_at, Call.caller_id, Call.called,
                    ms(seconds_between(conn, Call.started_at, Call.ended_at)).label("call_ms"),
                    ms(func.coalesce(func.sum(ht.wait_s), 0)).label("wait_ms"),
                    ms(func.coalesce(func.sum(ht.talk_s + ht.hold_s), 0)).label("talk_ms"))
             .select_from(Call).outerjoin(ht, ht.unique_id == Call.unique_id)
             .where(Call.client == client, Call.hotline == hotline, Call.ended_at.is_not(None),
                    Call.started_at >= utc(start), Call.started_at < utc(end))
             .group_by(Call.id)).subquery("c")
    rest = calls.c.call_ms - calls.c.wait_ms - calls.c.talk_ms
    unit_ms = unit_s * 1000
    billed_ms = calls.c.talk_ms if billed == "talk" else calls.c.call_ms
    return select(calls.c.unique_id, calls.c.started_at, calls.c.caller_id, calls.c.called,
                  calls.c.call_ms, case((rest > 0, rest), else_=0).label("ivr_ms"),
                  calls.c.wait_ms, calls.c.talk_ms,
                  ((billed_ms + (unit_ms - 1)) // unit_ms * unit_s).label("billed_s"),
                  calls.c.id).subquery("p")


def month_usage(engine: Engine, client: str, hotline: str, start: datetime, end: datetime,
                billed: str = "talk", unit_s: int = 1) -> MonthUsage:
    """The hotline's calls that started in [start, end), summed. `billed` is "talk" or "call"."""
    with engine.connect() as conn:
        p = _per_call(conn, client, hotline, start, end, billed, unit_s)
        row = conn.execute(select(func.count(), *(func.coalesce(func.sum(c), 0) for c in (
            p.c.call_ms, p.c.ivr_ms, p.c.wait_ms, p.c.talk_ms, p.c.billed_s)))).one()
    return MonthUsage(*(int(v) for v in row))


def call_usage(engine: Engine, client: str, hotline: str, start: datetime, end: datetime,
               billed: str = "talk", unit_s: int = 1) -> Iterator[CallUsage]:
    """The same calls one by one, oldest first, streamed (memory does not grow with the month)."""
    with engine.connect() as conn:
        p = _per_call(conn, client, hotline, start, end, billed, unit_s)
        stmt = select(*(c for c in p.c if c.name != "id")).order_by(p.c.started_at, p.c.id)
        for r in conn.execution_options(yield_per=2000).execute(stmt):
            yield CallUsage(r.unique_id, utc(r.started_at), r.caller_id, r.called,
                            *(int(v) for v in r[4:]))


def client_hotlines(engine: Engine, client: str, start: datetime, end: datetime) -> list[str]:
    """Hotlines the client's calls in [start, end) went to (UTC bounds, taken wide by the caller)."""
    with engine.connect() as conn:
        stmt = (select(Call.hotline).distinct().where(Call.client == client, Call.started_at >= utc(start),
                                                     Call.started_at < utc(end)).order_by(Call.hotline))
        return [h for (h,) in conn.execute(stmt)]


def clients(engine: Engine, start: datetime, end: datetime) -> list[str]:
    """Every client with calls in [start, end) (calls logged before hotlines existed have none)."""
    with engine.connect() as conn:
        stmt = (select(Call.client).distinct().where(Call.client != "", Call.started_at >= utc(start),
                                                    Call.started_at < utc(end)).order_by(Call.client))
        return [c for (c,) in conn.execute(stmt)]
