"""Helpers of the console tests: the data a consenting call leaves, logging in."""

from __future__ import annotations

import re
import socket
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

PASSWORD = {"ann": "ann-secret-1", "otto": "otto-secret-1"}
CALLER = "+48600100200"


@dataclass
class Console:
    url: str
    config: Path
    recordings: Path
    engine: object
    rec_id: int          # a 20 s recording of a recent consenting call
    unique_id: str
    old_id: int          # past retention (200 days)
    old_path: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sox_wav(path: Path, seconds: float) -> None:
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds),
                    "sine", "440"], check=True)


def seed_call(engine, unique_id: str, started: datetime) -> None:
    """The call log and queue rows a consenting, queued call leaves."""
    from sqlalchemy.orm import Session
    from ivr.store.models import Call, HandleTimeRow, Step
    with Session(engine) as s:
        steps = [("main", "enter", ""), ("main", "input", "0"), ("consent", "enter", ""),
                 ("consent", "input", "1"), ("operator", "enter", "")]
        s.add(Call(unique_id=unique_id, caller_id=CALLER, called="100", started_at=started,
                   ended_at=started + timedelta(seconds=40), outcome="queue:support", consent=True,
                   consent_at=started + timedelta(seconds=8),
                   steps=[Step(seq=i, node=n, action=a, digits=d, at=started + timedelta(seconds=i))
                          for i, (n, a, d) in enumerate(steps)]))
        s.add(HandleTimeRow(unique_id=unique_id, queue="support", entered_second=int(started.timestamp()),
                            caller_id=CALLER, agent="PJSIP/alice", entered_at=started + timedelta(seconds=10),
                            wait_s=7.5, ring_s=2.0, talk_s=20.0, outcome="answered", reason="caller"))
        s.commit()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def login(console: Console, user: str) -> httpx.Client:
    """An httpx client holding a session of user, as a browser would."""
    client = httpx.Client(base_url=console.url, follow_redirects=False)
    form = client.get("/login")
    done = client.post("/login", data={"username": user, "password": PASSWORD[user], "csrf": csrf_of(form.text),
                                       "next": "/recordings"})
    assert done.status_code == 303, done.text
    return client
