"""The reports' queries: the database aggregates, frozen rows of figures come out.

Every figure is computed by SQL (SQLAlchemy Core, the same expressions on
SQLite and PostgreSQL): Python receives one row per group, never a detail
row, so memory follows the number of groups (queues, agents, hours of the
window), not the number of calls. The report modules only divide and format.

Hotlines. A handle-time row's hotline and client are its call's: the rows
are joined to `calls` on unique_id (LEFT OUTER: a row whose call is not in the
log, or a call with no hotline, has the hotline "" and the reports show it as
"(none)"), only when a report filters or groups on them. The funnel filters
the calls themselves. Both run on the indexes of migrations 0009 and 0012.

Local time. Hours and days are the hotline's (an IANA zone, the menu's
`timezone`; ivr/reports/_common.py says which one a report uses):

- PostgreSQL: `entered_at AT TIME ZONE :tz` (`timezone(tz, ts)`), the
  server's own zone rules.
- SQLite knows no zones. Python (zoneinfo) cuts the window into periods of
  one UTC offset (the DST transitions between the first and the last row),
  and SQL shifts each row by its period's offset:
  `strftime('%Y-%m-%dT%H:00', entered_at, CASE WHEN entered_at < :t1 THEN
  '+3600 seconds' WHEN ... END)`. Equivalent to `AT TIME ZONE` for any
  zone whose offset changes at most once a day (every zone in tzdata).

An hour bucket is a local hour *and* the offset in force, so on the autumn
change day 02:00+02:00 and 02:00+01:00 are two buckets (each one real hour)
and the spring day simply has no 02:00; a day bucket is the local date.

Percentiles (`percentile_cont`: linear interpolation between the two
nearest ranks, pos = p * (n - 1)):

- PostgreSQL: `percentile_cont(p) WITHIN GROUP (ORDER BY wait_s) FILTER
  (WHERE answered)`.
- SQLite has no ordered-set aggregates. The GROUP BY gives each group's
  answered count n; then, per group, `SELECT wait_s ... WHERE <the group's
  rows> AND answered ORDER BY wait_s LIMIT 2 OFFSET floor(pos)` reads the
  ranks floor(pos) + 1 and + 2 (through the (outcome, queue|agent, wait_s)
  indexes or the entered_at range of an hour/day), 250 groups to a UNION ALL
  statement, and Python interpolates lo + (hi - lo) * (pos - floor(pos)),
  the same float arithmetic as PostgreSQL's. (A `row_number() OVER
  (PARTITION BY group ORDER BY wait_s)` says the same in one statement, but
  SQLite sorts the whole window for it: 20 s for 1 M rows here, against
  well under a second this way.)

Callbacks (ivr/reports/handle_times.py says what they count as; docs/callbacks.md). The
callback dialer's queue legs are handle_times rows whose unique_id is a
`callback_attempts.queue_unique_id`. Two statements per report:

- the callers on the line: the handle_times rows of the window less every callback
  leg (`NOT EXISTS` on the queue_unique_id index) and less the folded rows, the
  unanswered rows of a call in a queue for which a request of that call and queue was
  answered by a callback whose leg is stored (`(unique_id, queue) NOT IN` the answered
  requests); these give every figure above, percentiles included. A database where no
  callback was ever placed gets neither clause (the same rows, at the old speed);
- the callbacks: callback_attempts with result `answered` joined to their leg's
  handle_times row and their request (and, for hotlines and clients, the request's call),
  windowed and grouped on `callback_attempts.requested_at`, summed per group.

Python adds the callbacks' sums to the group of the same key (a group may hold only
callbacks). Each group is a partition of the callers, so the total is the sum as well.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import (Integer, String, and_, bindparam, case, cast, exists, func, literal, literal_column, select,
                        tuple_)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import aliased

from ..menu.outcome import CALLER_HANGUP, Outcome, StepKind
from ..store.models import Call, CallbackAttempt, CallbackRequest, HandleTimeRow, Step
from ..store.window import seconds_between, utc, window

PERCENTILES = (0.5, 0.9)
ANSWERED = "answered"


# ---- local time ----

def offset_periods(tz: str, first: datetime, last: datetime) -> list[tuple[datetime | None, int]]:
    """The UTC offsets (seconds) in force from `first` to `last` (aware), as
    [(until, offset), ..., (None, offset)]: each offset holds for instants
    before its `until` (UTC) and after the previous one."""
    zone = ZoneInfo(tz)

    def offset(at: datetime) -> int:
        return int(at.astimezone(zone).utcoffset().total_seconds())

    periods: list[tuple[datetime | None, int]] = []
    day = timedelta(days=1)
    at, current = utc(first), offset(utc(first))
    end = utc(last)
    while at <= end:
        nxt = at + day
        if offset(nxt) != current:
            # The change is somewhere in (at, nxt]: find its first second (zones change on whole seconds).
            lo, hi = int(at.timestamp()), int(nxt.timestamp())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(datetime.fromtimestamp(mid, timezone.utc)) == current:
                    lo = mid
                else:
                    hi = mid
            boundary = datetime.fromtimestamp(hi, timezone.utc)
            periods.append((boundary, current))
            current = offset(boundary)
        at = nxt
    periods.append((None, current))
    return periods


def _sqlite_shift(column, periods: list[tuple[datetime | None, int]]):
    """The strftime modifier that turns a stored UTC time into local time, per period."""
    mod = lambda off: f"{off:+d} seconds"  # noqa: E731
    if len(periods) == 1:
        return literal(mod(periods[0][1])), literal(periods[0][1])
    whens = [(column < until, mod(off)) for until, off in periods[:-1]]
    offs = [(column < until, off) for until, off in periods[:-1]]
    return case(*whens, else_=mod(periods[-1][1])), case(*offs, else_=periods[-1][1])


def _local_keys(conn: Connection, column, tz: str, unit: str, where: Sequence, source=None) -> list:
    """[key] or [key, offset] expressions of the local hour/day of `column` (rows of `source`,
    a table or join, cut by `where`)."""
    if conn.dialect.name == "postgresql":
        local = func.timezone(tz, column)
        if unit == "day":
            return [func.to_char(local, "YYYY-MM-DD")]
        offset = cast(func.extract("epoch", local - func.timezone("UTC", column)), Integer)
        return [func.to_char(local, 'YYYY-MM-DD"T"HH24:00'), offset]
    bounds = select(func.min(column), func.max(column))
    if source is not None:
        bounds = bounds.select_from(source)
    first, last = conn.execute(bounds.where(*where)).one()
    if first is None:
        periods = [(None, 0)]
    else:
        periods = offset_periods(tz, utc(_as_dt(first)), utc(_as_dt(last)))
    shift, offset = _sqlite_shift(column, periods)
    if unit == "day":
        return [func.strftime("%Y-%m-%d", column, shift)]
    return [func.strftime("%Y-%m-%dT%H:00", column, shift), offset]


def _as_dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# ---- handle times ----

@dataclass(frozen=True)
class QueueFigures:
    """The sums of one group of callers (key None: every caller of the window): the rows of
    callers on the line plus the callbacks (the module's docstring).

    `offset_s` is the UTC offset of an hour bucket (None for other groupings). Counts and
    sums include the callbacks unless said otherwise; seconds throughout."""

    key: str | None
    offset_s: int | None
    calls: int
    answered: int                 # callbacks included
    abandoned: int
    timeout: int
    full: int
    empty: int
    answered_in_sl: int           # answered with wait_s (a callback: its callback wait) <= the threshold
    handle_s: float               # sum of talk + hold + wrap-up over answered rows (AHT's numerator)
    answered_wait_s: float        # sum of wait_s over answered rows, callbacks excluded (ASA's numerator)
    longest_wait_s: float | None  # max wait_s over the rows of callers on the line
    talk_s: float
    hold_s: float
    wait_p50_s: float | None      # percentile_cont of wait_s over answered rows, callbacks excluded
    wait_p90_s: float | None
    callbacks: int = 0            # answered by a callback (in `answered`)
    callback_waits: int = 0       # ... of which have connected_at (the callback wait's count)
    callback_wait_s: float = 0.0  # sum of connected_at - requested_at over those


def _filters(since, until, queue, hotline=None, client=None) -> list:
    t = HandleTimeRow
    where = []
    if since is not None:
        where.append(t.entered_at >= utc(since))
    if until is not None:
        where.append(t.entered_at < utc(until))
    if queue is not None:
        where.append(t.queue == queue)
    if hotline is not None:     # on the joined call (_source)
        where.append(Call.hotline == hotline)
    if client is not None:
        where.append(Call.client == client)
    return where


# The hotline of a handle-time row: its call's, "" when the call is not in the log. A literal
# '' (no bound parameter) so that PostgreSQL sees the GROUP BY's and grouping()'s expression as one.
HOTLINE_KEY = func.coalesce(Call.hotline, literal_column("''"))


def _source(joined: bool):
    """handle_times, or handle_times LEFT OUTER JOIN calls on unique_id (unique in calls: a row
    is never doubled) when a report filters or groups on the call's hotline or client."""
    t = HandleTimeRow.__table__
    return t.outerjoin(Call.__table__, Call.unique_id == HandleTimeRow.unique_id) if joined else t


def _figures(t, answered, sl_s: float) -> list:
    """The aggregate columns shared by both dialects (t: a table or subquery with the columns)."""
    count = lambda cond: func.count().filter(cond)  # noqa: E731
    zero = lambda e: func.coalesce(e, 0.0)  # noqa: E731
    return [
        func.count().label("calls"),
        count(answered).label("answered"),
        count(t.outcome == "abandoned").label("abandoned"),
        count(t.outcome == "timeout").label("timeout"),
        count(t.outcome == "full").label("full"),
        count(t.outcome == "empty").label("empty"),
        count(and_(answered, t.wait_s <= sl_s)).label("in_sl"),
        zero(func.sum(t.talk_s + t.hold_s + t.wrapup_s).filter(answered)).label("handle"),
        zero(func.sum(t.wait_s).filter(answered)).label("wait"),
        func.max(t.wait_s).label("longest"),
        zero(func.sum(t.talk_s)).label("talk"),
        zero(func.sum(t.hold_s)).label("hold"),
    ]


def handle_time_figures(engine: Engine, since: datetime | None = None, until: datetime | None = None,
                        queue: str | None = None, by: str = "queue", tz: str = "UTC",
                        service_level_s: float = 20.0, hotline: str | None = None,
                        client: str | None = None) -> tuple[list[QueueFigures], QueueFigures]:
    """(one QueueFigures per group, the total) of the rows entered in [since, until), of one
    queue, hotline and/or client when given (a row's hotline and client are its call's).
    by: queue | agent | hotline ("" for rows whose call has none) | hour | day (local hours
    and days of `tz`, an IANA zone)."""
    t = HandleTimeRow
    joined = by == "hotline" or hotline is not None or client is not None
    source = _source(joined)
    with engine.connect() as conn:
        where = _filters(since, until, queue, hotline, client) + _on_the_line(conn)
        if by == "queue":
            keys = [t.queue]
        elif by == "agent":
            keys = [t.agent]
        elif by == "hotline":
            keys = [HOTLINE_KEY]
        elif by in ("hour", "day"):
            keys = _local_keys(conn, t.entered_at, tz, by, where, source)
        else:
            raise ValueError(f"by must be queue, agent, hotline, hour or day, not {by!r}")
        if conn.dialect.name == "postgresql":
            rows = _pg_figures(conn, keys, where, service_level_s, source)
        else:
            rows = _sqlite_figures(conn, keys, where, service_level_s, by, tz, source)
        callbacks = _callback_sums(conn, by, tz, since, until, queue, hotline, client, service_level_s, joined)
    groups = {(r.key, r.offset_s): r for r in rows if r.key is not None}
    [total] = [r for r in rows if r.key is None]
    for (key, offset), cb in callbacks.items():
        groups[key, offset] = _plus(groups.get((key, offset)) or _nothing(key, offset), cb)
        total = _plus(total, cb)
    return list(groups.values()), total


# ---- callbacks (the module's docstring) ----

def _on_the_line(conn: Connection) -> list:
    """The WHERE clauses that leave out of the handle_times rows every callback leg and the
    rows a callback folds (the unanswered rows of the call and queue of a request answered
    by a callback whose leg is stored): correlated to HandleTimeRow. None at all when no
    callback was ever placed: the same rows, without a probe per row (on SQLite the
    percentiles' index walk would read each table row for its unique_id)."""
    t, a, r = HandleTimeRow, CallbackAttempt, CallbackRequest
    if not conn.execute(select(exists().where(a.id.is_not(None)))).scalar():
        return []
    leg = aliased(HandleTimeRow, name="cb_leg")
    is_leg = exists().where(a.queue_unique_id == t.unique_id)
    # Uncorrelated (one pass over the answered attempts), so that SQLite looks a row up by
    # (unique_id, queue) instead of reading every request of the row's queue per row.
    called_back = tuple_(t.unique_id, t.queue).in_(
        select(r.unique_id, r.queue).select_from(r.__table__.join(a.__table__, a.request_id == r.id)
                                                 .join(leg, leg.unique_id == a.queue_unique_id))
        .where(a.result == ANSWERED))
    return [~is_leg, ~and_(t.outcome != ANSWERED, called_back)]


def _callback_sums(conn: Connection, by: str, tz: str, since, until, queue, hotline, client,
                   sl_s: float, joined: bool) -> dict[tuple, "_CallbackSums"]:
    """{(key, offset_s): sums} of the answered callbacks requested in [since, until), grouped
    as the report (queue and agent of the leg, hotline of the request's call, local hour or
    day of the request)."""
    t, a, r = HandleTimeRow, CallbackAttempt, CallbackRequest
    source = _callback_source()
    if joined:   # the caller's call is the request's: the leg (a Local or originated channel) has none
        source = source.outerjoin(Call.__table__, Call.unique_id == r.unique_id)
    where = [a.result == ANSWERED]
    if since is not None:
        where.append(a.requested_at >= utc(since))
    if until is not None:
        where.append(a.requested_at < utc(until))
    if queue is not None:
        where.append(t.queue == queue)
    if hotline is not None:
        where.append(Call.hotline == hotline)
    if client is not None:
        where.append(Call.client == client)
    if by in ("hour", "day"):
        keys = _local_keys(conn, a.requested_at, tz, by, where, source)
    else:
        keys = [{"queue": t.queue, "agent": t.agent, "hotline": HOTLINE_KEY}[by]]
    stmt = (select(*[k.label(f"k{i}") for i, k in enumerate(keys)], *_callback_figures(conn, sl_s))
            .select_from(source).where(*where).group_by(*keys))
    return {(row.k0, int(row.k1) if len(keys) > 1 else None):
            _CallbackSums(row.n, row.timed, float(row.wait), row.in_sl, float(row.handle), float(row.talk),
                          float(row.hold))
            for row in conn.execute(stmt)}


def _callback_source():
    """The answered callbacks' rows: callback_attempts with their leg's handle_times row and their request."""
    t, a, r = HandleTimeRow, CallbackAttempt, CallbackRequest
    return (a.__table__.join(t.__table__, t.unique_id == a.queue_unique_id)
            .join(r.__table__, r.id == a.request_id))


def _callback_figures(conn: Connection, sl_s: float) -> list:
    """The aggregate columns of a group of answered callbacks (rows of _callback_source)."""
    t, a = HandleTimeRow, CallbackAttempt
    wait = seconds_between(conn, a.requested_at, a.connected_at)
    timed = a.connected_at.is_not(None)
    return [func.count().label("n"),
            func.count().filter(timed).label("timed"),
            func.coalesce(func.sum(wait).filter(timed), 0.0).label("wait"),
            func.count().filter(and_(timed, wait <= sl_s)).label("in_sl"),
            func.coalesce(func.sum(t.talk_s + t.hold_s + t.wrapup_s), 0.0).label("handle"),
            func.coalesce(func.sum(t.talk_s), 0.0).label("talk"),
            func.coalesce(func.sum(t.hold_s), 0.0).label("hold")]


@dataclass(frozen=True)
class _CallbackSums:
    n: int
    timed: int          # with connected_at
    wait_s: float       # sum of connected_at - requested_at
    in_sl: int          # callback wait <= the service-level threshold
    handle_s: float
    talk_s: float
    hold_s: float


def _nothing(key, offset) -> QueueFigures:
    """A group with no caller on the line (only callbacks, added by _plus)."""
    return QueueFigures(key, offset, 0, 0, 0, 0, 0, 0, 0, 0.0, 0.0, None, 0.0, 0.0, None, None)


def _plus(g: QueueFigures, cb: _CallbackSums) -> QueueFigures:
    """g with callbacks added: each is a call, answered (AHT's too), in the service level
    when its callback wait is within it; its wait is not ASA's."""
    return replace(g, calls=g.calls + cb.n, answered=g.answered + cb.n, answered_in_sl=g.answered_in_sl + cb.in_sl,
                   handle_s=g.handle_s + cb.handle_s, talk_s=g.talk_s + cb.talk_s, hold_s=g.hold_s + cb.hold_s,
                   callbacks=g.callbacks + cb.n, callback_waits=g.callback_waits + cb.timed,
                   callback_wait_s=g.callback_wait_s + cb.wait_s)


def _row(key, offset, r, pct=None) -> QueueFigures:
    p = pct if pct is not None else (r.p0, r.p1)
    return QueueFigures(key, None if offset is None else int(offset), r.calls, r.answered, r.abandoned,
                        r.timeout, r.full, r.empty, r.in_sl, float(r.handle), float(r.wait),
                        None if r.longest is None else float(r.longest), float(r.talk), float(r.hold),
                        *(None if v is None else float(v) for v in p))


def _pg_figures(conn: Connection, keys: list, where: list, sl_s: float, source) -> list[QueueFigures]:
    t = HandleTimeRow
    answered = t.outcome == ANSWERED
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    pct = [func.percentile_cont(p).within_group(t.wait_s).filter(answered).label(f"p{i}")
           for i, p in enumerate(PERCENTILES)]
    stmt = (select(*labelled, func.grouping(*keys).label("is_total"), *_figures(t, answered, sl_s), *pct)
            .select_from(source).where(*where).group_by(func.grouping_sets(tuple_(*keys), tuple_())))
    out = []
    for r in conn.execute(stmt):
        if r.is_total:
            out.append(_row(None, None, r))
        else:
            out.append(_row(r.k0, r.k1 if len(keys) > 1 else None, r))
    if not any(r.key is None for r in out):     # no rows at all: grouping sets give nothing
        out.append(_row(None, None, conn.execute(
            select(*_figures(t, answered, sl_s), *pct).select_from(source).where(*where)).one()))
    return out


def _sqlite_figures(conn: Connection, keys: list, where: list, sl_s: float, by: str, tz: str,
                    source) -> list[QueueFigures]:
    """One GROUP BY for the sums (the total is the sum of the groups: one scan), then the
    percentiles: for each group, the answered waits of rank floor(pos) + 1 and + 2 by
    `ORDER BY wait_s LIMIT 2 OFFSET floor(pos)` (the group's own rows, through the
    (outcome, queue|agent, wait_s) and entered_at indexes: no sort of the whole window),
    one parametrized statement run per group."""
    t = HandleTimeRow
    answered = t.outcome == ANSWERED
    labelled = [k.label(f"k{i}") for i, k in enumerate(keys)]
    stmt = select(*labelled, *_figures(t, answered, sl_s)).select_from(source).where(*where).group_by(*keys)
    sums = conn.execute(stmt).all()
    by_time = by in ("hour", "day")
    groups = [(_group_params(r, by, tz, where), r.answered) for r in sums]
    pcts = _sqlite_percentiles(conn, where, _group_template(by), groups, by_time, source)
    pcts += _sqlite_percentiles(conn, where, None, [({}, sum(r.answered for r in sums))], False, source)
    out = [_row(r.k0, r.k1 if len(keys) > 1 else None, r, pct) for r, pct in zip(sums, pcts)]
    out.append(_total(out, pcts[-1]))
    return out


def _group_template(by: str):
    """A group's own rows, with bind parameters (`key`, or `lo`/`hi`) that _group_params fills."""
    t = HandleTimeRow
    if by in ("hour", "day"):
        return and_(t.entered_at >= bindparam("lo", type_=t.entered_at.type),
                    t.entered_at < bindparam("hi", type_=t.entered_at.type))
    column = {"queue": t.queue, "agent": t.agent, "hotline": HOTLINE_KEY}[by]
    return column == bindparam("key", type_=String())


def _group_params(r, by: str, tz: str, where: list) -> dict:
    if by not in ("hour", "day"):
        return {"key": r.k0}
    if by == "hour":   # the local hour's instants: [local - offset, + 1 h) in UTC
        start = datetime.fromisoformat(r.k0).replace(tzinfo=timezone.utc) - timedelta(seconds=int(r.k1))
        end = start + timedelta(hours=1)
    else:
        zone = ZoneInfo(tz)
        day = datetime.fromisoformat(r.k0)
        start, end = utc(day.replace(tzinfo=zone)), utc((day + timedelta(days=1)).replace(tzinfo=zone))
    # Cut to the window here, in one range: beside a second lower bound (the window's own)
    # SQLite may take the wrong one for the index range and read the whole window per group.
    for w in where:
        if _on_entered_at(w) and w.operator.__name__ == "ge":
            start = max(start, w.right.value)
        elif _on_entered_at(w) and w.operator.__name__ == "lt":
            end = min(end, w.right.value)
    return {"lo": start, "hi": end}


def _on_entered_at(clause) -> bool:
    return getattr(getattr(clause, "left", None), "key", None) == "entered_at"


def _sqlite_percentiles(conn: Connection, where: list, template, groups: list, by_time: bool,
                        source) -> list[tuple]:
    """[(p50, p90)] for each (bind parameters of `template`, answered count) of `groups`.

    One statement, built and compiled once and run per percentile of each group (a year
    by hour is ~17,500 runs of a cached statement reading a few rows each: building an
    expression per group cost more than the queries)."""
    t = HandleTimeRow
    # An hour's or day's rows come by the entered_at index: `outcome || ''` keeps SQLite from
    # walking the whole (outcome, wait_s) index instead, for its order.
    answered = (t.outcome.concat("") if by_time else t.outcome) == ANSWERED
    cut = [w for w in where if not (by_time and _on_entered_at(w))]
    stmt = (select(t.wait_s).select_from(source).where(answered, *cut, *([template] if template is not None else []))
            .order_by(t.wait_s).limit(2).offset(bindparam("skip", type_=Integer)))
    out = []
    for params, n in groups:
        vals = []
        for p in PERCENTILES:
            if not n:
                vals.append(None)
                continue
            pos = p * (n - 1)           # float arithmetic as PostgreSQL's percentile_cont
            pair = [w for (w,) in conn.execute(stmt, {**params, "skip": int(pos)})]
            if not pair:
                vals.append(None)
                continue
            lo, hi = pair[0], pair[-1]
            vals.append(lo + (hi - lo) * (pos - int(pos)))
        out.append(tuple(vals))
    return out


def _total(groups: list[QueueFigures], pct: tuple) -> QueueFigures:
    longest = [g.longest_wait_s for g in groups if g.longest_wait_s is not None]
    return QueueFigures(None, None, *(sum(getattr(g, f) for g in groups) for f in (
        "calls", "answered", "abandoned", "timeout", "full", "empty", "answered_in_sl")),
        float(sum(g.handle_s for g in groups)), float(sum(g.answered_wait_s for g in groups)),
        max(longest) if longest else None, float(sum(g.talk_s for g in groups)),
        float(sum(g.hold_s for g in groups)), *pct)


# ---- billing ----

@dataclass(frozen=True)
class BilledMonth:
    """Sums of the ended calls of one hotline (called number) that started in one UTC month."""

    called: str
    month: str                    # "YYYY-MM"
    calls: int
    call_s: float                 # sum of ended_at - started_at
    talk_s: float                 # sum of talk + agent hold of their queue stays
    wait_s: float                 # sum of queue wait of their queue stays


def _month(conn: Connection, column):
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def billed_months(engine: Engine, since: datetime | None = None,
                  until: datetime | None = None) -> list[BilledMonth]:
    """Ended calls that started in [since, until), summed per (called, UTC month)."""
    ht = HandleTimeRow
    with engine.connect() as conn:
        per_call = (select(Call.called.label("called"), _month(conn, Call.started_at).label("month"),
                           seconds_between(conn, Call.started_at, Call.ended_at).label("secs"),
                           func.coalesce(func.sum(ht.talk_s + ht.hold_s), 0.0).label("talk"),
                           func.coalesce(func.sum(ht.wait_s), 0.0).label("wait"))
                    .select_from(Call).outerjoin(ht, ht.unique_id == Call.unique_id)
                    .where(Call.ended_at.is_not(None)).group_by(Call.id))
        per_call = window(per_call, Call.started_at, since, until).subquery("c")
        stmt = (select(per_call.c.called, per_call.c.month, func.count(), func.sum(per_call.c.secs),
                       func.sum(per_call.c.talk), func.sum(per_call.c.wait))
                .group_by(per_call.c.called, per_call.c.month).order_by(per_call.c.called, per_call.c.month))
        return [BilledMonth(called, month, n, float(secs), float(talk), float(wait))
                for called, month, n, secs, talk, wait in conn.execute(stmt)]


# ---- funnel ----

@dataclass(frozen=True)
class NodeFigures:
    """The funnel counts of one menu node (see ivr/reports/funnel.py)."""

    node: str
    entered: int
    completed: int
    invalid: int
    timeout: int
    hung_up: int


@dataclass(frozen=True)
class Containment:
    calls: int                    # ended calls of the window
    contained: int                # ... whose outcome is no hand-off to a queue


def _ended_calls(since, until, hotline=None, client=None):
    stmt = window(select(Call.id, Call.outcome).where(Call.ended_at.is_not(None)), Call.started_at, since, until)
    if hotline is not None:
        stmt = stmt.where(Call.hotline == hotline)
    if client is not None:
        stmt = stmt.where(Call.client == client)
    return stmt


def funnel_figures(engine: Engine, since: datetime | None = None, until: datetime | None = None,
                   hotline: str | None = None, client: str | None = None) -> tuple[list[NodeFigures], Containment]:
    """Per node counts over the ended calls that started in [since, until), of one hotline
    and/or client when given, and containment."""
    calls = _ended_calls(since, until, hotline, client).subquery("c")
    kinds = (StepKind.ENTER.value, StepKind.INVALID.value, StepKind.TIMEOUT.value)
    # The next `enter` of the same call: partitioned by (call, action), an enter step's lead
    # is the next enter (other actions' leads are never read).
    steps = (select(Step.node, Step.action, calls.c.outcome,
                    func.lead(Step.node).over(partition_by=[Step.call_id, Step.action],
                                              order_by=Step.seq).label("next"))
             .join(calls, calls.c.id == Step.call_id)
             .where(Step.action.in_(kinds))).subquery("s")
    enter = steps.c.action == StepKind.ENTER.value
    stmt = (select(steps.c.node,
                   func.count().filter(enter),
                   func.count().filter(and_(enter, steps.c.next.is_not(None), steps.c.next != steps.c.node)),
                   func.count().filter(steps.c.action == StepKind.INVALID.value),
                   func.count().filter(steps.c.action == StepKind.TIMEOUT.value),
                   func.count().filter(and_(enter, steps.c.next.is_(None),
                                            steps.c.outcome == str(CALLER_HANGUP))))
            .group_by(steps.c.node))
    ended = _ended_calls(since, until, hotline, client).subquery("e")
    contained = select(func.count(), func.count().filter(~ended.c.outcome.startswith(Outcome.QUEUE_PREFIX,
                                                                                     autoescape=True)))
    with engine.connect() as conn:
        nodes = [NodeFigures(*r) for r in conn.execute(stmt)]
        n, inside = conn.execute(contained).one()
    return nodes, Containment(n, inside)
