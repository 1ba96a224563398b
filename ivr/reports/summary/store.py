"""The summary's queries: refresh the marked hours, rebuild all, and a report's figures
read from it (ivr/reports/summary/__init__.py says what it holds and when it is used).

- `summary_figures(engine, ...)`: the same (groups, total) as ivr/reports/store.py
  `handle_time_figures`, from report_hours after a refresh; None when the summary cannot
  give the report exactly (not built, another threshold, a window not on whole hours, a
  hotline or client filter, a zone with offsets not whole hours): the caller reads the
  detail rows then.
- `refresh(engine)`: recompute the marked hours; how many marks it cleared.
- `rebuild(engine, service_level_s)`: recompute every hour for that threshold (`ivr report
  rebuild`); a Rebuilt. StoreError when the database refuses.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import (Float, Integer, bindparam, delete, func, insert, literal, literal_column, null, select,
                        tuple_, update)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ...errors import StoreError
from ...store.models import (CallbackAttempt, HandleTimeRow, ReportDirtyHour, ReportHour, ReportSummaryState,
                             utcnow)
from ...store.window import utc
from ..store import (ANSWERED, PERCENTILES, QueueFigures, _callback_figures, _callback_source, _figures,
                     _filters, _group_params, _group_template, _local_keys, _on_entered_at, _on_the_line,
                     offset_periods)

HOUR = timedelta(hours=1)
GROUPINGS = ("queue", "agent", "hour", "day")
_CHUNK = 500   # ids to an IN list


# ---- keeping it ----

@dataclass(frozen=True)
class Rebuilt:
    """What `rebuild` did: summary rows written from how many detail rows, for which threshold."""

    hour_rows: int
    handle_time_rows: int
    service_level_s: float
    seconds: float


def _hour(conn: Connection, column):
    """SQL for the first instant of the UTC hour of `column`, as the column type stores it.
    Literals, not bound parameters: PostgreSQL must see the GROUP BY's expression as the select's."""
    if conn.dialect.name == "postgresql":
        utc_ = literal_column("'UTC'")
        return func.timezone(utc_, func.date_trunc(literal_column("'hour'"), func.timezone(utc_, column)))
    # SQLAlchemy's SQLite DATETIME text, as UTCDateTime binds an hour.
    return func.strftime(literal_column("'%Y-%m-%d %H:00:00.000000'"), column)


_COLUMNS = ("hour", "queue", "agent", "part", "calls", "answered", "abandoned", "timeout", "full", "empty", "in_sl",
            "handle_s", "wait_s", "longest_wait_s", "talk_s", "hold_s", "callbacks", "callback_waits",
            "callback_wait_s")


def _recompute(conn: Connection, sl_s: float, lo: datetime | None, hi: datetime | None) -> None:
    """Replace the summary rows of the hours in [lo, hi) (None: open) by the detail rows' sums."""
    r, t, a = ReportHour, HandleTimeRow, CallbackAttempt
    gone = delete(r)
    if lo is not None:
        gone = gone.where(r.hour >= lo)
    if hi is not None:
        gone = gone.where(r.hour < hi)
    conn.execute(gone)
    zero, zero_s = literal(0, Integer), literal(0.0, Float)
    # Part 0: callers on the line, by entry hour (the detail report's expressions).
    hour = _hour(conn, t.entered_at)
    f = {c.name: c.element for c in _figures(t, t.outcome == ANSWERED, sl_s)}
    line = (select(hour, t.queue, t.agent, literal(0, Integer), f["calls"], f["answered"], f["abandoned"],
                   f["timeout"], f["full"], f["empty"], f["in_sl"], f["handle"], f["wait"], f["longest"],
                   f["talk"], f["hold"], zero, zero, zero_s)
            .where(*_filters(lo, hi, None), *_on_the_line(conn)).group_by(hour, t.queue, t.agent))
    conn.execute(insert(r).from_select(_COLUMNS, line))
    # Part 1: answered callbacks, by request hour, as `_plus` adds them to a group.
    hour = _hour(conn, a.requested_at)
    cb = {c.name: c.element for c in _callback_figures(conn, sl_s)}
    where = [a.result == ANSWERED]
    if lo is not None:
        where.append(a.requested_at >= lo)
    if hi is not None:
        where.append(a.requested_at < hi)
    called_back = (select(hour, t.queue, t.agent, literal(1, Integer), cb["n"], func.count(), zero, zero, zero,
                          zero, cb["in_sl"], cb["handle"], zero_s, null(), cb["talk"], cb["hold"], func.count(),
                          cb["timed"], cb["wait"])
                   .select_from(_callback_source()).where(*where).group_by(hour, t.queue, t.agent))
    conn.execute(insert(r).from_select(_COLUMNS, called_back))


