"""The schema is alembic's: a fresh database, a second open, an old database."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import create_engine, inspect, text

from ivr.store.db import alembic_config, open_engine
from ivr.store.models import Base, Call


def _head() -> str:
    """The newest migration: the one every database ends at (a new migration needs no edit here)."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrations_form_one_chain_from_0001():
    from alembic.script import ScriptDirectory
    revs = [r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    assert revs[-1] == "0001" and len(set(revs)) == len(revs) == int(_head())


def test_fresh_database_gets_every_table_at_head(db_url):
    engine = open_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
    open_engine(db_url)  # opening again changes nothing and does not fail


def test_database_from_before_migrations_keeps_its_calls(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = create_engine(url)
    Call.__table__.create(old)
    with old.begin() as conn:
        conn.execute(Call.__table__.insert().values(unique_id="kept", started_at=datetime.now(timezone.utc),
                                                    caller_id="", called="", channel="", language="",
                                                    config_version="", digits="", outcome="hangup",
                                                    hangup_cause="", error=""))
    engine = open_engine(url)
    assert {"accounts", "recordings"} <= set(inspect(engine).get_table_names())
    assert "consent" in {c["name"] for c in inspect(engine).get_columns("calls")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT outcome FROM calls WHERE unique_id='kept'")).scalar() == "hangup"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()


def test_database_at_0001_upgrades_in_place_keeping_calls(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'v1.db'}"
    old = create_engine(url)
    with old.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
        conn.execute(text("INSERT INTO calls (unique_id, caller_id, called, channel, language, config_version, "
                          "started_at, digits, outcome, hangup_cause, error) VALUES "
                          "('v1-call', '48600', '', '', 'pl', '', '2026-11-01 10:00:00', '1', 'hangup', '', '')"))
    engine = open_engine(url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT outcome, consent FROM calls WHERE unique_id='v1-call'")).one()
        assert tuple(row) == ("hangup", None)
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
