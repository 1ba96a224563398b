"""The live state fed from an AMI link: events as they are read, a QueueStatus
rebuild at every login and every `resync_s`, stale while the link is down.

The I/O half of ivr/live/state.py. It never blocks panoramisk's reader (an
event is folded in microseconds; the database and QueueStatus run in tasks).
Events that arrive while a QueueStatus answer is on its way are applied again
on top of the rebuilt state (every rule is idempotent or absolute), so a
member paused during a resync is not lost. Waiters (the wallboard's
server-sent events) are woken on every change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

from .state import EVENTS, LiveSnapshot, LiveState

log = logging.getLogger("ivr.live")


class LiveFeed:
    def __init__(self, client, state: LiveState, engine=None, resync_s: float = 60.0):
        self.client, self.state, self.engine = client, state, engine
        self.resync_s = resync_s
        self.connected = False
        self.logins = 0
        self.reconnects = 0            # logins after the first
        self._pending: list | None = None   # events read while a QueueStatus is in flight
        self._changed: asyncio.Event | None = None
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None
        self.last_change = time.time()
        if client is not None:
            self.attach(client)

    def attach(self, client) -> None:
        """Take events from this AMI client (its on_login/on_disconnect must call ours)."""
        self.client = client
        for name in EVENTS:
            client.manager.register_event(name, self.on_event)

    # -- AMI hooks (panoramisk calls them on its loop)

    def on_event(self, manager, event) -> None:
        now = time.time()
        if self._pending is not None:
            self._pending.append((event, now))
        if self.state.feed(event, now):
            self._notify()

    def on_login(self, manager=None) -> None:
        self.connected = True
        self.logins += 1
        if self.logins > 1:
            self.reconnects += 1
        self._spawn(self.resync())
        if self._loop_task is None:
            self._loop_task = asyncio.ensure_future(self._every())

    def on_disconnect(self, manager=None, exc=None) -> None:
        self.connected = False
        self.state.mark_stale(time.time(), f"the AMI link is down ({exc or 'connection lost'}); reconnecting")
        self._notify()

    def mark_unavailable(self, why: str) -> None:
        """No link can be made at all (no AMI secret): say so on the wallboard."""
        self.state.mark_stale(time.time(), why)
        self._notify()

    # -- resync

    async def resync(self) -> bool:
        """Rebuild from QueueStatus (and today's stored records); False if Asterisk did not answer."""
        self._pending = []
        try:
            reply = await self.client.action({"Action": "QueueStatus"}, as_list=True)
        except Exception as exc:
            self._pending = None
            log.warning("AMI QueueStatus failed (%s): the live state stays as it is", exc)
            return False
        pending, self._pending = self._pending, None
        now = time.time()
        self.state.rebuild(reply if isinstance(reply, list) else [reply], now)
        for event, at in pending:
            self.state.feed(event, at)
        self._notify()
        await self.merge_day()
        return True

    async def merge_day(self) -> None:
        if self.engine is None:
            return
        from .store import day_rows
        now = time.time()
        local = datetime.fromtimestamp(now, self.state.tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
        try:
            rows = await asyncio.to_thread(day_rows, self.engine, midnight)
        except Exception as exc:   # the database away: the events since start still count
            log.warning("today's queue records not read (%s): today's figures count only what AMI showed", exc)
            return
        self.state.merge_day(rows, now)
        self._notify()

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(self.resync_s)
            if self.connected:
                try:
                    await self.resync()
                except Exception:   # the loop must outlive one bad answer
                    log.exception("live resync failed")

    # -- for readers

    def snapshot(self) -> LiveSnapshot:
        return self.state.snapshot(time.time())

    async def wait_change(self, version: int, timeout: float) -> bool:
        """Wait until the state's version differs from `version`; False on timeout."""
        if self.state.version != version:
            return True
        if self._changed is None:
            self._changed = asyncio.Event()
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def _notify(self) -> None:
        self.last_change = time.time()
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
        for task in list(self._tasks):
            task.cancel()