def _lock(conn: Connection) -> tuple[bool, float | None]:
    """Take the summary for this transaction (refreshes and rebuilds one at a time; on SQLite
    the write lock, before anything is read): (the state row exists, its threshold)."""
    s = ReportSummaryState
    if conn.execute(update(s).where(s.id == 1).values(refreshed_at=utcnow())).rowcount != 1:
        return False, None
    return True, conn.execute(select(s.service_level_s).where(s.id == 1)).scalar()


def _clear(conn: Connection, ids: list[int]) -> None:
    for i in range(0, len(ids), _CHUNK):
        conn.execute(delete(ReportDirtyHour).where(ReportDirtyHour.id.in_(ids[i:i + _CHUNK])))


def _runs(hours: list[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive hours as [lo, hi) ranges."""
    out: list[list[datetime]] = []
    for h in sorted(set(hours)):
        if out and out[-1][1] == h:
            out[-1][1] = h + HOUR
        else:
            out.append([h, h + HOUR])
    return [(lo, hi) for lo, hi in out]


def refresh(engine: Engine) -> int:
    """Recompute the marked hours of a built summary; the number of marks cleared (0 when none
    or the summary is not built: its marks wait for the rebuild)."""
    d = ReportDirtyHour
    with engine.connect() as conn:   # the common case, nothing marked: no write lock
        if conn.execute(select(d.id).limit(1)).first() is None:
            return 0
    with engine.begin() as conn:
        known, sl_s = _lock(conn)
        if not known or sl_s is None:
            return 0
        marks = conn.execute(select(d.id, d.hour)).all()
        for lo, hi in _runs([utc(h) for _, h in marks]):
            _recompute(conn, sl_s, lo, hi)
        _clear(conn, [i for i, _ in marks])
        return len(marks)


def rebuild(engine: Engine, service_level_s: float) -> Rebuilt:
    """Recompute every hour of the summary for `service_level_s` and clear the marks read."""
    s, d = ReportSummaryState, ReportDirtyHour
    t0 = time.perf_counter()
    try:
        with engine.begin() as conn:
            known, _ = _lock(conn)
            if not known:   # a database built by create_all before migration 0015
                conn.execute(insert(s).values(id=1))
            marks = list(conn.execute(select(d.id)).scalars())
            _recompute(conn, service_level_s, None, None)
            _clear(conn, marks)
            conn.execute(update(s).where(s.id == 1).values(service_level_s=service_level_s, built_at=utcnow()))
            rows = conn.execute(select(func.count()).select_from(ReportHour)).scalar_one()
            detail = conn.execute(select(func.count()).select_from(HandleTimeRow)).scalar_one()
    except SQLAlchemyError as exc:
        raise StoreError(f"the report summary could not be rebuilt: {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]}") from None
    return Rebuilt(rows, detail, service_level_s, time.perf_counter() - t0)


def ensure_built(engine: Engine, service_level_s: float) -> Rebuilt | None:
    """Rebuild unless the summary is already built for `service_level_s` (`ivr serve` calls it
    at start, so a new or upgraded database gets its summary without anyone running `ivr
    report rebuild`); None when it was. StoreError when the database refuses."""
    return None if _built_for(engine) == service_level_s else rebuild(engine, service_level_s)


def _built_for(engine: Engine) -> float | None:
    """The service-level threshold (seconds) the summary is built for; None: not built."""
    with engine.connect() as conn:
        return conn.execute(select(ReportSummaryState.service_level_s).where(ReportSummaryState.id == 1)).scalar()


# ---- reading it ----

def _whole_hour(at: datetime | None) -> bool:
    return at is None or (utc(at).minute, utc(at).second, utc(at).microsecond) == (0, 0, 0)


def _hours_exact(conn: Connection, tz: str, where: list) -> bool:
    """Whether every local hour of `tz` over the summary's hours in `where` is a UTC hour:
    offsets of whole hours, changing on whole UTC hours."""
    first, last = conn.execute(select(func.min(ReportHour.hour), func.max(ReportHour.hour)).where(*where)).one()
    if first is None:
        return True
    first, last = utc(_as_dt(first)), utc(_as_dt(last))
    periods = offset_periods(tz, first, last + HOUR - timedelta(microseconds=1))
    return all(off % 3600 == 0 and (until is None or _whole_hour(until)) for until, off in periods)


def _as_dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def summary_figures(engine: Engine, since: datetime | None, until: datetime | None, queue: str | None,
                    by: str, tz: str, service_level_s: float, hotline: str | None = None,
                    client: str | None = None) -> tuple[list[QueueFigures], QueueFigures] | None:
    """handle_time_figures' answer from the summary, or None when it cannot be exact (the module's docstring)."""
    if by not in GROUPINGS or hotline is not None or client is not None:
        return None
    if not (_whole_hour(since) and _whole_hour(until)):
        return None
    built = _built_for(engine)
    if built is None or built != service_level_s:
        return None
    refresh(engine)
    r = ReportHour
    swhere = []
    if since is not None:
        swhere.append(r.hour >= utc(since))
    if until is not None:
        swhere.append(r.hour < utc(until))
    if queue is not None:
        swhere.append(r.queue == queue)
    with engine.connect() as conn:
        if by in ("hour", "day"):
            if not _hours_exact(conn, tz, swhere):
                return None
            keys = _local_keys(conn, r.hour, tz, by, swhere, r.__table__)
        else:
            keys = [{"queue": r.queue, "agent": r.agent}[by]]
        groups = _summed(conn, keys, swhere)
        where = _filters(since, until, queue)
        if conn.dialect.name == "postgresql":
            pcts = _pg_percentiles(conn, by, tz, where)
        else:
            pcts = _sqlite_percentiles(conn, by, tz, where, groups)
    out = [_with(g, pcts.get((g.key, g.offset_s))) for g in groups]
    return out, _with(_sum(out), pcts.get((None, None)))


def _summed(conn: Connection, keys: list, where: list) -> list[QueueFigures]:
    r = ReportHour
    sums = [func.sum(getattr(r, c)) for c in ("calls", "answered", "abandoned", "timeout", "full", "empty",
                                               "in_sl", "handle_s", "wait_s")]
    sums += [func.max(r.longest_wait_s)] + [func.sum(getattr(r, c)) for c in (
        "talk_s", "hold_s", "callbacks", "callback_waits", "callback_wait_s")]
    stmt = select(*[k.label(f"k{i}") for i, k in enumerate(keys)], *sums).where(*where).group_by(*keys)
    out = []
    n = len(keys)
    for row in conn.execute(stmt):
        (calls, answered, abandoned, timeout_, full, empty, in_sl, handle, wait, longest, talk, hold,
         callbacks, cb_waits, cb_wait) = row[n:]
        out.append(QueueFigures(row[0], int(row[1]) if n > 1 else None, int(calls), int(answered), int(abandoned),
                                int(timeout_), int(full), int(empty), int(in_sl), float(handle), float(wait),
                                None if longest is None else float(longest), float(talk), float(hold), None, None,
                                int(callbacks), int(cb_waits), float(cb_wait)))
    return out


def _sum(groups: list[QueueFigures]) -> QueueFigures:
    """The total of the groups (a partition of the callers)."""
    longest = [g.longest_wait_s for g in groups if g.longest_wait_s is not None]
    values: dict = {"key": None, "offset_s": None, "wait_p50_s": None, "wait_p90_s": None,
                    "longest_wait_s": max(longest) if longest else None}
    for f in fields(QueueFigures):
        if f.name not in values:
            values[f.name] = sum(getattr(g, f.name) for g in groups)
    for name in ("handle_s", "answered_wait_s", "talk_s", "hold_s", "callback_wait_s"):
        values[name] = float(values[name])
    return QueueFigures(**values)


def _with(g: QueueFigures, pct: tuple | None) -> QueueFigures:
    p50, p90 = pct if pct is not None else (None, None)
    return replace(g, wait_p50_s=p50, wait_p90_s=p90)


# ---- percentiles, from the detail rows ----

def _pg_percentiles(conn: Connection, by: str, tz: str, where: list) -> dict:
    """{(key, offset) | (None, None) for the total: (p50, p90)}: percentile_cont over the answered
    rows of callers on the line, as the detail report computes them."""
    t = HandleTimeRow
    if by in ("hour", "day"):
        keys = _local_keys(conn, t.entered_at, tz, by, where)
    else:
        keys = [{"queue": t.queue, "agent": t.agent}[by]]
    on_line = _on_the_line(conn)[:1]   # not a callback leg (the other clause keeps every answered row)
    pct = [func.percentile_cont(p).within_group(t.wait_s).label(f"p{i}") for i, p in enumerate(PERCENTILES)]
    stmt = (select(*[k.label(f"k{i}") for i, k in enumerate(keys)], func.grouping(*keys).label("is_total"), *pct)
            .where(t.outcome == ANSWERED, *where, *on_line).group_by(func.grouping_sets(tuple_(*keys), tuple_())))
    out = {}
    for row in conn.execute(stmt):
        p = tuple(None if v is None else float(v) for v in (row.p0, row.p1))
        if row.is_total:
            out[None, None] = p
        else:
            out[row.k0, int(row.k1) if len(keys) > 1 else None] = p
    return out


def _sqlite_percentiles(conn: Connection, by: str, tz: str, where: list, groups: list[QueueFigures]) -> dict:
    """The same from an index walk over every answered row of the group, callback legs included
    (index-only: no row read for its unique_id), corrected by the legs' own waits (_rank_value)."""
    t, a = HandleTimeRow, CallbackAttempt
    by_time = by in ("hour", "day")
    # The legs (few): wait, queue, agent and entry of each answered callback leg in the window,
    # looked up by unique_id from the attempts (a join lets SQLite walk the window's rows instead).
    uids = list(conn.execute(select(a.queue_unique_id)).scalars())
    legs = []
    for i in range(0, len(uids), _CHUNK):
        legs += conn.execute(select(t.wait_s, t.queue, t.agent, t.entered_at)
                             .where(t.unique_id.in_(uids[i:i + _CHUNK]), t.outcome == ANSWERED,
                                    *where)).all()
    # An hour's or day's rows come by the entered_at index: `outcome || ''` keeps SQLite from
    # walking the whole (outcome, wait_s) index instead, for its order (as ivr/reports/store.py).
    answered = (t.outcome.concat("") if by_time else t.outcome) == ANSWERED
    cut = [w for w in where if not (by_time and _on_entered_at(w))]
    # Each in both orders: a rank past the middle is reached from the top (an OFFSET steps
    # through the index entries before it: for p90, a tenth of the group instead of nine).
    walk, walk_down = ((select(t.wait_s).where(answered, *cut, _group_template(by)).order_by(order)
                        .limit(bindparam("take", type_=Integer)).offset(bindparam("skip", type_=Integer)))
                       for order in (t.wait_s, t.wait_s.desc()))
    walk_all, walk_all_down = ((select(t.wait_s).where(t.outcome == ANSWERED, *where).order_by(order)
                                .limit(bindparam("take", type_=Integer)).offset(bindparam("skip", type_=Integer)))
                               for order in (t.wait_s, t.wait_s.desc()))

    def fetcher(stmt, params):
        return lambda skip, take: [w for (w,) in conn.execute(stmt, {**params, "skip": skip, "take": take})]
    out = {}
    for g in groups:
        params = _group_params(_Keys(g.key, g.offset_s), by, tz, where)
        if by_time:
            lo, hi = params["lo"], params["hi"]
            mine = sorted(w for w, _, _, at in legs if lo <= utc(at) < hi)
        else:
            mine = sorted(w for w, q, ag, _ in legs if (q if by == "queue" else ag) == g.key)
        out[g.key, g.offset_s] = _percentiles(fetcher(walk, params), g.answered - g.callbacks, mine,
                                              fetcher(walk_down, params))
    total_n = sum(g.answered - g.callbacks for g in groups)
    out[None, None] = _percentiles(fetcher(walk_all, {}), total_n, sorted(w for w, _, _, _ in legs),
                                   fetcher(walk_all_down, {}))
    return out


@dataclass(frozen=True)
class _Keys:   # what _group_params reads of a group's row
    k0: str
    k1: int | None


def _percentiles(fetch: Callable[[int, int], list[float]], n: int, legs: list[float],
                 fetch_down: Callable[[int, int], list[float]] | None = None) -> tuple:
    """(p50, p90) of the n answered waits of callers on the line, given `fetch(skip, take)`,
    the waits of rank skip + 1 .. skip + take among every answered row of the group (legs
    included), and `legs`, the legs' waits, sorted. `fetch_down(skip, take)`: the same
    counted from the largest wait down; used for a rank in the upper half (there are
    n + len(legs) answered rows: the legs are answered rows of the group)."""
    vals = []
    for p in PERCENTILES:
        if n <= 0:
            vals.append(None)
            continue
        pos = p * (n - 1)           # float arithmetic as PostgreSQL's percentile_cont
        k = int(pos)
        take, size = len(legs) + 2, n + len(legs)
        if fetch_down is not None and 2 * k > size:   # A[k .. k + take - 1], A ending at size
            top = size - k - take
            window = list(reversed(fetch_down(max(top, 0), take + min(top, 0))))
        else:
            window = fetch(k, take)
        if not window:
            vals.append(None)
            continue
        lo = _rank_value(window, k, k, legs)
        hi = _rank_value(window, k, k + 1, legs) if k + 1 < n else lo
        vals.append(lo + (hi - lo) * (pos - k))
    return tuple(vals)


def _rank_value(window: list[float], k: int, rank: int, legs: list[float]) -> float:
    """The wait of 0-based rank `rank` among the rows that are not legs (B = A - legs), from
    `window` = A[k .. k + len(legs) + 1] (A: every answered row's wait, sorted; fewer when A
    ends) and the legs' sorted waits (a sub-multiset of A).

    B[rank] is the least wait v with #{a in A: a <= v} - #{legs <= v} > rank. It lies in
    the window: B[rank] >= A[rank] >= A[k], and B[rank] <= A[rank + len(legs)] (removing
    len(legs) values moves a rank up by at most that). For v = window[i] (its last copy in
    the window), #{a <= v} = k + i + 1: every A before k is <= A[k] <= v, and what follows
    the window is >= its last value, so the count is exact unless v is that last value and
    A goes on; then no smaller candidate qualified and the last value is the answer."""
    ends = len(window) < len(legs) + 2        # A ends inside the window: every count is exact
    for i, v in enumerate(window):
        if i + 1 < len(window) and window[i + 1] == v:
            continue
        if i == len(window) - 1 and not ends:
            break
        if k + i + 1 - bisect_right(legs, v) > rank:
            return v
    return window[-1]

