"""`ivr web` under systemd: uvicorn's Server, notifying.

uvicorn has no hook between "the socket listens" and "serving": its lifespan
startup runs before it binds. So this subclass wraps `startup` (READY=1 once
the socket listens, then WATCHDOG=1 from the event loop every WATCHDOG_USEC/2)
and `shutdown` (STOPPING=1). Without NOTIFY_SOCKET it is uvicorn's Server.
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn

from . import notify


class NotifyingServer(uvicorn.Server):
    _watchdog: asyncio.Task | None = None

    def _where(self) -> str:
        c = self.config
        return f"ops console on http://{c.host}:{c.port}"

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            notify.ready(self._where())
            self._watchdog = asyncio.create_task(notify.watchdog(self._where))

    async def shutdown(self, sockets=None) -> None:
        notify.stopping(f"{self._where()}: shutting down")
        try:
            await super().shutdown(sockets=sockets)
        finally:
            if self._watchdog is not None:
                self._watchdog.cancel()


def run(app, **options) -> None:
    """As `uvicorn.run(app, **options)` does for one worker without reload."""
    server = NotifyingServer(uvicorn.Config(app, **options))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    if not server.started:
        sys.exit(3)   # uvicorn's STARTUP_FAILURE; it has logged why
