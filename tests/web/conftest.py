"""One `ivr web` process per module, as users run it: a temp config, a
SQLite database with a consenting call, its recording and queue figures,
an admin (ann) and an ops user (otto)."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from support import IVR, ROOT, ivr_cli, run, wait_port
from web_support import CALLER, PASSWORD, Console, free_port, login, seed_call, sox_wav


@pytest.fixture(autouse=True)
def _own_database(monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)  # the console's config names its own


@pytest.fixture(scope="module")
def console(tmp_path_factory, request):
    from ivr.recordings.finalize import finalize
    from ivr.store.db import open_engine

    tmp = tmp_path_factory.mktemp("web")
    recordings = tmp / "recordings"
    recordings.mkdir()
    config = tmp / "config.yaml"
    # A test module may add to the config (CONSOLE_CONFIG: e.g. hotlines for the hotline filters).
    config.write_text(f"state_dir: {tmp / 'var'}\n"
                      f"recordings: {{directory: {recordings}, format: wav, retention_days: 90}}\n"
                      + getattr(request.module, "CONSOLE_CONFIG", ""))
    engine = open_engine(f"sqlite:///{tmp / 'var/ivr.db'}")
    now = datetime.now(timezone.utc)
    uid, old_uid = "1763900000.42", "1740000000.7"
    sox_wav(recordings / f"{uid}.wav", 20)
    sox_wav(recordings / f"{old_uid}.wav", 2)
    seed_call(engine, uid, now - timedelta(hours=1))
    rec = run(finalize(engine, recordings, uid, CALLER, "support", "PJSIP/alice", now - timedelta(hours=1)))
    old = run(finalize(engine, recordings, old_uid, "+48700000000", "sales", "PJSIP/bob", now - timedelta(days=200)))
    for name, role in (("ann", "admin"), ("otto", "ops")):
        done = ivr_cli("web", "user", "add", name, "--role", role, config=config,
                       env={"IVR_WEB_PASSWORD": PASSWORD[name]})
        assert done.returncode == 0, done.stderr
    port = free_port()
    log = open(tmp / "web.log", "ab")
    args = getattr(request.module, "CONSOLE_ARGS", [])   # e.g. --forwarded-allow-ips
    proc = subprocess.Popen([*IVR, "--config", str(config), "web", "--port", str(port), *args], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT,
                            env={k: v for k, v in os.environ.items() if k != "IVR_WEB_SECRET"})
    try:
        wait_port(port, proc=proc)
        yield Console(f"http://127.0.0.1:{port}", config, recordings, engine, rec.id, uid, old.id,
                      recordings / old.path)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        engine.dispose()


@pytest.fixture
def as_admin(console):
    client = login(console, "ann")
    yield client
    client.close()


@pytest.fixture
def as_ops(console):
    client = login(console, "otto")
    yield client
    client.close()
