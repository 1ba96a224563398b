"""`make bench` rows for reports at a year of history (issue 13): the
handle-time report by queue and by agent, each beside the bare SQL GROUP BY
of the same figures in the same run, twice: as `ivr report handle-times`
runs it (from the summary, ivr/reports/summary, rebuilt first and timed as
its own row) and from the detail rows alone; the funnel over the year's
calls and steps; the console's call log search page. SQLite and PostgreSQL.

Every measurement runs in a child process of its own (`python -m
ivr.bench.reports_bench --child ...`): wall time of the query alone (after
imports and connecting), peak RSS of the whole child (ru_maxrss from
wait4), so a report's memory is not hidden by what an earlier one left.

Data: `python -m ivr.bench.history` with seed 1 over 2025 (Europe/Warsaw),
cached under var/bench/history/ (SQLite files) and in databases of the
bench's own PostgreSQL (var/bench/pg, Unix socket only; or
$IVR_BENCH_PG_URL, a server URL whose databases we may create), keyed by
the number of calls and the seed. The default run covers 1 M calls
(~8 M steps, ~0.6 M handle-time rows). IVR_BENCH_FULL=1 (or --full) adds
the 10 M-row set for the handle-time rows and the call log page: 17 copies of
the generated 1 M (`python -m ivr.bench.history --scale 17 --from ...`: 17 M
calls, ~10.3 M handle-time rows, the same year and distributions, no steps;
generating 10 M calls takes 40+ minutes per database here), cached as
calls1000000-seed1-x17; every row of it says so. --full-only runs that set
alone, --db=sqlite or --db=postgresql one database; IVR_BENCH_ROUNDS sets the
rounds (default 3). Reported, never asserted.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "var/bench/history"
PG_DIR = ROOT / "var/bench/pg"
PG_PORT = 55900 + zlib.crc32(str(ROOT).encode()) % 400    # apart from the tests' 55432..55831
SEED = 1
WAW = ZoneInfo("Europe/Warsaw")
YEAR = (datetime(2025, 1, 1, tzinfo=WAW).astimezone(timezone.utc), datetime(2026, 1, 1, tzinfo=WAW).astimezone(timezone.utc))
SERVICE_LEVEL_S = 20.0
ROUNDS = 3
RESULTS = ROOT / "var/bench/reports.json"
BASE_CALLS = 1_000_000
COPIES = 17   # of the generated 1 M (606,014 handle-time rows): 10.3 M handle-time rows


# --- data -----------------------------------------------------------------------------------------

def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _generate(url: str, calls: int, steps: bool) -> None:
    cmd = [sys.executable, "-m", "ivr.bench.history", "--calls", str(calls), "--seed", str(SEED), "--db", url]
    if not steps:
        cmd.append("--no-steps")
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    _say(f"    generated in {time.perf_counter() - t0:.0f} s")


def _name(calls: int, steps: bool) -> str:
    return f"calls{calls}-seed{SEED}" + ("" if steps else "-nosteps")


def sqlite_db(calls: int, steps: bool = True) -> str:
    """The cached SQLite history file's URL, generated first if missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{_name(calls, steps)}.db"
    if not path.exists():
        part = path.with_name(path.name + ".part")
        for f in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            f.unlink(missing_ok=True)
        _say(f"  generating {path.relative_to(ROOT)} ({calls:,} calls; cached for later runs) ...")
        _generate(f"sqlite:///{part}", calls, steps)
        part.rename(path)
    return f"sqlite:///{path}"


def _scale(source: str, url: str, copies: int) -> None:
    cmd = [sys.executable, "-m", "ivr.bench.history", "--scale", str(copies), "--from", source, "--db", url]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    _say(f"    copied in {time.perf_counter() - t0:.0f} s")


