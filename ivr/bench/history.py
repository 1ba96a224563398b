"""`python -m ivr.bench.history --calls N --db URL [--days D] [--seed S]`: a
call centre's history for benchmarks, written through the project's own
schema (ivr/store/models.py, created by its migrations).

What it writes, per call (local time Europe/Warsaw, DST included):

- `calls`: arrivals spread over the days by weekday (Mon busiest, Saturday
  about a third, Sunday and Polish public holidays a tenth) and over the
  hours by an office-hours curve (peaks at 10:00 and 14:00, a trickle at
  night); the hotline dialled, a caller id drawn from a pool with repeat
  callers, the language, the digits pressed and the outcome: a queue
  hand-off (`queue:NAME`, about three calls in four in office hours),
  self-service finished (`hangup`), the caller hanging up in the menu
  (`caller-hangup`), after hours `closed` or `callback`.
- `call_steps`: the walk through the menu, about 8 steps a call (enter,
  play, input, invalid/timeout retries, identify, consent, queue-enter...),
  as the interpreter logs them (ivr.menu.outcome.StepKind).
- `handle_times`: one row per queued call: answered / abandoned / timeout
  (and a few `full`/`empty` refused at the door), queue wait growing with
  the hour's load, ring, talk (log-normal, per queue), agent hold on some
  calls, the queue's wrap-up; answered calls go to one of 60 agents
  (15 per queue, a few shared).
- `callback_requests`: one per `callback` call (half of them done).

Rows are generated day by day in time order, so ids grow with started_at as
in a live system, and written in chunks: executemany on SQLite, COPY on
PostgreSQL. Memory stays flat whatever N. Deterministic for (N, days,
seed, start). The database must hold no calls yet. A progress line goes to
stderr only when it is a terminal.

`python -m ivr.bench.history --scale K --from SOURCE_URL --db URL`: a larger
data set made fast from a generated one (generating 10 M calls takes 40+
minutes per database here): K copies of the source's calls, handle-time rows
and callback requests, written into the (empty) database at URL by SQL alone
(SQLite: ATTACH and INSERT ... SELECT; PostgreSQL: COPY (SELECT ...) TO STDOUT
on the source streamed into COPY FROM STDIN, the two on the same server or
not). Copy k (0 .. K-1) of a row: id `id * K + k` (so ids still grow with
started_at, rows of the same time side by side as a live system writes them),
unique_id suffixed `-k` (copy 0 keeps it; the handle-time rows and callback
requests stay joined to their call), caller ids moved by k * 1,000,000 in the
generator's pool (`+48` 500000000 + n: repeat callers stay at ~4 calls a
number, as in a history generated at K times the calls). Same year, days,
hours, queues, agents, outcomes and talk times: every distribution of the
source, K times the volume. No steps (call_steps): the scaled set is for the
handle-time reports and the call log, not the funnel. The secondary indexes
are dropped for the load and created again after it (the same DDL), then
ANALYZE; the report summary is left unbuilt (`ivr report rebuild`). The source
is only read.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from bisect import bisect
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from ..errors import IVRError
from ..menu.outcome import StepKind
from ..store.db import open_engine
from ..store.models import CallbackRequest, Call, HandleTimeRow, Step

TZ = ZoneInfo("Europe/Warsaw")
UTC = timezone.utc
DEFAULT_START = date(2025, 1, 1)
CHUNK = 5_000  # calls per transaction (about 40,000 steps)

QUEUES = {  # name: (share of queued calls, median talk s, wrap-up s)
    "support": (0.40, 300.0, 30.0),
    "billing": (0.25, 210.0, 20.0),
    "sales": (0.20, 240.0, 25.0),
    "tech": (0.15, 420.0, 45.0),
}
AGENTS_PER_QUEUE = 15   # 4 x 15 = 60 agents
HOTLINES = [("+48221000100", 0.60), ("+48221000200", 0.25), ("+48800100100", 0.15)]
LANGUAGES = [("pl", 0.84), ("en", 0.12), ("lt", 0.02), ("hu", 0.02)]
# Arrivals per local hour on a weekday and on a Saturday (relative)
WEEKDAY_HOURS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 2.0, 6.0, 9.0, 10.0, 9.5,
                 8.0, 8.5, 9.0, 8.0, 6.5, 4.5, 2.5, 1.8, 1.2, 0.9, 0.6, 0.4]
WEEKEND_HOURS = [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.4, 0.8, 1.8, 3.0, 3.6, 3.6,
                 3.2, 2.8, 2.4, 2.0, 1.8, 1.6, 1.4, 1.2, 1.0, 0.8, 0.6, 0.4]
WEEKDAY_WEIGHT = [1.2, 1.05, 1.0, 1.0, 0.9, 0.35, 0.12]   # Monday .. Sunday
OPEN = {0: (8, 18), 1: (8, 18), 2: (8, 18), 3: (8, 18), 4: (8, 18), 5: (9, 14)}   # local hours; Sunday closed
HOLIDAYS = {(1, 1), (1, 6), (5, 1), (5, 3), (8, 15), (11, 1), (11, 11), (12, 24), (12, 25), (12, 26)}

# Hotlines (calls.hotline, migration 0009), written when the schema has them: the number dialled's hotline
HOTLINE_OF = {"+48221000100": "main", "+48221000200": "business", "+48800100100": "freephone"}
HOTLINE_COLS = tuple(c for c in ("hotline", "client", "recording_policy") if c in Call.__table__.columns)
CALL_COLS = ("id", "unique_id", "caller_id", "called", "channel", "language", "config_version", "started_at",
             "ended_at", "digits", "outcome", "hangup_cause", "error", "consent", "consent_at", "session",
             "owner") + HOTLINE_COLS
STEP_COLS = ("id", "call_id", "seq", "node", "action", "detail", "digits", "at")
HT_COLS = ("id", "unique_id", "queue", "entered_second", "caller_id", "agent", "entered_at", "answered_at",
           "ended_at", "wait_s", "ring_s", "talk_s", "hold_s", "wrapup_s", "outcome", "reason", "first_position",
           "last_position", "attempts")
CB_COLS = ("id", "unique_id", "caller_id", "account", "language", "queue", "requested_at", "done_at", "done_by")
TABLES = ((Call, CALL_COLS), (Step, STEP_COLS), (HandleTimeRow, HT_COLS), (CallbackRequest, CB_COLS))

ENTER, PLAY, INPUT, INVALID, TIMEOUT = (str(k) for k in (StepKind.ENTER, StepKind.PLAY, StepKind.INPUT,
                                                          StepKind.INVALID, StepKind.TIMEOUT))
IDENTIFY, SET, HOURS, QUEUE_ENTER, QUEUE, CALLBACK, HANGUP = (str(k) for k in (
    StepKind.IDENTIFY, StepKind.SET, StepKind.HOURS, StepKind.QUEUE_ENTER, StepKind.QUEUE, StepKind.CALLBACK,
    StepKind.HANGUP))


def _check_schema() -> None:
    """Our column lists against the models: a column we do not write must have a default (the migrations
    give every NOT NULL column added later a server default)."""
    for model, cols in TABLES:
        table = model.__table__
        unknown = set(cols) - set(table.columns.keys())
        if unknown:
            raise RuntimeError(f"{table.name}: the generator writes unknown columns {sorted(unknown)}")
        for col in table.columns:
            if col.name not in cols and not col.nullable and col.server_default is None and col.default is None:
                raise RuntimeError(f"{table.name}.{col.name} is new and has no server default: "
                                   "teach ivr/bench/history.py to write it")


def day_weights(start: date, days: int) -> list[float]:
    out = []
    for i in range(days):
        d = start + timedelta(days=i)
        w = 0.12 if (d.month, d.day) in HOLIDAYS else WEEKDAY_WEIGHT[d.weekday()]
        if d.day <= 5:         # invoices arrive: billing questions at the start of the month
            w *= 1.15
        if d.month in (7, 8):  # summer is quieter
            w *= 0.85
        out.append(w)
    return out


def calls_per_day(n: int, weights: list[float]) -> list[int]:
    """n split over the days in proportion to weights, exactly (largest remainder)."""
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])[: n - sum(counts)]:
        counts[i] += 1
    return counts


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


class _Pick:
    """Weighted choice by bisect over cumulative weights (faster than choices() per call)."""

    def __init__(self, items):
        self.values = [v for v, _ in items]
        self.cum = list(accumulate(w for _, w in items))

    def __call__(self, rng: random.Random):
        return self.values[bisect(self.cum, rng.random() * self.cum[-1])]


class _Stamp:
    """UTC epoch -> the text a UTC timestamp is stored as: SQLAlchemy's DateTime on SQLite
    (UTCDateTime binds UTC and drops the zone), or COPY text input of timestamptz on
    PostgreSQL. The date and minute are cached: this runs ten times a call."""

    def __init__(self, suffix: str = ""):
        self.suffix = suffix
        self.minutes: dict[int, str] = {}

    def __call__(self, epoch: float) -> str:
        us = round(epoch * 1_000_000)
        minute, rest = divmod(us, 60_000_000)
        prefix = self.minutes.get(minute)
        if prefix is None:
            if len(self.minutes) > 100_000:
                self.minutes.clear()
            prefix = self.minutes[minute] = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%d %H:%M:")
        sec, frac = divmod(rest, 1_000_000)
        return f"{prefix}{sec:02d}.{frac:06d}{self.suffix}"


class History:
    """The generator: one local day at a time, rows appended to the writer's buffers."""

    def __init__(self, calls: int, days: int, seed: int, start: date, steps: bool = True):
        self.n, self.days, self.start, self.with_steps = calls, days, start, steps
        self.rng = random.Random(seed)
        self.queue_pick = _Pick([(q, v[0]) for q, v in QUEUES.items()])
        self.hotline = _Pick(HOTLINES)
        self.language = _Pick(LANGUAGES)
        self.weekday_hour = _Pick(list(enumerate(WEEKDAY_HOURS)))
        self.weekend_hour = _Pick(list(enumerate(WEEKEND_HOURS)))
        self.peak = max(WEEKDAY_HOURS)
        self.agents = {q: [f"PJSIP/agent{qi * AGENTS_PER_QUEUE + k + 1:02d}" for k in range(AGENTS_PER_QUEUE)]
                       for qi, q in enumerate(QUEUES)}
        self.callers = max(1000, calls // 4)   # repeat callers: ~4 calls per number over the period
        self.seq = 0

    def days_of_calls(self):
        """(local date, sorted UTC epochs of its arrivals, load per local hour) for every day."""
        rng = self.rng
        for i, count in enumerate(calls_per_day(self.n, day_weights(self.start, self.days))):
            d = self.start + timedelta(days=i)
            weekend = d.weekday() >= 5 or (d.month, d.day) in HOLIDAYS
            pick = self.weekend_hour if weekend else self.weekday_hour
            hour_start = [datetime(d.year, d.month, d.day, h, tzinfo=TZ).timestamp() for h in range(24)]
            hours = [pick(rng) for _ in range(count)]
            epochs = sorted(round(hour_start[h] + rng.random() * 3600.0, 3) for h in hours)
            yield d, epochs

    def call(self, d: date, t0: float, hour: int, out: "_Buffers") -> None:
        """One call's rows (its id is out.next_call_id)."""
        rng = self.rng
        self.seq += 1
        cid = out.take_call_id()
        uid = f"{int(t0)}.{self.seq}"
        caller = f"+48{500000000 + int(self.callers * rng.random() ** 2):09d}"
        lang = self.language(rng)
        hours = OPEN.get(d.weekday())
        is_open = hours is not None and (d.month, d.day) not in HOLIDAYS and hours[0] <= hour < hours[1]
        load = (WEEKDAY_HOURS[hour] / self.peak) if is_open else 0.0
        steps: list[tuple] = []
        t = t0

        def step(node: str, action: str, detail: str = "", digits: str = "", gap: tuple = (0.3, 4.0)) -> None:
            nonlocal t
            t += rng.uniform(*gap)
            steps.append((node, action, detail, digits, t))

        digits, consent, consent_at, queue, outcome, cause = [], None, None, None, "", "caller"
        step("welcome", ENTER, gap=(0.0, 0.2))
        step("welcome", PLAY, "welcome", gap=(0.1, 0.3))
        if lang != "pl":
            step("language", ENTER)
            step("language", INPUT, digits="9")
            step("language", SET, f"language={lang}")
            digits.append("9")
        r = rng.random()
        if not is_open:
            step("hours", HOURS, "open=no", gap=(0.0, 0.1))
            step("closed", ENTER)
            step("closed", PLAY, "office-closed")
            if r < 0.45:
                step("call-me", ENTER)
                step("call-me", INPUT, digits="1")
                step("call-me", CALLBACK, "stored=yes")
                digits.append("1")
                outcome, cause = "callback", "ivr"
                queue = self.queue_pick(rng)
            elif r < 0.75:
                step("closed", HANGUP)
                outcome, cause = "closed", "ivr"
            else:
                outcome = "caller-hangup"
        else:
            step("main", ENTER)
            while rng.random() < 0.12:   # no digit in time, or a key with no option: the menu again
                if rng.random() < 0.5:
                    step("main", TIMEOUT, gap=(5.0, 5.5))
                else:
                    step("main", INVALID, digits="7", gap=(1.0, 6.0))
                step("main", ENTER)
            if r < 0.05:
                outcome = "caller-hangup"
            elif r < 0.17:   # tariffs: self-service
                step("main", INPUT, digits="1", gap=(1.0, 8.0))
                step("tariffs", ENTER)
                step("tariffs", PLAY, "tariffs", gap=(15.0, 40.0))
                digits.append("1")
                outcome, cause = "hangup", "ivr"
                step("bye", ENTER)
                step("bye", HANGUP)
            elif r < 0.27:   # balance: identified by caller id, self-service
                step("main", INPUT, digits="2", gap=(1.0, 8.0))
                step("identify", ENTER)
                step("identify", IDENTIFY, "identified=yes by=caller-id")
                step("balance", ENTER, gap=(8.0, 15.0))
                digits.append("2")
                outcome, cause = "hangup", "ivr"
                step("bye", HANGUP)
            else:            # an agent: choose the queue, consent to recording, queue
                queue = self.queue_pick(rng)
                key = str(3 + list(QUEUES).index(queue))
                step("main", INPUT, digits=key, gap=(1.0, 8.0))
                digits.append(key)
                step("consent", ENTER)
                consent = rng.random() < 0.7
                step("consent", INPUT, digits="1" if consent else "2", gap=(1.0, 5.0))
                digits.append("1" if consent else "2")
                consent_at = t
                step(queue, QUEUE_ENTER, gap=(0.1, 0.5))
                outcome = f"queue:{queue}"
        ended = t + rng.uniform(0.5, 3.0)
        if outcome == "caller-hangup" and len(steps) > 3:
            del steps[rng.randrange(3, len(steps)):]   # gave up somewhere in the menu
        ht = None
        if outcome.startswith("queue:"):
            ht, ended, cause = self._stay(cid, uid, caller, queue, t, load, out)
            steps.append((queue, QUEUE, f"status={ht}", "", ended))
        called = self.hotline(rng)
        extra = {"hotline": HOTLINE_OF[called], "client": "acme", "recording_policy": "ask"}
        out.call((cid, uid, caller, called, f"PJSIP/trunk-{self.seq:08x}", lang, "bench-1", t0, ended,
                  " ".join(digits), outcome, cause, "", consent, consent_at, "", "")
                 + tuple(extra[c] for c in HOTLINE_COLS))
        if self.with_steps:
            for seq, (node, action, detail, dig, at) in enumerate(steps):
                out.step((cid, seq, node, action, detail, dig, at))
        if outcome == "callback":
            done = rng.random() < 0.5
            out.callback((uid, caller, "", lang, queue, ended, ended + rng.uniform(3600, 86400) if done else None,
                          f"PJSIP/agent{rng.randrange(1, 61):02d}" if done else ""))

    def _stay(self, cid: int, uid: str, caller: str, queue: str, entered: float, load: float,
              out: "_Buffers") -> tuple[str, float, str]:
        """The call's handle-time row; its queue status, the call's end and who hung up."""
        rng = self.rng
        _, talk_median, wrapup = QUEUES[queue]
        r = rng.random()
        busy = 0.3 + 1.7 * load * load           # waits grow with the hour's traffic
        agent, answered_at, ring, talk, hold, wrap, reason = "", None, 0.0, 0.0, 0.0, 0.0, ""
        first = 1 + int(rng.random() * 12 * load)
        attempts = 0
        if r < 0.005:
            outcome, wait, end, status, cause = "full", 0.0, entered, "FULL", "ivr"
            first = 0
        elif r < 0.01:
            outcome, wait, end, status, cause = "empty", 0.0, entered, "JOINEMPTY", "ivr"
            first = 0
        elif r < 0.01 + 0.02 * busy:
            outcome, wait, status, cause = "timeout", 300.0, "TIMEOUT", "ivr"
            attempts = rng.randrange(3, 12)
            end = entered + wait
        elif r < 0.01 + 0.02 * busy + 0.08 * busy:
            outcome, status, cause = "abandoned", "ABANDON", "caller"
            wait = min(299.0, rng.expovariate(1 / (25.0 + 50.0 * busy)))
            attempts = int(wait // 15)
            end = entered + wait
        else:
            outcome, status = "answered", "COMPLETED"
            wait = min(299.0, rng.expovariate(1 / (4.0 + 30.0 * busy)))
            ring = rng.uniform(1.0, 8.0)
            attempts = 1 + int(rng.random() * 2)
            pool = self.agents[queue]
            agent = pool[int(len(pool) * rng.random() ** 1.3)]
            answered_at = entered + wait
            talk = _lognormal(rng, talk_median, 0.7)
            hold = _lognormal(rng, 45.0, 0.6) if rng.random() < 0.25 else 0.0
            wrap = wrapup
            rr = rng.random()
            reason = "transfer" if rr < 0.04 else ("agent" if rr < 0.45 else "caller")
            cause = "agent" if reason == "agent" else "caller"
            end = answered_at + talk + hold
        out.stay((uid, queue, int(entered), caller, agent, entered, answered_at, end, round(wait, 3),
                  round(ring, 3), round(talk, 3), round(hold, 3), wrap, outcome, reason, first,
                  1 if first else 0, attempts))
        return status, end, cause

    def run(self, out: "_Buffers", progress=None) -> None:
        done = 0
        for d, epochs in self.days_of_calls():
            day_start = datetime(d.year, d.month, d.day, tzinfo=TZ).timestamp()
            for t0 in epochs:
                hour = min(23, int((t0 - day_start) // 3600))   # local hour (DST days: near enough)
                self.call(d, t0, hour, out)
                done += 1
                if out.calls_buffered >= CHUNK:
                    out.flush()
                    if progress:
                        progress(done)
        out.flush()
        if progress:
            progress(done)


class _Buffers:
    """Rows waiting to be written, flushed in one transaction per chunk."""

    def __init__(self, engine):
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"
        self.ts = _Stamp("+00" if self.pg else "")
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(Call.__table__)).scalar():
                raise ValueError(f"{engine.url.render_as_string(hide_password=True)} already holds calls: "
                                 "the history generator writes into an empty database")
            self.ids = {m.__tablename__: (conn.execute(select(func.max(m.id))).scalar() or 0) + 1
                        for m, _ in TABLES}
        self.calls, self.steps, self.stays, self.callbacks = [], [], [], []
        self.counts = {m.__tablename__: 0 for m, _ in TABLES}

    @property
    def calls_buffered(self) -> int:
        return len(self.calls)

    def _id(self, table: str) -> int:
        i = self.ids[table]
        self.ids[table] = i + 1
        return i

    def take_call_id(self) -> int:
        return self._id("calls")

    def call(self, row: tuple) -> None:
        ts = self.ts
        self.calls.append(row[:7] + (ts(row[7]), ts(row[8])) + row[9:14]
                          + (ts(row[14]) if row[14] is not None else None,) + row[15:])

    def step(self, row: tuple) -> None:
        self.steps.append((self._id("call_steps"),) + row[:6] + (self.ts(row[6]),))

    def stay(self, row: tuple) -> None:
        ts = self.ts
        self.stays.append((self._id("handle_times"),) + row[:5] + (ts(row[5]), ts(row[6]) if row[6] else None,
                                                                    ts(row[7])) + row[8:])

    def callback(self, row: tuple) -> None:
        ts = self.ts
        self.callbacks.append((self._id("callback_requests"),) + row[:5]
                              + (ts(row[5]), ts(row[6]) if row[6] is not None else None, row[7]))

    def flush(self) -> None:
        batches = [("calls", CALL_COLS, self.calls), ("call_steps", STEP_COLS, self.steps),
                   ("handle_times", HT_COLS, self.stays), ("callback_requests", CB_COLS, self.callbacks)]
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if not self.pg:   # benchmark data: no fsync per chunk, a bounded 64 MB page cache
                cur.execute("PRAGMA synchronous=OFF")
                cur.execute("PRAGMA cache_size=-65536")
            for table, cols, rows in batches:
                if not rows:
                    continue
                if self.pg:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                    rows)
                self.counts[table] += len(rows)
            raw.commit()
        finally:
            raw.close()
        for _, _, rows in batches:
            rows.clear()

    def finish(self) -> None:
        if self.pg:   # explicit ids were written: move the sequences past them
            with self.engine.begin() as conn:
                for m, _ in TABLES:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{m.__tablename__}', 'id'), "
                                      f"COALESCE((SELECT max(id) FROM {m.__tablename__}), 1))"))
                conn.execute(text("ANALYZE"))
        else:
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE"))


