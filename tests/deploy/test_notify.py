"""ivr/deploy/notify.py against a real AF_UNIX datagram socket, as systemd binds it."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import time
from pathlib import Path

import pytest

from ivr.deploy import notify


@pytest.fixture
def listener(monkeypatch):
    """A datagram socket at a path, NOTIFY_SOCKET naming it; yields a receive(timeout) function."""
    folder = tempfile.mkdtemp(prefix="ivr-notify-")   # short: AF_UNIX paths end at 108 bytes
    path = Path(folder) / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield lambda timeout=2.0: receive(sock, timeout)
    sock.close()
    path.unlink()
    os.rmdir(folder)


def receive(sock: socket.socket, timeout: float) -> str | None:
    sock.settimeout(timeout)
    try:
        return sock.recv(4096).decode()
    except socket.timeout:
        return None


def test_ready_with_status(listener):
    assert notify.ready("FastAGI on 127.0.0.1:4573")
    assert listener() == "READY=1\nSTATUS=FastAGI on 127.0.0.1:4573"


def test_each_message_is_one_datagram(listener):
    assert notify.notify("WATCHDOG=1")
    assert notify.status("2 call(s)\nin progress")        # a newline would start a new assignment
    assert notify.stopping()
    assert [listener(), listener(), listener()] == ["WATCHDOG=1", "STATUS=2 call(s) in progress", "STOPPING=1"]


def test_abstract_socket_name(monkeypatch):
    name = f"ivr-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify.notify("READY=1")
        assert receive(sock, 2) == "READY=1"


def test_unset_notify_socket_does_nothing(listener, monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET")
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    assert notify.ready("x") is False and notify.notify("WATCHDOG=1") is False
    assert notify.watchdog_interval() is None
    asyncio.run(asyncio.wait_for(notify.watchdog(), 1))   # returns at once: no pings asked
    with notify.StartupPings() as pings:
        assert pings.interval is None
    assert listener(0.3) is None


def test_a_socket_that_is_gone_or_not_unix_never_raises(monkeypatch, caplog):
    monkeypatch.setenv("NOTIFY_SOCKET", "/nonexistent/notify")
    assert notify.notify("READY=1") is False
    monkeypatch.setenv("NOTIFY_SOCKET", "vsock:2:1234")
    assert notify.notify("READY=1") is False


def test_watchdog_interval_is_half_of_watchdog_usec(listener, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    assert notify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert notify.watchdog_interval() == 15.0
    monkeypatch.setenv("WATCHDOG_PID", "1")                 # the pings are asked of another process
    assert notify.watchdog_interval() is None
    monkeypatch.delenv("WATCHDOG_PID")
    for bad in ("0", "soon", ""):
        monkeypatch.setenv("WATCHDOG_USEC", bad)
        assert notify.watchdog_interval() is None


def test_watchdog_pings_from_the_event_loop(listener, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "200000")           # a ping every 0.1 s

    async def run_for(seconds: float) -> None:
        task = asyncio.create_task(notify.watchdog(lambda: "serving"))
        await asyncio.sleep(seconds)
        task.cancel()

    asyncio.run(run_for(0.35))
    got = []
    while (message := listener(0.2)) is not None:
        got.append(message)
    assert len(got) >= 3 and set(got) == {"WATCHDOG=1\nSTATUS=serving"}, got


def test_startup_pings_from_a_thread_until_stopped(listener, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    with notify.StartupPings():
        time.sleep(0.35)                                     # a slow start: no event loop yet
    got = []
    while (message := listener(0.3)) is not None:
        got.append(message)
    assert len(got) >= 3 and set(got) == {"WATCHDOG=1"}, got
