"""Recording only with consent, through the sandbox Asterisk: a consenting
caller's call leaves a playable WAV of the call's length and its row; a
declining caller's call leaves no file anywhere and a consent-no row."""

from __future__ import annotations

import json
import re
import subprocess
import time
import wave
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.store.db import open_engine
from ivr.store.models import Recording
from support import E2E_CONFIG, IVR, ROOT, TEST_STATE, ivr_cli, wait_port

pytestmark = pytest.mark.asterisk
CHROOT_SPOOL = "/var/cache/ivr/asterisk-sid/var/spool/asterisk"


@pytest.fixture(scope="module")
def console(e2e_settings):
    """`ivr web` on the e2e config: the console ops staff would open."""
    env = {"IVR_WEB_PASSWORD": "ops-secret-1"}
    added = ivr_cli("web", "user", "add", "olga", "--role", "ops", "--replace", env=env)
    assert added.returncode == 0, added.stderr
    port = 4596
    log = open(TEST_STATE / "web.log", "ab")
    proc = subprocess.Popen([*IVR, "--config", str(E2E_CONFIG), "web", "--port", str(port)], cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    wait_port(port, proc=proc)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}")
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    assert client.post("/login", data={"username": "olga", "password": "ops-secret-1", "csrf": token,
                                       "next": "/recordings"}).status_code == 303
    yield client
    client.close()
    proc.terminate()
    proc.wait(15)


def call(digits: str) -> dict:
    res = ivr_cli("call", "--digits", digits, "--gap", "2", "--hold", "15", "--var", "__AGENT_TALK_SECONDS=4")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["error"] == "", summary["error"]
    return summary


def recording_row(engine, uid: str, wait: float = 40) -> Recording | None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with Session(engine) as s:
            row = s.scalars(select(Recording).where(Recording.unique_id == uid)).first()
            if row is not None and row.agent:
                return row
        time.sleep(0.5)
    return row


def test_consenting_call_is_recorded_whole(controller, e2e_settings, console):
    summary = call("6 1")
    uid = summary["unique_id"]
    assert summary["consent"] is True and summary["consent_at"]
    assert summary["outcome"] == "queue:support"
    row = recording_row(open_engine(e2e_settings.database_url), uid)
    assert row is not None, "no recording row within 40 s of the call's end"
    path = e2e_settings.recordings.directory / row.path
    assert path.name == f"{uid}.wav"
    with wave.open(str(path)) as w:     # a WAV anyone can play: 16-bit mono
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        seconds = w.getnframes() / w.getframerate()
    # From consent to hang-up: the agent talked 4 s, so the file holds at least that.
    expected = (datetime.fromisoformat(summary["ended_at"])
                - datetime.fromisoformat(summary["consent_at"])).total_seconds()
    assert 4 <= seconds and abs(seconds - expected) < 1.5
    assert abs(row.duration_s - seconds) < 0.05
    assert (row.queue, row.agent) == ("support", "Agent One")
    assert row.size_bytes == path.stat().st_size and len(row.sha256) == 64
    # Ops find it in the console by the caller and replay it from the middle (a range request).
    found = console.get("/recordings", params={"caller": summary["caller_id"]})
    assert f'href="/recordings/{row.id}"' in found.text
    part = console.get(f"/media/{row.id}", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == path.read_bytes()[1000:2000]


def test_declining_call_leaves_no_file_anywhere(controller, e2e_settings, console):
    summary = call("6 2")
    uid = summary["unique_id"]
    assert summary["consent"] is False and summary["consent_at"]
    assert summary["outcome"] == "queue:support"     # handed to an agent all the same
    time.sleep(3)
    for where in (e2e_settings.recordings.directory, ROOT / "var", Path(CHROOT_SPOOL)):
        assert not [p for p in where.rglob(f"*{uid}*")], f"a file of the declined call in {where}"
    with Session(open_engine(e2e_settings.database_url)) as s:
        assert s.scalars(select(Recording).where(Recording.unique_id == uid)).first() is None
    # ...and the console's call page says so: consent no, nothing to play.
    page = console.get(f"/calls/{uid}")
    assert page.status_code == 200 and "/media/" not in page.text
    assert re.search(r'<td id="consent">no\s+at ', page.text)
