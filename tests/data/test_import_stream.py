"""`ivr data load` streams: the peak memory of loading 100k accounts is about
that of 20k (what grows is the set of keys for the duplicate checks), far
under DESIGN.md's 200 MB. Memory only, never time."""

from __future__ import annotations

import tracemalloc

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.data.load import load_file
from ivr.store.db import open_engine
from ivr.store.models import Account

MB = 1 << 20


def _seed_and_file(tmp_path, n):
    """n accounts already stored (with a PIN), and the month's file updating them all."""
    engine = open_engine(f"sqlite:///{tmp_path / f'ivr{n}.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO accounts (number, pin_hash, name, language, balance, currency, tariff, "
                             "failed_pins) VALUES (?, 'scrypt$x$y', '', 'pl', 0, 'PLN', '', 0)",
                             [(f"{10_000_000 + i}",) for i in range(n)])
    f = tmp_path / f"accounts-{n}.csv"
    with open(f, "w", encoding="utf-8") as out:
        out.write("number;name;balance;currency;due_date;caller_ids;language\n")
        for i in range(n):
            out.write(f"{10_000_000 + i};Klient Przykładowy {i};{i % 100000},{i % 100:02d};PLN;2026-12-15;"
                      f"48{600_000_000 + i};pl\n")
    return engine, f


def _peak(engine, f):
    tracemalloc.start()
    try:
        result = load_file(engine, f)
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_from_10k_to_50k_rows(tmp_path):
    peaks = {}
    for n in (10_000, 50_000):
        engine, f = _seed_and_file(tmp_path, n)
        peaks[n], result = _peak(engine, f)
        assert result.total == 0 and result.counts["accounts"] == n, result.problems
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Account).where(Account.due_date.is_not(None))) == n
        engine.dispose()
    print({n: round(p / MB, 1) for n, p in peaks.items()})
    # The key sets grow by ~200 bytes a row (number and caller id); everything else is batches.
    assert peaks[50_000] - peaks[10_000] < 40_000 * 400
    assert peaks[50_000] < 60 * MB
