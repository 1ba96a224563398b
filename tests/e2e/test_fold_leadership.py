"""One folder per Asterisk (issue 16, item 2): two controllers on one PostgreSQL, both
logged in to the sandbox Asterisk; only the leader writes handle-time records. Calls into
the support queue get one row each; the leader is SIGKILLed during a call; the other
controller takes over within 5 s, and that call and the calls after it still get exactly
one row each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
import yaml
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from support import E2E_CONFIG, IVR, ROOT, Controller
from ivr.store.db import open_engine
from ivr.store.models import HandleTimeRow

pytestmark = pytest.mark.asterisk

PORT_A, PORT_B = 4561, 4562   # ports no other test uses
TAKEOVER_BOUND = 5.0


def write_config(tmp_path, port: int, name: str, db_url: str):
    doc = yaml.safe_load(E2E_CONFIG.read_text().replace("../../", f"{ROOT}/"))
    doc["controller"] |= {"port": port, "id": name, "metrics_port": 0}
    doc["database"]["url"] = db_url
    doc["state_dir"] = str(tmp_path / f"state-{name}")   # separate state dirs: PostgreSQL decides
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def start_call(config, talk: int) -> subprocess.Popen:
    return subprocess.Popen([*IVR, "--config", str(config), "call", "--digits", "0", "--hold", "40",
                             "--var", f"__AGENT_TALK_SECONDS={talk}", "--var", "__AGENT_RING_SECONDS=1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def finish(proc) -> dict:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return json.loads(out)


def rows_of(engine, unique_id: str, timeout: float = 20) -> list[HandleTimeRow]:
    """The call's rows once at least one is stored (then a moment more, for a double)."""
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as s:
            rows = list(s.scalars(select(HandleTimeRow).where(HandleTimeRow.unique_id == unique_id)))
        if rows:
            time.sleep(1.5)   # a second folder's write would land by now
            with Session(engine) as s:
                return list(s.scalars(select(HandleTimeRow).where(HandleTimeRow.unique_id == unique_id)))
        if time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def wait_log(path, needle: str, timeout: float = 30) -> float:
    """Seconds until `needle` is in the log; fails after timeout."""
    start = time.monotonic()
    while needle not in path.read_text(errors="replace"):
        if time.monotonic() - start > timeout:
            pytest.fail(f"{path.name}: no {needle!r} after {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - start


def test_one_folder_and_a_takeover_when_the_leader_is_killed(e2e_settings, tmp_path, postgres_url, capsys):
    fresh = create_engine(postgres_url)
    with fresh.begin() as conn:   # the session's database, emptied for this test
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    fresh.dispose()
    engine = open_engine(postgres_url)
    a_cfg, b_cfg = (write_config(tmp_path, p, n, postgres_url) for p, n in ((PORT_A, "fold-a"), (PORT_B, "fold-b")))
    a_log, b_log = tmp_path / "controller-fold-a.log", tmp_path / "controller-fold-b.log"
    a = Controller(a_cfg, PORT_A, a_log)
    b = None
    try:
        wait_log(a_log, "(fold-a) is now the leader")
        b = Controller(b_cfg, PORT_B, b_log)
        for log in (a_log, b_log):
            wait_log(log, "AMI logged in")
        assert "is now the leader" not in b_log.read_text()

        # Both watch; calls go through B's FastAGI, A writes the records.
        before = [finish(start_call(b_cfg, talk=2)) for _ in range(2)]
        for call in before:
            [row] = rows_of(engine, call["unique_id"])
            assert (row.outcome, row.queue) == ("answered", "support")
        assert "took over folding" not in b_log.read_text()

        # A call is talking to the agent when the leader dies: B folded its join and connect.
        during = start_call(b_cfg, talk=8)
        time.sleep(4)   # answered after ~1 s of ringing; talking now
        a.stop(signal.SIGKILL)
        took = wait_log(b_log, "(fold-b) is now the leader", timeout=15)
        assert took < TAKEOVER_BOUND, f"takeover took {took:.2f} s"
        during = finish(during)
        [row] = rows_of(engine, during["unique_id"])
        assert row.outcome == "answered" and row.talk_s == pytest.approx(8.0, abs=0.5)

        after = [finish(start_call(b_cfg, talk=2)) for _ in range(2)]
        for call in after:
            assert len(rows_of(engine, call["unique_id"])) == 1
        status = tmp_path / "state-fold-b" / "status" / "fold-b.json"
        deadline = time.monotonic() + 15
        while not (status.exists() and json.loads(status.read_text())["queue_records"]["leader"]):
            assert time.monotonic() < deadline, "fold-b's status file does not say it leads"
            time.sleep(0.5)
    finally:
        a.stop()
        if b is not None:
            b.stop()
    ids = [c["unique_id"] for c in (*before, during, *after)]
    with Session(engine) as s:
        counts = dict(s.execute(select(HandleTimeRow.unique_id, func.count()).where(HandleTimeRow.unique_id.in_(ids))
                                .group_by(HandleTimeRow.unique_id)).all())
    assert counts == {uid: 1 for uid in ids}
    with capsys.disabled():
        print(f"\n[sandbox, postgresql] fold takeover after SIGKILL of the leading controller: {took:.2f} s")
