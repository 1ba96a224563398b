"""`make bench`'s import row: `ivr data load` of N generated accounts into
PostgreSQL beside a bare COPY of the same rows, in the same run (DESIGN.md:
>= 50,000 rows/s, < 200 MB at any size). Reported, never asserted.

The file is the month's update of accounts already stored (number, name,
balance with a decimal comma, currency, due date, caller id, language; `;`
delimited as Excel writes it in Poland): each run first stores the N accounts
by a bare COPY (that COPY is the baseline: the same rows, no checks), then
imports the file. New accounts carry a PIN, and a PIN costs one scrypt
(ivr/data/pins.py, ~50 ms by design); that rate is measured on a few rows and
shown apart. Each import runs in a child process: its ru_maxrss is the peak.

PostgreSQL: $IVR_BENCH_PG_URL, else a throwaway server of Debian's package
started here (as tests/conftest.py's PostgresServer does).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROWS = 20_000   # a few seconds; `--scale` multiplies it
PG_PORT = 55_990
ctx = multiprocessing.get_context("spawn")


def _pg_bin(name: str) -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else None


@contextmanager
def postgres() -> Iterator[str | None]:
    """A PostgreSQL URL for the bench, or None when there is none to be had."""
    if os.environ.get("IVR_BENCH_PG_URL"):
        yield os.environ["IVR_BENCH_PG_URL"]
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="ivr-bench-pg-"))
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(root, "postgres")
    data = root / "data"
    try:
        subprocess.run([*as_pg, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"], check=True,
                       capture_output=True)
        subprocess.run([*as_pg, pg_ctl, "-D", str(data), "-w", "-l", str(root / "pg.log"), "-o",
                        f"-p {PG_PORT} -k {root} -c listen_addresses='' -c fsync=off", "start"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@/postgres?host={root}&port={PG_PORT}"
    finally:
        subprocess.run([*as_pg, pg_ctl, "-D", str(data), "stop", "-m", "immediate"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _write_file(path: Path, n: int, start: int = 10_000_000) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("number;name;balance;currency;due_date;caller_ids;language\n")
        for i in range(n):
            out.write(f"{start + i};Klient Przykładowy {i};{i % 100000},{i % 100:02d};PLN;2026-12-15;"
                      f"48{600_000_000 + i};pl\n")


def _fresh(url: str):
    from sqlalchemy import create_engine

    from ..store.db import open_engine
    plain = create_engine(url)
    with plain.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    plain.dispose()
    return open_engine(url)


def _bare_copy(engine, n: int, start: int = 10_000_000) -> float:
    """The baseline: COPY of the same N accounts straight into the table (a fixed PIN hash)."""
    t0 = time.perf_counter()
    with engine.begin() as conn:
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy("COPY accounts (number, pin_hash, name, language, balance, currency, due_date, tariff, "
                          "failed_pins) FROM STDIN") as copy:
                for i in range(n):
                    copy.write_row((f"{start + i}", "scrypt$x$y", f"Klient Przykładowy {i}", "pl",
                                    f"{i % 100000}.{i % 100:02d}", "PLN", "2026-12-15", "", 0))
    return time.perf_counter() - t0


def _child(url: str, path: str, n: int, conn) -> None:
    from ..data.load import load_file
    from ..store.db import open_engine
    engine = open_engine(url)
    t0 = time.perf_counter()
    result = load_file(engine, Path(path))
    elapsed = time.perf_counter() - t0
    conn.send({"elapsed_s": elapsed, "rows": result.counts.get("accounts", 0), "problems": result.total,
               "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
    engine.dispose()


def _import(url: str, path: Path, n: int) -> dict:
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_child, args=(url, str(path), n, child), daemon=True)
    proc.start()
    child.close()
    out = parent.recv() if parent.poll(600) else {"error": "no answer in 600 s"}
    proc.join(10)
    return out


def _pin_rate(url: str, n: int = 20) -> float:
    from ..data.load import load_file
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "accounts-new.csv"
        f.write_text("number;pin;currency\n" + "".join(f"{90_000_000 + i};{1000 + i};PLN\n" for i in range(n)))
        t0 = time.perf_counter()
        load_file(_fresh(url), f)
        return n / (time.perf_counter() - t0)


def import_rate(rows: int = ROWS) -> dict:
    with postgres() as url:
        if url is None:
            return {"skipped": "no PostgreSQL (Debian's postgresql package, or IVR_BENCH_PG_URL)"}
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "accounts-month.csv"
            _write_file(path, rows)
            engine = _fresh(url)
            bare_s = _bare_copy(engine, rows)
            engine.dispose()
            ours = _import(url, path, rows)
            size = path.stat().st_size
        pins = _pin_rate(url)
    out = {"rows": rows, "file_mb": round(size / 2**20, 1), "bare_copy_rows_per_s": round(rows / bare_s),
           "pin_rows_per_s": round(pins, 1), **ours}
    if "elapsed_s" in ours:
        out["ours_rows_per_s"] = round(rows / ours["elapsed_s"])
        out["ratio"] = round(bare_s / ours["elapsed_s"], 2)
    return out


def run(rows: int = ROWS) -> dict:
    r = import_rate(rows)
    print("\nImport (ivr data load into PostgreSQL)")
    if "skipped" in r:
        print(f"  skipped: {r['skipped']}")
    elif "error" in r:
        print(f"  failed: {r['error']}")
    else:
        print(f"  {r['rows']:,} accounts ({r['file_mb']} MB CSV): {r['ours_rows_per_s']:,} rows/s "
              f"(bare COPY of the same rows {r['bare_copy_rows_per_s']:,} rows/s, x{r['ratio']}; target 50,000/s), "
              f"peak RSS {r['peak_rss_kib'] / 1024:.0f} MB (target < 200 MB)")
        print(f"  new accounts with a PIN: {r['pin_rows_per_s']} rows/s (one scrypt each, by design)")
    return r


if __name__ == "__main__":
    import sys
    run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)
