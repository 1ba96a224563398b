"""Migration 0005: recordings stored before it are `ok`, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from ivr.store.db import alembic_config, open_engine


def test_recordings_before_0005_become_ok(db_url):
    from alembic import command
    old = create_engine(db_url)
    with old.begin() as conn:
        command.upgrade(alembic_config(conn), "0004")
        conn.execute(text("INSERT INTO recordings (unique_id, caller_id, queue, agent, started_at, duration_s, "
                          "size_bytes, path, sha256) VALUES ('before-0005', '', '', '', '2026-11-01 10:00:00', "
                          "3.0, 48044, 'before-0005.wav', '')"))
    old.dispose()
    engine = open_engine(db_url)
    assert "state" in {c["name"] for c in inspect(engine).get_columns("recordings")}
    from ivr.recordings.store import get, search
    assert get(engine, "before-0005").state == "ok"
    assert [r.unique_id for r in search(engine)] == ["before-0005"]
    engine.dispose()
