"""Locks held by a database session: one holder at a time, released by the server when
the holder's session ends (a killed process included). Used by ivr/queues/leadership.py
to pick the one controller that folds an Asterisk's queue events."""

from __future__ import annotations

import threading


class AdvisoryLock:
    """`pg_try_advisory_lock(key)` on a dedicated PostgreSQL session (NullPool: closing the
    connection ends the session, so the lock can never be left in a pool)."""

    def __init__(self, url, key: int, connect_timeout: int = 3):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool
        self.key = key
        self.description = f"PostgreSQL advisory lock {key}"
        args = {"connect_timeout": connect_timeout, "application_name": "ivr-fold-leader",
                "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2}
        self.engine = create_engine(url, poolclass=NullPool, connect_args=args)
        self.conn = None
        self._mutex = threading.Lock()

    def _connection(self):
        if self.conn is None:
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.conn

    def try_acquire(self) -> bool:
        from sqlalchemy import text
        with self._mutex:
            try:
                got = self._connection().execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            except Exception:
                self._drop()
                raise
            return bool(got)

    def alive(self) -> bool:
        from sqlalchemy import text
        with self._mutex:
            if self.conn is None:
                return False
            try:
                # The lock is the session's: the session answering means it still holds it.
                held = self.conn.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND objsubid = 1 "
                    "AND objid::bigint = (CAST(:k AS bigint) & 4294967295) "
                    "AND classid::bigint = ((CAST(:k AS bigint) >> 32) & 4294967295)"), {"k": self.key}).scalar()
            except Exception:
                self._drop()
                return False
            return bool(held)

    def backend_pid(self) -> int | None:
        """The session's server pid (tests terminate it to play a dead leader)."""
        from sqlalchemy import text
        with self._mutex:
            return self._connection().execute(text("SELECT pg_backend_pid()")).scalar()

    def release(self) -> None:
        from sqlalchemy import text
        with self._mutex:
            if self.conn is not None:
                try:   # at once, for a clean handover: the server ends a closed session a moment later
                    self.conn.execute(text("SELECT pg_advisory_unlock_all()"))
                except Exception:
                    pass
            self._drop()

    def _drop(self) -> None:
        """Close the session: whatever it held is released by the server."""
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                pass
