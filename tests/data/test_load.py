"""`ivr data load`: every bad row named by file, line and field, nothing
written when anything is wrong, and loading again updates in place."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.data.load import check_file, write
from ivr.data.lookup import DataSource
from ivr.store.db import open_engine
from ivr.store.models import Account, Tariff
from support import ROOT, ivr_cli

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def _cli(tmp_path, *args):
    return ivr_cli("data", *args, config=ROOT / "config.yaml",
                   env={"IVR_DATABASE_URL": f"sqlite:///{tmp_path / 'ivr.db'}"})


def test_bad_csv_rows_are_named_and_nothing_is_written(tmp_path):
    good = tmp_path / "tariffs.csv"
    good.write_text("name,price,currency,valid_from\nBasic,29.00,PLN,2026-01-01\n")
    assert _cli(tmp_path, "load", str(good)).returncode == 0
    bad = tmp_path / "tariffs-new.csv"
    bad.write_text("name,price,currency,valid_from,valid_to\n"
                   "Basic,31.00,PLN,2026-01-01,\n"           # fine on its own
                   "Plus,forty,PLN,2026-01-01,\n"             # line 3
                   "Max,79,EURO,2026-13-01,\n"                 # line 4: two problems
                   "Mini,9,PLN,2026-06-01,2026-05-01\n")       # line 5: ends before it starts
    res = _cli(tmp_path, "load", str(bad))
    assert res.returncode == 1
    assert res.stderr.splitlines()[:4] == [
        f"{bad}:3: price: 'forty' is not an amount",
        f"{bad}:4: currency: 'EURO' is not an ISO 4217 code (like PLN, EUR, HUF)",
        f"{bad}:4: valid_from: '2026-13-01' is not a date (use YYYY-MM-DD)",
        f"{bad}:5: valid_to: tariff Mini ends before it starts",
    ]
    assert "nothing was written" in res.stderr
    # The good row of the bad file did not slip in: Basic still costs 29.00.
    engine = open_engine(f"sqlite:///{tmp_path / 'ivr.db'}")
    assert DataSource(engine).tariffs(date(2026, 11, 23))[0].price == Decimal("29.00")


def test_yaml_rows_are_named_by_line(tmp_path):
    f = tmp_path / "data.yaml"
    f.write_text("accounts:\n"
                 "  - {number: '1', pin: '1234', currency: PLN, caller_ids: ['4860']}\n"
                 "  - {number: 'A2', pin: '12', currency: PLN, colour: red}\n"
                 "  - {number: '3', pin: '1234', currency: PLN, caller_ids: ['+4860']}\n")
    problems = [p.format() for p in check_file(f).problems]
    assert problems == [
        f"{f}:3: colour: unknown field (have number, pin, currency, name, caller_ids, language, balance, "
        "due_date, tariff)",
        f"{f}:3: number: 'A2' must be digits only: callers type it on the keypad",
        f"{f}:3: pin: a PIN has 4 to 8 digits",
        f"{f}:4: caller_ids: 4860 also belongs to the account on line 2",
    ]


def test_loading_again_updates_in_place_and_moves_numbers(db_url, tmp_path):
    engine = open_engine(db_url)
    write(engine, check_file(ROOT / "ivr/data/sample.yaml"))
    write(engine, check_file(ROOT / "ivr/data/sample.yaml"))     # again: no duplicate, no error
    data = DataSource(engine)
    assert data.by_caller_id("48600100200").number == "10001"
    moved = tmp_path / "moved.yaml"
    moved.write_text("accounts:\n  - {number: '10003', pin: '2468', currency: PLN, balance: '5.00', "
                     "caller_ids: ['48600100200', '48600999999']}\n")
    write(engine, check_file(moved))
    assert data.by_caller_id("48600100200").number == "10003"      # the number moved
    assert data.by_caller_id("+48600999999").balance == Decimal("5.00")
    with Session(engine) as s:
        assert s.scalars(select(Account).where(Account.number == "10001")).one().phones == []
        assert len(s.scalars(select(Tariff)).all()) == 4


def test_wrong_pins_lock_across_calls_and_the_lock_expires(db_url):
    engine = open_engine(db_url)
    write(engine, check_file(ROOT / "ivr/data/sample.yaml"))
    data = DataSource(engine, lock_after=3, lock_minutes=15)
    assert data.verify("10003", "0000", NOW) is None
    assert data.verify("10003", "2468", NOW) is not None            # a right PIN clears the count
    for minute in range(3):                                           # three calls, one wrong PIN each
        assert data.verify("10003", "1111", NOW + timedelta(minutes=minute)) is None
    assert data.verify("10003", "2468", NOW + timedelta(minutes=3)) is None     # locked
    assert data.verify("99999", "2468", NOW) is None                  # unknown: the same None
    assert data.verify("10003", "2468", NOW + timedelta(minutes=18)) is not None  # lock over


def test_parallel_wrong_pins_are_all_counted(db_url):
    # Twelve calls guess at once: the third wrong PIN locks the account, so
    # at most three were ever checked and the right PIN is refused after.
    import threading
    engine = open_engine(db_url)
    write(engine, check_file(ROOT / "ivr/data/sample.yaml"))
    data = DataSource(engine, lock_after=3, lock_minutes=15)
    barrier = threading.Barrier(12)
    results, errors = [], []

    def guess(i):
        try:
            barrier.wait(timeout=30)
            results.append(data.verify("10003", f"{1000 + i}", NOW))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == [None] * 12
    assert data.verify("10003", "2468", NOW + timedelta(minutes=1)) is None
    with Session(engine) as s:
        assert s.scalars(select(Account).where(Account.number == "10003")).one().locked_until is not None


def test_unquoted_yaml_numbers_are_refused(tmp_path):
    f = tmp_path / "accounts.yaml"
    f.write_text("accounts:\n  - {number: 0012345, pin: 012345, currency: PLN, caller_ids: [48600100200]}\n")
    problems = [p.format() for p in check_file(f).problems]
    assert problems == [
        f"{f}:2: number: 5349: write it in quotes, e.g. '0012345' (YAML turns unquoted digits into a number)",
        f"{f}:2: pin: 5349: write it in quotes, e.g. '0012345' (YAML turns unquoted digits into a number)",
        f"{f}:2: caller_ids: write caller ids in quotes, e.g. ['48600100200'] (YAML turns unquoted digits "
        "into numbers)",
    ]


def test_loading_prices_again_keeps_a_lock(db_url):
    engine = open_engine(db_url)
    write(engine, check_file(ROOT / "ivr/data/sample.yaml"))
    data = DataSource(engine, lock_after=3)
    for _ in range(3):
        data.verify("10003", "1111", NOW)
    write(engine, check_file(ROOT / "ivr/data/sample.yaml"))        # the same PIN: still locked
    assert data.verify("10003", "2468", NOW) is None