def generate(url: str, calls: int, days: int = 365, seed: int = 1, start: date = DEFAULT_START,
             steps: bool = True, progress: bool = False) -> dict:
    """Write the history into the (empty) database at url; counts of the rows written per table."""
    if calls < 0 or days < 1:
        raise ValueError("--calls must be >= 0 and --days >= 1")
    _check_schema()
    engine = open_engine(url)
    try:
        out = _Buffers(engine)
        t_start = time.perf_counter()

        def show(done: int) -> None:
            el = time.perf_counter() - t_start
            sys.stderr.write(f"\r  history: {done:,}/{calls:,} calls ({done / max(calls, 1):.0%}), "
                             f"{done / el if el else 0:,.0f} calls/s ")
            sys.stderr.flush()

        History(calls, days, seed, start, steps).run(out, show if progress else None)
        if progress:
            sys.stderr.write("\n")
        out.finish()
        return dict(out.counts, seconds=round(time.perf_counter() - t_start, 1))
    finally:
        engine.dispose()


# ---- scaled copies of a generated history ----

SCALED = ((Call, "calls"), (HandleTimeRow, "handle_times"), (CallbackRequest, "callback_requests"))
CALLER_STEP = 1_000_000   # the generator's caller pool is +48 500000000 + n, n < calls / 4


