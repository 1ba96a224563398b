"""An empty database per test, on SQLite and on the tests' own PostgreSQL
(the session's `db_url` fixture in tests/conftest.py)."""

from __future__ import annotations

import pytest

from ivr.store.db import open_engine


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'ivr.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    yield engine
    engine.dispose()