def sqlite_scaled(copies: int) -> str:
    """The cached SQLite file of `copies` copies of the generated 1 M history, made first if missing."""
    source = sqlite_db(BASE_CALLS)
    path = CACHE / f"{_name(BASE_CALLS, True)}-x{copies}.db"
    if not path.exists():
        part = path.with_name(path.name + ".part")
        for f in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            f.unlink(missing_ok=True)
        _say(f"  making {path.relative_to(ROOT)}: {copies} copies of the generated {BASE_CALLS:,} calls ...")
        _scale(source, f"sqlite:///{part}", copies)
        part.rename(path)
    return f"sqlite:///{path}"


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (Debian's postgresql package)")
    return str(found[-1])


class BenchPostgres:
    """The bench's own PostgreSQL, started as the tests' is (tests/conftest.py PostgresServer),
    its data under var/bench/pg, reached by its Unix socket only. Left running by start() when
    it was already up; stop() stops it only if start() started it."""

    def __init__(self):
        self.sock = Path(f"/tmp/ivr-bench-pg-{PG_PORT}")
        self.as_pg = ["runuser", "-u", "postgres", "--"]
        self.started = False

    def start(self) -> None:
        for d in (PG_DIR, self.sock):
            d.mkdir(parents=True, exist_ok=True)
            subprocess.run(["chown", "postgres", str(d)], check=True)
        if not (PG_DIR / "PG_VERSION").exists():
            subprocess.run([*self.as_pg, _pg_bin("initdb"), "-D", str(PG_DIR), "-A", "trust", "-U", "postgres"],
                           check=True, capture_output=True)
        status = subprocess.run([*self.as_pg, _pg_bin("pg_ctl"), "-D", str(PG_DIR), "status"], capture_output=True)
        if status.returncode == 0:
            return
        done = subprocess.run([*self.as_pg, _pg_bin("pg_ctl"), "-D", str(PG_DIR), "-w", "-l", str(self.sock / "pg.log"),
                               "-o", f"-p {PG_PORT} -k {self.sock} -c listen_addresses='' -c shared_buffers=256MB "
                               "-c work_mem=64MB -c max_wal_size=4GB -c synchronous_commit=off", "start"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the bench PostgreSQL did not start: {done.stdout}{done.stderr}")
        self.started = True

    def stop(self) -> None:
        if self.started:
            subprocess.run([*self.as_pg, _pg_bin("pg_ctl"), "-D", str(PG_DIR), "stop", "-m", "fast"],
                           capture_output=True)

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@/{db}?host={self.sock}&port={PG_PORT}"


def _cached_pg(server_url_of, name: str, what: str, make) -> str:
    """The URL of database `name`, made first if missing: `make(url)` fills it under a _part
    name, renamed when complete, so an interrupted run never leaves a half-filled cache."""
    from sqlalchemy import create_engine, text
    admin = create_engine(server_url_of("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            have = {r for (r,) in conn.execute(text("SELECT datname FROM pg_database"))}
            if name not in have:
                if name + "_part" in have:
                    conn.execute(text(f'DROP DATABASE "{name}_part"'))
                conn.execute(text(f'CREATE DATABASE "{name}_part"'))
                _say(f"  {what} PostgreSQL database {name} ...")
                make(server_url_of(name + "_part"))
                conn.execute(text(f'ALTER DATABASE "{name}_part" RENAME TO "{name}"'))
    finally:
        admin.dispose()
    return server_url_of(name)


def pg_db(server_url_of, calls: int, steps: bool = True) -> str:
    """The cached PostgreSQL history database's URL (database ivr_bench_<calls>_<seed>)."""
    name = "ivr_bench_" + _name(calls, steps).replace("-", "_")
    return _cached_pg(server_url_of, name, f"generating ({calls:,} calls; cached for later runs)",
                      lambda url: _generate(url, calls, steps))


def pg_scaled(server_url_of, copies: int) -> str:
    """The cached PostgreSQL database of `copies` copies of the generated 1 M history
    (ivr_bench_calls1000000_seed1_x<copies>)."""
    source = pg_db(server_url_of, BASE_CALLS)
    name = "ivr_bench_" + _name(BASE_CALLS, True).replace("-", "_") + f"_x{copies}"
    return _cached_pg(server_url_of, name, f"making ({copies} copies of the generated {BASE_CALLS:,} calls)",
                      lambda url: _scale(source, url, copies))


# --- what a child measures --------------------------------------------------------------------------

BY_COLUMN = {"queue": "queue", "agent": "CASE WHEN agent = '' THEN '(none)' ELSE agent END"}


def bare_sql(by: str) -> str:
    """The same figures as the report's (calls, outcomes, AHT, ASA, abandonment, service level,
    longest wait, talk and hold sums) from one GROUP BY; the window as bound parameters."""
    key = BY_COLUMN[by]
    return f"""SELECT {key} AS k, count(*) AS calls,
  sum(CASE WHEN outcome = 'answered' THEN 1 ELSE 0 END) AS answered,
  sum(CASE WHEN outcome = 'abandoned' THEN 1 ELSE 0 END) AS abandoned,
  sum(CASE WHEN outcome = 'timeout' THEN 1 ELSE 0 END) AS timeout,
  sum(CASE WHEN outcome = 'full' THEN 1 ELSE 0 END) AS full_,
  sum(CASE WHEN outcome = 'empty' THEN 1 ELSE 0 END) AS empty,
  avg(CASE WHEN outcome = 'answered' THEN talk_s + hold_s + wrapup_s END) AS aht,
  avg(CASE WHEN outcome = 'answered' THEN wait_s END) AS asa,
  sum(CASE WHEN outcome = 'answered' AND wait_s <= {SERVICE_LEVEL_S} THEN 1 ELSE 0 END) AS in_sl,
  max(wait_s) AS longest, sum(talk_s) AS talk, sum(hold_s) AS hold
FROM handle_times WHERE entered_at >= :since AND entered_at < :until GROUP BY {key} ORDER BY 1"""


BARE_FUNNEL = """SELECT s.node, s.action, count(*) FROM call_steps s JOIN calls c ON c.id = s.call_id
WHERE c.ended_at IS NOT NULL AND c.started_at >= :since AND c.started_at < :until
  AND s.action IN ('enter', 'invalid', 'timeout') GROUP BY s.node, s.action"""


def _bounds(engine) -> dict:
    if engine.dialect.name == "sqlite":   # as UTCDateTime stores them
        return {k: v.replace(tzinfo=None).isoformat(" ", "microseconds") for k, v in zip(("since", "until"), YEAR)}
    return dict(zip(("since", "until"), YEAR))


def child(job: str, url: str) -> dict:
    """Runs in the child: one measurement; what it found, as JSON-able data."""
    from sqlalchemy import text

    from ..store.db import open_engine
    engine = open_engine(url, create=False)
    with engine.connect() as conn:   # connect (and load the SQLite file's header) before the clock
        conn.execute(text("SELECT 1"))
    out: dict = {}
    # Imports before the clock, as the bare query's are (the report's modules cost ~0.3 s to load).
    from ..reports.handle_times import handle_times
    from ..reports.store import handle_time_figures
    from ..reports.summary.store import rebuild
    t0 = time.perf_counter()
    if job == "rebuild":
        out["hour_rows"] = rebuild(engine, SERVICE_LEVEL_S).hour_rows
    elif job.startswith("bare-") and job != "bare-funnel":
        with engine.connect() as conn:
            rows = conn.execute(text(bare_sql(job[5:])), _bounds(engine)).all()
        out["groups"] = {r[0]: r[1] for r in rows}
    elif job.startswith("report-"):   # as `ivr report handle-times` runs it: the summary where exact
        stats = handle_times(engine, *YEAR, by=job[7:], service_level_s=SERVICE_LEVEL_S)
        out["groups"] = {s.key: s.calls for s in stats if s.key != "total"}
    elif job.startswith("detail-"):   # the same figures from the detail rows alone
        groups, _total = handle_time_figures(engine, *YEAR, by=job[7:], service_level_s=SERVICE_LEVEL_S)
        out["groups"] = {g.key or "(none)": g.calls for g in groups}
    elif job == "bare-funnel":
        with engine.connect() as conn:
            rows = conn.execute(text(BARE_FUNNEL), _bounds(engine)).all()
        out["enter"] = sum(n for _, action, n in rows if action == "enter")
    elif job == "funnel":
        from ..reports.funnel import funnel
        stats, _containment = funnel(engine, *YEAR)
        out["enter"] = sum(s.entered for s in stats)
    elif job == "calls-page":
        out.update(_calls_pages(engine))
    else:
        raise ValueError(f"unknown job {job!r}")
    out["wall_s"] = round(time.perf_counter() - t0, 3)
    engine.dispose()
    return out


def _calls_pages(engine) -> dict:
    """The console's call log page as it is served: the store's search and the template, on the
    first page, a page in the middle of the year, and filtered by a caller and by outcome prefix."""
    from ..store.calls import CallFilter, PageKey, search_calls
    from ..web.templates import render

    def timed(flt, after=None) -> float:
        t0 = time.perf_counter()
        found = search_calls(engine, flt, 50, after=after)
        render("calls.html", session=None, q={}, rows=found.rows, error="", older="x", newer="x")
        return time.perf_counter() - t0

    mid = PageKey(datetime(2025, 7, 1, 12, tzinfo=timezone.utc), 2**31 - 1)
    first = search_calls(engine, CallFilter(), 1).rows[0]
    times = {"first": timed(CallFilter()), "middle": timed(CallFilter(), after=mid),
             "caller": timed(CallFilter(caller=first.caller_id)),
             "outcome+range": timed(CallFilter(since=datetime(2025, 3, 1, tzinfo=timezone.utc),
                                               until=datetime(2025, 4, 1, tzinfo=timezone.utc),
                                               outcome="queue:*"), after=mid),
             "hangup, middle": timed(CallFilter(outcome="caller-hangup"), after=mid)}
    return {"pages_s": {k: round(v, 4) for k, v in times.items()}, "max_page_s": round(max(times.values()), 4)}


def measure(job: str, url: str) -> dict:
    """job in a child process: its result, wall time and peak RSS (MiB)."""
    import tempfile
    with tempfile.TemporaryFile("w+") as err:   # a file, not a pipe: nothing can block on it
        proc = subprocess.Popen([sys.executable, "-m", "ivr.bench.reports_bench", "--child", job, url],
                                stdout=subprocess.PIPE, stderr=err, cwd=ROOT, text=True)
        stdout = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)   # the child's own rusage: its peak RSS
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if proc.returncode != 0:
        return {"error": (stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]}
    res = json.loads(stdout)
    res["rss_mib"] = round(usage.ru_maxrss / 1024, 1)
    return res


# --- the rows ---------------------------------------------------------------------------------------

def _rows_for(db: str, url: str, calls: int, rounds: int, with_funnel: bool, note: str = "") -> list[dict]:
    from sqlalchemy import func, select

    from ..store.db import open_engine
    from ..store.models import Call, HandleTimeRow, Step
    engine = open_engine(url)   # migrations to head (indexes of newer migrations) before timing
    with engine.connect() as conn:
        n_ht = conn.execute(select(func.count()).select_from(HandleTimeRow)).scalar()
        n_steps = conn.execute(select(func.count()).select_from(Step)).scalar() if with_funnel else 0
        n_calls = conn.execute(select(func.count()).select_from(Call)).scalar()
    engine.dispose()
    ht_data, calls_data = f"{n_ht:,} handle-time rows{note}", f"{n_calls:,} calls{note}"
    rows = []
    # The summary (report_hours) built once for the bench's threshold, as `ivr report rebuild` does.
    _say(f"  {db} {calls:,} calls: summary rebuild ...")
    built = measure("rebuild", url)
    rows.append({"db": db, "what": "summary rebuild (ivr report rebuild)", "data": ht_data,
                 "wall_s": built.get("wall_s"), "rss_mib": built.get("rss_mib"), "error": built.get("error"),
                 "hour_rows": built.get("hour_rows")})
    pairs = [(f"handle times by {by}{how}", f"{job}-{by}", f"bare-{by}", "groups", ht_data)
             for by in ("queue", "agent") for how, job in ((" (summary)", "report"), (" (detail rows)", "detail"))]
    if with_funnel:
        pairs.append(("funnel", "funnel", "bare-funnel", "enter", f"{n_calls:,} calls, {n_steps:,} steps"))
    for what, job, bare_job, check, data in pairs:
        _say(f"  {db} {calls:,} calls: {what} ...")
        ours, bare = [], []
        for _ in range(rounds):   # interleaved, so drift hits both alike
            bare.append(measure(bare_job, url))
            ours.append(measure(job, url))
        rows.append(_row(db, what, data, ours, bare, check))
    _say(f"  {db} {calls:,} calls: call log page ...")
    pages = [measure("calls-page", url) for _ in range(rounds)]
    good = [p for p in pages if "error" not in p]
    rows.append({"db": db, "what": "call log page (worst of 5 kinds)", "data": calls_data,
                 "wall_s": statistics.median(p["max_page_s"] for p in good) if good else None,
                 "rss_mib": max((p["rss_mib"] for p in good), default=None),
                 "pages_s": good[-1]["pages_s"] if good else None,
                 "error": next((p["error"] for p in pages if "error" in p), None)})
    return rows


def _row(db: str, what: str, data: str, ours: list[dict], bare: list[dict], check: str) -> dict:
    good_o, good_b = [r for r in ours if "error" not in r], [r for r in bare if "error" not in r]
    row = {"db": db, "what": what, "data": data,
           "wall_s": statistics.median(r["wall_s"] for r in good_o) if good_o else None,
           "rss_mib": max((r["rss_mib"] for r in good_o), default=None),
           "bare_wall_s": statistics.median(r["wall_s"] for r in good_b) if good_b else None,
           "bare_rss_mib": max((r["rss_mib"] for r in good_b), default=None),
           "error": next((r["error"] for r in ours + bare if "error" in r), None)}
    if good_o and good_b:
        row["same_figures"] = good_o[0][check] == good_b[0][check]
        if row["bare_wall_s"]:
            row["x_bare"] = round(row["wall_s"] / row["bare_wall_s"], 2)
    return row


def print_rows(rows: list[dict], rounds: int = ROUNDS) -> None:
    head = ("db", "what", "data", "wall s", "peak RSS MiB", "bare GROUP BY s", "bare RSS MiB", "x bare", "same")
    lines = [head]
    for r in rows:
        def f(v, d=2):
            return "-" if v is None else f"{v:,.{d}f}"
        lines.append((r["db"], r["what"], r["data"], f(r.get("wall_s"), 3), f(r.get("rss_mib"), 0),
                      f(r.get("bare_wall_s"), 3), f(r.get("bare_rss_mib"), 0), f(r.get("x_bare")),
                      {True: "yes", False: "NO", None: "-"}[r.get("same_figures")]
                      + (f"  ERROR: {r['error']}" if r.get("error") else "")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    print("\nReports over a year of history (each in its own process; medians of "
          f"{rounds} interleaved runs, RSS the largest)")
    for n, line in enumerate(lines):
        print("  " + "  ".join(c.ljust(w) if i < 3 or i == len(line) - 1 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths))).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        if r.get("hour_rows"):
            print(f"  {r['db']} {r['data']}: summary of {r['hour_rows']:,} rows (UTC hour, queue, agent)")
    print("  targets at 10 M rows: report <= 1.5x the bare GROUP BY, <= 2 s PostgreSQL, <= 5 s SQLite, <= 150 MB;"
          " pages <= 1 s")
    for r in rows:
        if r.get("pages_s"):
            print(f"  {r['db']} {r['data']} call log pages (s): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in r["pages_s"].items()))


def run(full: bool | None = None, rounds: int | None = None, full_only: bool = False,
        dbs: tuple[str, ...] = ("sqlite", "postgresql")) -> dict:
    """Every row: SQLite and PostgreSQL at 1 M calls (and the 10 M-row set with IVR_BENCH_FULL=1:
    17 copies of the 1 M); full_only: the 10 M-row set alone."""
    full = full_only or (os.environ.get("IVR_BENCH_FULL") == "1" if full is None else full)
    rounds = rounds or int(os.environ.get("IVR_BENCH_ROUNDS", ROUNDS))
    sizes = ([] if full_only else [BASE_CALLS]) + ([COPIES] if full else [])
    rows: list[dict] = []
    pg = None
    pg_url = os.environ.get("IVR_BENCH_PG_URL")
    if "postgresql" not in dbs:
        url_of = None
    elif pg_url:
        base = pg_url.rsplit("/", 1)[0]
        query = "?" + pg_url.split("?", 1)[1] if "?" in pg_url else ""

        def url_of(db: str) -> str:
            return f"{base.split('?')[0]}/{db}{query}"
    else:
        pg = BenchPostgres()
        pg.start()
        url_of = pg.url
    try:
        for size in sizes:
            if size == BASE_CALLS:
                if "sqlite" in dbs:
                    rows += _rows_for("SQLite", sqlite_db(size), size, rounds, with_funnel=True)
                if url_of:
                    rows += _rows_for("PostgreSQL", pg_db(url_of, size), size, rounds, with_funnel=True)
            else:   # `size` copies of the generated 1 M
                note = f" ({size} copies of the generated 1 M)"
                calls = size * BASE_CALLS
                if "sqlite" in dbs:
                    rows += _rows_for("SQLite", sqlite_scaled(size), calls, rounds, with_funnel=False, note=note)
                if url_of:
                    rows += _rows_for("PostgreSQL", pg_scaled(url_of, size), calls, rounds, with_funnel=False,
                                      note=note)
    finally:
        if pg is not None:
            pg.stop()
    print_rows(rows, rounds)
    result = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "full": full, "rounds": rounds,
              "window": [YEAR[0].isoformat(), YEAR[1].isoformat()], "rows": rows}
    out = RESULTS   # a partial run (one set, one database) beside the full one, not over it
    if full_only or tuple(dbs) != ("sqlite", "postgresql"):
        out = RESULTS.with_name(f"reports{'-x' + str(COPIES) if full_only else ''}-{'-'.join(dbs)}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"  wrote {out.relative_to(ROOT)}")
    return result


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(argv[1], argv[2]), default=str))
        return 0
    dbs = tuple(a.split("=", 1)[1] for a in argv if a.startswith("--db=")) or ("sqlite", "postgresql")
    run(full=True if "--full" in argv else None, full_only="--full-only" in argv, dbs=dbs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
