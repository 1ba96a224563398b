"""Self-service through a database outage: what calls ask of the data, with the
tariffs and billing rules served from memory when the database is away.

`ResilientData` wraps a DataSource (ivr.data.store) with the same methods:

- tariffs and billing rules are read from the database for each call that
  asks (a price loaded with `ivr data load` is what the next call hears), and
  kept; when the database is away the copy in memory is served (logged once
  a minute): a caller asking for prices still hears them;
- an account lookup or a PIN check needs the database (a PIN's failures are
  counted there): while it is away they raise DataUnavailable, and the
  identify node takes its failure path (usually the operator queue);
- a callback request that cannot be stored now is handed to a spooling
  writer (ivr.queues.store.CallbackWriter) and stored when the database is
  back: the caller who was promised a call back gets it.

The database being "away" is what the writers' spool calls transient
(ivr.store.writer.is_transient); any other error is a bug and is raised.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date, datetime

from ..errors import DataUnavailable
from ..store.writer import is_transient
from .store import AccountView, DataSource, TariffView

log = logging.getLogger("ivr.data")

STALE_LOG_EVERY_S = 60.0


class ResilientData:
    def __init__(self, source: DataSource, callbacks=None):
        self.source, self.callbacks = source, callbacks
        self._lock = threading.Lock()
        self._tariffs: list[tuple[date, date | None, TariffView]] | None = None
        self._rules: dict[str, list[str]] | None = None
        self._loaded_at = float("-inf")
        self._stale_logged = float("-inf")

    # -- cached

    def warm(self) -> None:
        """Load tariffs and billing rules now (at start: an outage later finds them ready)."""
        self._refresh()

    def tariffs(self, on: date) -> list[TariffView]:
        """Tariffs in force on `on`, as DataSource.tariffs gives them."""
        self._refresh()
        return [t for start, end, t in self._tariffs if start <= on and (end is None or end >= on)]

    def billing_rules(self, language: str) -> list[str]:
        self._refresh()
        return list(self._rules.get(language, []))

    def _refresh(self) -> None:
        with self._lock:
            try:
                tariffs = self.source.tariff_periods()
                rules: dict[str, list[str]] = {}
                for r in self.source.all_billing_rules():
                    rules.setdefault(r.language, []).append(r.prompt)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if self._tariffs is None:
                    raise DataUnavailable(f"tariffs and billing rules not loaded yet and the database is away: "
                                          f"{type(exc).__name__}") from None
                if time.monotonic() - self._stale_logged >= STALE_LOG_EVERY_S:
                    self._stale_logged = time.monotonic()
                    log.warning("the database is away (%s): tariffs and billing rules served from memory, "
                                "loaded %.0f s ago", type(exc).__name__, time.monotonic() - self._loaded_at)
                return
            self._tariffs, self._rules, self._loaded_at = tariffs, rules, time.monotonic()

    # -- live

    def by_caller_id(self, caller_id: str) -> AccountView | None:
        return self._live(self.source.by_caller_id, caller_id)

    def verify(self, number: str, pin: str, now: datetime) -> AccountView | None:
        return self._live(self.source.verify, number, pin, now)

    def request_callback(self, unique_id: str, caller_id: str, account: str, language: str, queue: str,
                         at: datetime) -> int | None:
        """The request's id; 0 when it is spooled to be stored once the database is back."""
        try:
            return self.source.request_callback(unique_id, caller_id, account, language, queue, at)
        except Exception as exc:
            if not is_transient(exc) or self.callbacks is None:
                raise
            from ..queues.store import CallbackRequestItem
            self.callbacks.put(CallbackRequestItem(unique_id, caller_id, account, language, queue, at))
            log.warning("callback request spooled: the database is away (%s)", type(exc).__name__,
                        extra={"uid": unique_id})
            return 0

    @staticmethod
    def _live(fn, *args):
        try:
            return fn(*args)
        except Exception as exc:
            if is_transient(exc):
                raise DataUnavailable(f"the database is away: {type(exc).__name__}") from None
            raise
