"""Helpers shared by the tests: paths, the `ivr` command, a controller process.

Kept out of conftest.py because pytest imports every conftest.py under the
module name `conftest`, so `from conftest import` would pick whichever came first."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
E2E_CONFIG = ROOT / "tests/e2e/config.yaml"
TEST_STATE = ROOT / "var/test"
IVR = [sys.executable, "-m", "ivr"]


def run(coro):
    """Run one coroutine to completion (tests stay plain functions)."""
    return asyncio.run(coro)


def wait_port(port: int, timeout: float = 15, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


class Controller:
    """An `ivr serve` process on a config; stop() sends SIGTERM and waits."""

    def __init__(self, config: Path, port: int, log: Path, env: dict | None = None):
        self.config, self.port, self.log = config, port, log
        log.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([*IVR, "--config", str(config), "serve"], cwd=ROOT,
                                     stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        wait_port(port, proc=self.proc)

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def ivr_cli(*args: str, timeout: float = 180, config: Path = E2E_CONFIG,
            env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the `ivr` command as a user would (env: variables to add, e.g. IVR_DATABASE_URL)."""
    env = {**os.environ, **(env or {})}
    return subprocess.run([*IVR, "--config", str(config), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=env)
