"""`ivr serve` and `ivr web` as systemd runs them (Type=notify, WatchdogSec=): READY=1
once they listen, WATCHDOG=1 from the event loop, STOPPING=1 on SIGTERM.

No Asterisk is needed: the controller listens before AMI connects (in the
background), and this config points AMI at a port nobody listens on, so the
shared sandbox is never touched."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from support import E2E_CONFIG, IVR, ROOT

PORT = 4686           # this test's own FastAGI port
AMI_PORT = 4687       # nothing listens here: AMI keeps retrying in the background


def deploy_config(tmp_path: Path) -> Path:
    """tests/e2e/config.yaml with its own port, id, state directory and SQLite database."""
    text = E2E_CONFIG.read_text()
    text = text.replace("port: 4599", f"port: {PORT}\n  id: deploy-{PORT}")
    text = text.replace("state_dir: ../../var/test", f"state_dir: {tmp_path}/state")
    text = text.replace("url: sqlite:///../../var/test/ivr.db", f"url: sqlite:///{tmp_path}/ivr.db")
    text = text.replace("directory: ../../var/test/recordings", f"directory: {tmp_path}/recordings")
    text = text.replace("ami:\n", f"ami:\n  port: {AMI_PORT}\n")
    text = text.replace("queues:\n", f"queues:\n  queue_log: {tmp_path}/queue_log\n")
    text = text.replace("../../", f"{ROOT}/")
    for key in (f"port: {PORT}", f"state_dir: {tmp_path}", f"sqlite:///{tmp_path}/ivr.db", f"port: {AMI_PORT}",
                f"queue_log: {tmp_path}"):
        assert key in text, key
    config = tmp_path / "config.yaml"
    config.write_text(text)
    return config


@pytest.fixture
def notify_socket():
    folder = tempfile.mkdtemp(prefix="ivr-notify-")
    path = Path(folder) / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    yield sock, path
    sock.close()
    path.unlink()
    os.rmdir(folder)


def messages(sock: socket.socket, until, timeout: float) -> list[str]:
    """Datagrams as they come, until `until(received)` is true or `timeout` passes."""
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while not until(got) and time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            got.append(sock.recv(4096).decode())
        except socket.timeout:
            break
    return got


def start(config: Path, path: Path, *argv: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "1000000",   # a ping every 0.5 s
           "IVR_AMI_SECRET": "not-used-here", "IVR_AGI_SECRET": "deploy-test-token-0123456789"}
    env.pop("IVR_DATABASE_URL", None)
    env.pop("WATCHDOG_PID", None)
    return subprocess.Popen([*IVR, "--config", str(config), *argv], cwd=ROOT, env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def listens(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def stop(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def check_lifecycle(sock, proc, port: int, log: Path, clean=(0,)) -> None:
    ready = lambda got: any(m.startswith("READY=1") for m in got)  # noqa: E731
    before = messages(sock, ready, 90)
    assert ready(before), (before, log.read_text()[-3000:])
    assert listens(port), "READY=1 came before the port listened"
    # The watchdog is the event loop's: pings keep coming while it turns.
    after = messages(sock, lambda got: sum(m.startswith("WATCHDOG=1") for m in got) >= 4, 10)
    assert sum(m.startswith("WATCHDOG=1") for m in after) >= 4, after
    assert proc.poll() is None
    assert stop(proc) in clean, log.read_text()[-3000:]
    last = messages(sock, lambda got: any(m.startswith("STOPPING=1") for m in got), 5)
    assert any(m.startswith("STOPPING=1") for m in last), last


def test_serve_notifies_ready_watchdog_and_stopping(tmp_path, notify_socket):
    sock, path = notify_socket
    assert not listens(PORT), f"something else listens on {PORT}"
    log = tmp_path / "serve.log"
    proc = start(deploy_config(tmp_path), path, "serve", log=log)
    try:
        check_lifecycle(sock, proc, PORT, log)
    finally:
        stop(proc)
    text = log.read_text()
    assert f"FastAGI listening on 127.0.0.1:{PORT}" in text and "Traceback" not in text


def test_serve_status_line_names_the_port_and_calls(tmp_path, notify_socket):
    sock, path = notify_socket
    log = tmp_path / "serve.log"
    proc = start(deploy_config(tmp_path), path, "serve", log=log)
    try:
        got = messages(sock, lambda got: any(m.startswith("READY=1") for m in got), 90)
        ready = [m for m in got if m.startswith("READY=1")]
        assert ready, (got, log.read_text()[-3000:])
        assert f"STATUS=FastAGI on 127.0.0.1:{PORT}: 0 call(s) in progress, spool 0 record(s)" in ready[0]
    finally:
        stop(proc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_web_notifies_ready_watchdog_and_stopping(tmp_path, notify_socket):
    sock, path = notify_socket
    port = free_port()
    log = tmp_path / "web.log"
    proc = start(deploy_config(tmp_path), path, "web", "--port", str(port), log=log)
    try:
        # uvicorn re-raises the SIGTERM it caught once it has shut down: systemd counts
        # death by SIGTERM as a clean exit (SuccessExitStatus's default).
        check_lifecycle(sock, proc, port, log, clean=(0, -signal.SIGTERM))
    finally:
        stop(proc)