def _copy_exprs(table, copies: int, pg: bool, s: str = "s", k: str = "c.k") -> list[str]:
    """The SELECT list writing copy `k` of a row of `table` (aliased `s`)."""
    out = []
    for col in table.columns:
        name = col.name
        if name == "id":
            out.append(f"{s}.id * {copies} + {k}")
        elif name == "unique_id":
            suffix = f"'-' || CAST({k} AS TEXT)"
            out.append(f"CASE WHEN {k} = 0 THEN {s}.unique_id ELSE {s}.unique_id || {suffix} END")
        elif name == "caller_id":
            num = f"CAST(substr({s}.caller_id, 4) AS BIGINT)" if pg else f"CAST(substr({s}.caller_id, 4) AS INTEGER)"
            moved = f"'+48' || CAST({num} + {k} * {CALLER_STEP} AS TEXT)"
            out.append(f"CASE WHEN {k} > 0 AND {s}.caller_id LIKE '+485%' AND length({s}.caller_id) = 12 "
                       f"THEN {moved} ELSE {s}.caller_id END")
        else:
            out.append(f"{s}.{name}")
    return out


def _secondary_indexes(conn, table: str, pg: bool) -> list[tuple[str, str]]:
    """(name, DDL) of the table's indexes that no constraint owns (the primary key and UNIQUE
    constraints stay in place)."""
    if pg:
        return [tuple(r) for r in conn.execute(text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = :t AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1"), {"t": table})]
    return [tuple(r) for r in conn.execute(text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL "
        "ORDER BY name"), {"t": table})]


def scale(url: str, source: str, copies: int, progress: bool = False) -> dict:
    """Write `copies` copies of the generated history at `source` into the empty database at
    `url` (the module's docstring says how); rows written per table and seconds."""
    if copies < 1:
        raise ValueError("--scale must be >= 1")
    _check_schema()
    pg = url.startswith("postgresql")
    if pg != source.startswith("postgresql"):
        raise ValueError("--scale copies between databases of the same kind (SQLite to SQLite, PostgreSQL "
                         "to PostgreSQL)")
    if not pg and not source.startswith("sqlite:///"):
        raise ValueError(f"--from {source}: a sqlite:///path or postgresql URL")
    t_start = time.perf_counter()

    def say(msg: str) -> None:
        if progress:
            sys.stderr.write(f"  scale: {msg} ({time.perf_counter() - t_start:.0f} s)\n")
            sys.stderr.flush()

    engine = open_engine(url)
    src_engine = open_engine(source, create=False) if pg else None
    counts = {}
    try:
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(Call.__table__)).scalar():
                raise ValueError(f"{engine.url.render_as_string(hide_password=True)} already holds calls: "
                                 "--scale writes into an empty database")
        with engine.begin() as conn:
            indexes = {t: _secondary_indexes(conn, t, pg) for _, t in SCALED}
            for t, idx in indexes.items():
                for name, _ in idx:
                    conn.execute(text(f'DROP INDEX "{name}"'))
        say(f"dropped {sum(map(len, indexes.values()))} secondary indexes for the load")
        if pg:
            counts = _scale_pg(engine, src_engine, copies, say)
            with engine.begin() as conn:
                conn.execute(text("SET maintenance_work_mem = '512MB'"))
                for t, idx in indexes.items():
                    for _, ddl in idx:
                        conn.execute(text(ddl))
                    say(f"{t}: {len(idx)} indexes created again")
                for _, t in SCALED:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                                      f"COALESCE((SELECT max(id) FROM {t}), 1))"))
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))   # as autovacuum leaves a table (visibility map)
        else:   # the indexes too before the file goes back to WAL: no gigabytes of WAL
            counts = _scale_sqlite(engine, source[len("sqlite:///"):], copies, say, indexes)
        say("analyzed")
        return dict(counts, copies=copies, seconds=round(time.perf_counter() - t_start, 1))
    finally:
        engine.dispose()
        if src_engine is not None:
            src_engine.dispose()


