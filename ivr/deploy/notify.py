"""sd_notify(3) without libsystemd: one datagram per message to $NOTIFY_SOCKET.

systemd runs a `Type=notify` service with NOTIFY_SOCKET set to an AF_UNIX
datagram socket (a path, or an abstract name written with a leading `@`), and
with `WatchdogSec=` also WATCHDOG_USEC (and WATCHDOG_PID). Messages are
newline-separated `KEY=VALUE` assignments: READY=1 once the service serves,
STATUS=... a line `systemctl status` shows, WATCHDOG=1 to say "alive" (at
least every WATCHDOG_USEC), STOPPING=1 when it begins to shut down.

Outside systemd (NOTIFY_SOCKET unset) every call does nothing. A failed send
is logged once and never raised: a supervisor's socket must not stop calls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from typing import Callable

log = logging.getLogger("ivr.deploy.notify")

_warned = False


def _address(value: str) -> str | bytes | None:
    if value.startswith("@"):
        return b"\0" + value[1:].encode()   # abstract namespace
    if value.startswith("/"):
        return value
    return None                              # vsock: and the like: not ours to speak


def notify(*assignments: str) -> bool:
    """Send `assignments` (e.g. "READY=1", "STATUS=listening") as one datagram.
    True if sent; False if NOTIFY_SOCKET is unset, unusable, or the send failed."""
    global _warned
    target = os.environ.get("NOTIFY_SOCKET", "")
    if not target or not assignments:
        return False
    address = _address(target)
    if address is None:
        if not _warned:
            _warned = True
            log.warning("NOTIFY_SOCKET=%r is not an AF_UNIX address; not notifying systemd", target)
        return False
    message = "\n".join(a.replace("\n", " ") for a in assignments).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message, address)
        return True
    except OSError as exc:
        if not _warned:
            _warned = True
            log.warning("cannot notify systemd at %s: %s", target, exc)
        return False


def ready(status: str = "") -> bool:
    return notify("READY=1", *([f"STATUS={status}"] if status else []))


def status(text: str) -> bool:
    return notify(f"STATUS={text}")


def stopping(status: str = "") -> bool:
    return notify("STOPPING=1", *([f"STATUS={status}"] if status else []))


def watchdog_interval() -> float | None:
    """Seconds between WATCHDOG=1 pings (half of WATCHDOG_USEC, as sd_watchdog_enabled(3)
    advises), or None when systemd asks for none, or asks another process (WATCHDOG_PID)."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec or not os.environ.get("NOTIFY_SOCKET"):
        return None
    if pid and pid != str(os.getpid()):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2e6 if value > 0 else None


async def watchdog(status: Callable[[], str] | None = None) -> None:
    """Ping WATCHDOG=1 every WATCHDOG_USEC/2 from the event loop, for ever (cancel it to
    stop): a loop that stops turning stops the pings, and systemd restarts the service.
    `status`, if given, is sent with each ping as STATUS=... . Returns at once when
    systemd asks for no watchdog."""
    interval = watchdog_interval()
    if interval is None:
        return
    while True:
        text = ""
        if status is not None:
            try:
                text = status()
            except Exception:   # a status line must never stop the pings
                log.exception("status line for systemd failed")
        notify("WATCHDOG=1", *([f"STATUS={text}"] if text else []))
        await asyncio.sleep(interval)


class StartupPings:
    """WATCHDOG=1 from a thread while a service starts and has no event loop yet
    (reading the config, opening the database): systemd's watchdog runs from the
    moment the process starts. A start that hangs is TimeoutStartSec's to catch;
    once the loop runs, `watchdog()` takes over (call `stop`)."""

    def __init__(self):
        self.interval = watchdog_interval()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "StartupPings":
        if self.interval is not None:
            notify("WATCHDOG=1")
            self._thread = threading.Thread(target=self._run, name="sd-watchdog-startup", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            notify("WATCHDOG=1")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
            self._thread = None

    def __exit__(self, *exc) -> None:
        self.stop()
