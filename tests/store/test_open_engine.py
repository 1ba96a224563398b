"""open_engine's errors a user meets before any SQL: a PostgreSQL URL without the driver
installed (psycopg is the `ivr[postgresql]` extra) is one line naming the fix."""

from __future__ import annotations

import sys

import pytest

from ivr.errors import StoreError
from ivr.store.db import open_engine


def test_a_postgresql_url_without_the_driver_names_the_extra(monkeypatch):
    for name in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "psycopg", None)   # as if it were not installed
    with pytest.raises(StoreError) as err:
        open_engine("postgresql+psycopg://ivr@db.example/ivr")
    assert "pip install 'ivr[postgresql]'" in str(err.value) and "psycopg" in str(err.value)