def _scale_sqlite(engine, source_path: str, copies: int, say, indexes: dict) -> dict:
    import os
    if not os.path.exists(source_path):
        raise ValueError(f"--from {source_path}: no such file")
    counts = {}
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        raw.commit()
        cur.execute("PRAGMA journal_mode=OFF")   # a new file, renamed into place by the caller when done
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-262144")
        cur.execute("ATTACH DATABASE ? AS src", (source_path,))
        cur.execute("CREATE TEMP TABLE bench_copies (k INTEGER PRIMARY KEY)")
        cur.executemany("INSERT INTO bench_copies (k) VALUES (?)", [(k,) for k in range(copies)])
        for model, t in SCALED:
            cols = [c.name for c in model.__table__.columns]
            exprs = _copy_exprs(model.__table__, copies, pg=False)
            top = cur.execute(f"SELECT max(id) FROM src.{t}").fetchone()[0] or 0
            step = 100_000
            for lo in range(0, top, step):   # in id order: every page appended, ids growing
                cur.execute(f"INSERT INTO {t} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM src.{t} AS s, "
                            f"bench_copies AS c WHERE s.id > ? AND s.id <= ? ORDER BY s.id, c.k", (lo, lo + step))
                raw.commit()
            counts[t] = cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            say(f"{t}: {counts[t]:,} rows")
        raw.commit()
        cur.execute("DETACH DATABASE src")
        for t, idx in indexes.items():
            for _, ddl in idx:
                cur.execute(ddl)
            raw.commit()
            say(f"{t}: {len(idx)} indexes created again")
        cur.execute("ANALYZE")
        raw.commit()
        cur.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()
    return counts


