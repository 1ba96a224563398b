"""Engine creation: SQLite by default (WAL, so readers never block the writer)."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StoreError
from .models import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection=None):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


# alembic's EnvironmentContext lives in module globals: one migration per process at a time.
_MIGRATING = threading.Lock()
# Any 64-bit key of ours: controllers starting together on one PostgreSQL migrate one at a time.
_PG_MIGRATION_LOCK = 0x1F0A_2026


def _newest_revision() -> str:
    """The newest migration's revision id: the files are named after their ids (0013_....py)
    and each revises the one before, so the last name is the head."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _stored_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except SQLAlchemyError:   # no table yet (a new or pre-migration database): alembic decides
        return None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (alembic), in place."""
    # Every command opens the database: a schema already at the head needs no alembic
    # (loading its scripts took a third of a second of each `ivr` command).
    if _stored_revision(engine) == _newest_revision():
        return
    from alembic import command
    from sqlalchemy import inspect
    with _MIGRATING, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
        tables = set(inspect(conn).get_table_names())
        cfg = alembic_config(conn)
        if tables and "alembic_version" not in tables:
            # A database from before migrations: complete it, then mark it current.
            Base.metadata.create_all(conn)
            _add_missing_columns(conn, inspect(conn))
            command.stamp(cfg, "head")
        else:
            command.upgrade(cfg, "head")


def _add_missing_columns(conn, insp) -> None:
    # Added nullable: the rows already stored have no value for them, and none may be lost.
    for table in Base.metadata.sorted_tables:
        have = {c["name"] for c in insp.get_columns(table.name)}
        for col in table.columns:
            if col.name not in have:
                kind = col.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{col.name}" {kind}')


def open_engine(url: str, create: bool = True, must_exist: bool = False) -> Engine:
    """An engine for url with the schema in place; StoreError if unreachable, if the URL is
    not one SQLAlchemy can use (naming it: it comes from IVR_DATABASE_URL or database.url), or,
    with `must_exist` (the commands that only read), if the SQLite file is not there: a
    mistyped path would otherwise be a new, empty database reporting zeros."""
    if must_exist and url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise StoreError(f"no database at {url[len('sqlite:///'):]} (database.url or IVR_DATABASE_URL): "
                         "nothing has been stored there yet; check the path")
    try:
        engine = _engine(url)
    except ModuleNotFoundError as exc:   # the driver is an extra of the package
        if url.startswith("postgresql"):
            raise StoreError(f"{url.split('://')[0]}: the PostgreSQL driver is not installed ({exc.name}): "
                             "pip install 'ivr[postgresql]'") from None
        raise StoreError(f"database URL {_shown(url)}: its driver ({exc.name}) is not installed; the engine "
                         "runs on sqlite:///PATH or postgresql+psycopg://USER@HOST/DB") from None
    except SQLAlchemyError as exc:   # not a URL, or a dialect SQLAlchemy does not know
        raise StoreError(f"database URL {_shown(url)} (database.url or IVR_DATABASE_URL): "
                         f"{str(exc).splitlines()[0]}; use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB") from None
    return _migrated(engine) if create else engine


def _shown(url: str) -> str:
    """The URL without its password."""
    try:
        return repr(make_url(url).render_as_string(hide_password=True))
    except Exception:   # not even a URL
        return repr(url)


def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        shm = url[len("sqlite:///"):] + "-shm"

        @event.listens_for(engine, "before_cursor_execute")
        def _shm_guard(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            # WAL maps the -shm file: touching that mapping once the file cannot be read or
            # written (chattr +i, a wrong owner) kills the process with SIGBUS, no exception,
            # no log line. Refuse the statement first: the writers spool, reads fail over.
            if not os.access(shm, os.R_OK | os.W_OK) and os.path.exists(shm):
                raise sqlite3.OperationalError(f"{shm}: the shared-memory file cannot be read and written")
    elif url.startswith("postgresql"):
        # A server that does not answer (not one that refuses) must not hold a caller in
        # silence: give up connecting after a few seconds, and the data cache answers.
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def _migrated(engine: Engine) -> Engine:
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
                         f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None
    return engine
