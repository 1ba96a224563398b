"""Log in to AMI with panoramisk's Manager and wait for what we need.

panoramisk reconnects on its own; this wrapper adds a bounded login (a
wrong secret or a closed port becomes an AMIError at once, not a hang) and
futures for "the event with this Uniqueid arrived".
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from panoramisk import Manager

from ..config import AMISettings
from ..errors import AMIError

log = logging.getLogger("ivr.ami")


class BackoffManager(Manager):
    """panoramisk's Manager, reconnecting after 1, 2, 4, 4 ... s instead of a fixed delay: capped
    so that AMI is back within 5 s of Asterisk listening again (it is a loopback or LAN link)."""

    MAX_DELAY = 4

    def connection_made(self, f):
        failed = f.exception() is not None if f.done() and not f.cancelled() else False
        if failed:
            self.reconnect_timeout = min(self.MAX_DELAY, max(1, self.reconnect_timeout) * 2)
        super().connection_made(f)

    def login(self, future):
        ok = super().login(future)
        if ok:
            self.reconnect_timeout = 1
        return ok


class AMIClient:
    def __init__(self, settings: AMISettings, events: str = "on", on_login=None, on_disconnect=None):
        self.settings = settings
        hooks = {k: v for k, v in (("on_login", on_login), ("on_disconnect", on_disconnect)) if v}
        self.manager = BackoffManager(host=settings.host, port=settings.port, username=settings.username,
                                      secret=settings.secret(), events=events, ping_delay=5, ping_interval=5,
                                      reconnect_timeout=1, log=logging.getLogger("ivr.ami.panoramisk"), **hooks)
        self._waiters: list[tuple[Callable[[Any], bool], asyncio.Future]] = []
        self.manager.register_event("*", self._dispatch)

    async def connect(self, timeout: float = 10) -> None:
        """Connect and log in; AMIError if that does not happen within timeout."""
        where = f"{self.settings.host}:{self.settings.port}"
        try:
            await asyncio.wait_for(self.manager.connect(), timeout)
        except (OSError, asyncio.TimeoutError) as exc:
            self.manager.close()
            raise AMIError(f"cannot reach AMI at {where}: {exc or 'timeout'} (is `ivr sandbox up` running?)") from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.manager.authenticated:
            fut = self.manager.authenticated_future
            if fut is not None and fut.done():
                resp = fut.result()
                if not getattr(resp, "success", False):
                    self.close()
                    raise AMIError(f"AMI at {where} refused login for user {self.settings.username!r}: "
                                   f"{resp.get('Message', 'authentication failed')}")
            if loop.time() > deadline:
                self.close()
                raise AMIError(f"AMI at {where} did not answer the login within {timeout:g} s")
            await asyncio.sleep(0.02)

    def close(self) -> None:
        # Stop panoramisk reconnecting after we are done.
        self.manager.connection_lost = lambda exc: None  # type: ignore[method-assign]
        self.manager.close()

    async def action(self, action: dict, timeout: float = 10, as_list: bool = False) -> Any:
        """Send an action and return its response (a list for list actions).

        as_list is explicit because panoramisk guesses from the message text:
        "DTMF successfully queued" would make it wait forever for a list."""
        resp = await asyncio.wait_for(self.manager.send_action(action, as_list=as_list), timeout)
        first = resp[0] if isinstance(resp, list) else resp
        if first.get("Response") == "Error":
            raise AMIError(f"AMI {action.get('Action')} failed: {first.get('Message')}")
        return resp

    def wait_for(self, predicate: Callable[[Any], bool]) -> asyncio.Future:
        """A future resolved with the first event for which predicate is true."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, fut))
        return fut

    def _dispatch(self, manager: Manager, event: Any) -> None:
        for item in list(self._waiters):
            predicate, fut = item
            if fut.done():
                self._waiters.remove(item)
            elif predicate(event):
                fut.set_result(event)
                self._waiters.remove(item)
