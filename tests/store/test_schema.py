"""The models (what create_all builds for a database from before migrations) and the
migrations (what every other database gets) describe the same tables, columns and indexes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ivr.store.db import open_engine
from ivr.store.models import Base


def test_migrations_and_models_agree(db_url):
    engine = open_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
