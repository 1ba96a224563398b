"""Self-service through a database outage (ivr.data.cache), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, event

from ivr.data.cache import ResilientData
from ivr.data.load import check_file, write
from ivr.data.store import DataSource
from ivr.errors import DataUnavailable
from ivr.queues.store import CallbackWriter, list_callbacks
from ivr.store.db import open_engine

DATA = """
accounts:
  - {number: "30001", pin: "1234", caller_ids: ["48111000001"], language: en, balance: "122.05", currency: PLN}
tariffs:
  - {name: Basic, group: mobile, price: "29.00", currency: PLN, unit: month, valid_from: 2025-01-01, valid_to: 2026-06-30}
  - {name: Basic, group: mobile, price: "31.00", currency: PLN, unit: month, valid_from: 2026-07-01}
billing_rules:
  - {name: rounding, language: en, prompt: billing-per-second, position: 1}
"""


class Outage(dict):
    """away["on"] = True: new connections are refused and pooled ones dropped, as when the
    database server stops; False: it is back."""

    def __init__(self, engine):
        super().__init__(on=False)
        self.engine = engine

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if value:
            self.engine.dispose()


@pytest.fixture
def outage(db_url, tmp_path):
    """The loaded database, an engine to it that an outage can cut, and the switch."""
    src = tmp_path / "data.yaml"
    src.write_text(DATA)
    engine = open_engine(db_url)
    loaded = check_file(src)
    assert loaded.problems == []
    write(engine, loaded)
    flaky = create_engine(db_url)
    away = Outage(flaky)

    @event.listens_for(flaky, "do_connect")
    def refuse(*args, **kwargs):
        if away["on"]:
            raise ConnectionRefusedError("connection refused")

    return engine, flaky, away


def test_tariffs_and_billing_rules_are_served_from_memory_while_the_database_is_away(outage, tmp_path):
    engine, flaky, away = outage
    data = ResilientData(DataSource(flaky))
    data.warm()
    away["on"] = True
    assert [(t.name, str(t.price)) for t in data.tariffs(date(2026, 3, 1))] == [("Basic", "29.00")]
    assert [(t.name, str(t.price)) for t in data.tariffs(date(2026, 12, 1))] == [("Basic", "31.00")]
    assert data.billing_rules("en") == ["billing-per-second"]
    assert data.tariffs(date(2026, 3, 1)) == DataSource(engine).tariffs(date(2026, 3, 1))


def test_a_price_loaded_now_is_what_the_next_call_hears(outage, tmp_path):
    engine, flaky, away = outage
    data = ResilientData(DataSource(flaky))
    data.warm()
    changed = tmp_path / "changed.yaml"
    changed.write_text('tariffs:\n  - {name: Basic, group: mobile, price: "33.50", currency: PLN, unit: month, '
                       'valid_from: 2026-07-01}\n')
    loaded = check_file(changed)
    write(engine, loaded)
    assert [str(t.price) for t in data.tariffs(date(2026, 12, 1))] == ["33.50"]


def test_accounts_need_the_database_and_say_so(outage):
    engine, flaky, away = outage
    data = ResilientData(DataSource(flaky))
    assert data.by_caller_id("48111000001").number == "30001"
    away["on"] = True
    with pytest.raises(DataUnavailable):
        data.by_caller_id("48111000001")
    with pytest.raises(DataUnavailable):
        data.verify("30001", "1234", datetime.now(timezone.utc))


def test_nothing_cached_and_the_database_away_is_unavailable_not_empty(outage):
    engine, flaky, away = outage
    away["on"] = True
    with pytest.raises(DataUnavailable):
        ResilientData(DataSource(flaky)).tariffs(date(2026, 3, 1))


def test_a_callback_request_made_during_the_outage_is_stored_when_it_ends(outage, tmp_path):
    engine, flaky, away = outage
    writer = CallbackWriter(flaky, spool_dir=tmp_path)
    data = ResilientData(DataSource(flaky), writer)
    away["on"] = True
    at = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
    assert data.request_callback("1764500000.5", "48600100200", "", "en", "support", at) == 0
    writer.flush()
    assert writer.depth == 1
    away["on"] = False
    assert writer.wait_landed(30)
    writer.close()
    [req] = list_callbacks(engine)
    assert (req.unique_id, req.caller_id, req.queue, req.requested_at) == \
        ("1764500000.5", "48600100200", "support", at.isoformat())