def _scale_pg(engine, src_engine, copies: int, say) -> dict:
    counts = {}
    src_raw, dst_raw = src_engine.raw_connection(), engine.raw_connection()
    try:
        scur, dcur = src_raw.cursor(), dst_raw.cursor()
        for model, t in SCALED:
            cols = [c.name for c in model.__table__.columns]
            exprs = _copy_exprs(model.__table__, copies, pg=True)
            query = (f"SELECT {', '.join(exprs)} FROM {t} AS s CROSS JOIN generate_series(0, {copies - 1}) AS c(k) "
                     "ORDER BY s.id, c.k")
            with scur.copy(f"COPY ({query}) TO STDOUT") as out, \
                    dcur.copy(f"COPY {t} ({', '.join(cols)}) FROM STDIN") as inp:
                for block in out:
                    inp.write(block)
            dst_raw.commit()
            src_raw.rollback()
            dcur.execute(f"SELECT count(*) FROM {t}")
            counts[t] = dcur.fetchone()[0]
            say(f"{t}: {counts[t]:,} rows")
    finally:
        src_raw.close()
        dst_raw.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ivr.bench.history", description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, help="number of calls")
    parser.add_argument("--scale", type=int, metavar="K",
                        help="instead of generating: K copies of the generated history at --from (see above)")
    parser.add_argument("--from", dest="source", metavar="URL", help="with --scale: the generated history to copy")
    parser.add_argument("--db", required=True, help="database URL (sqlite:///path or postgresql+psycopg://...)")
    parser.add_argument("--days", type=int, default=365, help="days of history (default 365)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START,
                        help=f"first local day (default {DEFAULT_START})")
    parser.add_argument("--no-steps", action="store_true", help="write no call_steps rows (calls and queues only)")
    args = parser.parse_args(argv)
    if args.scale is not None:
        if args.source is None or args.calls is not None:
            parser.error("--scale K takes --from URL (and no --calls)")
        try:
            counts = scale(args.db, args.source, args.scale, progress=True)
        except (ValueError, IVRError) as exc:
            print(f"python -m ivr.bench.history: error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {counts['copies']} copies of the generated history at {args.source}: "
              f"{counts['calls']:,} calls, {counts['handle_times']:,} handle-time rows, "
              f"{counts['callback_requests']:,} callbacks, no steps, in {counts['seconds']} s")
        return 0
    if args.calls is None:
        parser.error("--calls N is required (or --scale K --from URL)")
    if args.calls < 0:
        parser.error("--calls must be >= 0")
    if args.days < 1:
        parser.error("--days must be >= 1")
    try:
        counts = generate(args.db, args.calls, args.days, args.seed, args.start, not args.no_steps,
                          progress=sys.stderr.isatty())
    except (ValueError, IVRError) as exc:
        print(f"python -m ivr.bench.history: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {counts['calls']:,} calls, {counts['call_steps']:,} steps, {counts['handle_times']:,} "
          f"handle-time rows, {counts['callback_requests']:,} callbacks in {counts['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
