"""The AMI consumer: app_queue events in, handle-time records out.

It folds events as they arrive (never blocking panoramisk's reader: Asterisk
drops AMI readers slower than 100 ms), hands finished records to a writer
thread, and after every (re)login replays the queue_log lines written while
the link was down, so nothing is lost; the folder's idempotence and the
table's unique key mean nothing is counted twice. Then it asks Asterisk which
channels it has (CoreShowChannels): a queued call whose channel is gone
(Asterisk was killed or restarted) is closed as `interrupted`, so it still
gets its one record.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from ..ami.client import AMIClient
from ..config import AMISettings
from .conf import wrapup_times  # noqa: F401  (the controller reads it from here)
from .fold import QueueFolder
from .queue_log import read_since
from .store import HandleTimeWriter, last_entered_second

log = logging.getLogger("ivr.queues")

FOLDED = ("QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "AgentCalled", "AgentRingNoAnswer",
          "AgentConnect", "AgentComplete", "Hangup", "UserEvent")
REPLAY_MARGIN = 2.0        # seconds before the cut, in case the last events were in flight
STARTUP_LOOKBACK = 86400   # at start, recover at most a day of queue_log


class QueueConsumer:
    def __init__(self, ami: AMISettings, engine: Engine, queue_log: Path | None, wrapup: dict[str, float],
                 spool_dir: Path | None = None):
        self.engine, self.queue_log = engine, queue_log
        self.folder = QueueFolder(wrapup)
        self.writer = HandleTimeWriter(engine, spool_dir=spool_dir)
        self.disconnected_at: float | None = None  # in event time: where a queue_log replay starts
        self.lost_at: float | None = None          # wall clock: when calls cut off with Asterisk ended
        self.logins = 0
        self._tasks: set[asyncio.Task] = set()
        self.client = AMIClient(ami, on_login=self._on_login, on_disconnect=self._on_disconnect)
        for name in FOLDED:
            self.client.manager.register_event(name, self._on_event)

    def start(self) -> None:
        """Connect in the background; panoramisk keeps reconnecting (with our backoff)."""
        self.client.manager.connect()

    def close(self) -> None:
        self.client.close()
        self.writer.close()

    def _on_event(self, manager, event) -> None:
        self.writer.put_many(self.folder.feed(event))

    def _on_disconnect(self, manager, exc) -> None:
        self.disconnected_at = self.folder.last_timestamp or time.time()
        self.lost_at = time.time()
        log.warning("AMI connection lost (%s); open queue records: %d", exc, len(self.folder.open))

    def _on_login(self, manager) -> None:
        self.logins += 1
        if self.disconnected_at is not None:
            since = self.disconnected_at - REPLAY_MARGIN
        else:
            since = self._last_stored() or (time.time() - STARTUP_LOOKBACK)
        replayed = self.replay(since)
        log.info("AMI logged in (%d); replayed %d queue_log event(s) since %.0f", self.logins, replayed, since)
        task = asyncio.ensure_future(self.reconcile(self.lost_at))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.disconnected_at = self.lost_at = None

    async def reconcile(self, lost_at: float | None) -> int:
        """Close the open records whose channel Asterisk no longer has; return how many."""
        opened_before = set(self.folder.open)
        if not opened_before:
            return 0
        try:
            reply = await self.client.action({"Action": "CoreShowChannels"}, as_list=True)
        except Exception as exc:  # the next login tries again
            log.warning("AMI CoreShowChannels failed (%s); %d open queue record(s) not reconciled", exc,
                        len(opened_before))
            return 0
        live = {e.get("Uniqueid", "") for e in reply if e.get("Event") == "CoreShowChannel"}
        closed = self.folder.interrupt(live, lost_at, opened_before)
        if closed:
            log.warning("%d queue record(s) closed as interrupted: their channels are gone from Asterisk",
                        len(closed))
            self.writer.put_many(closed)
        return len(closed)

    def replay(self, since: float) -> int:
        """Fold queue_log lines from `since` on; return how many events were read."""
        if self.queue_log is None:
            return 0
        n = 0
        for event in read_since(self.queue_log, since):
            self.writer.put_many(self.folder.feed(event))
            n += 1
        return n

    def _last_stored(self) -> float | None:
        try:
            return last_entered_second(self.engine)
        except Exception:  # a fresh database: nothing to recover
            return None
