"""Asterisk killed (SIGKILL) with callers in the queues, some talking to agents:
after `ivr sandbox up` each queued call has exactly one handle-time record."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from support import E2E_CONFIG, IVR, ROOT, TEST_STATE, Controller
from ivr.config import load_settings
from ivr.store.db import open_engine
from ivr.store.models import Call, HandleTimeRow

pytestmark = pytest.mark.asterisk

MENU_PATCH = '''      options: {"1": q-support, "2": q-sales, "3": q-tiny}
'''
QUEUE_NODES = '''    q-support: {type: queue, queue: support, max_wait: 300}
    q-sales: {type: queue, queue: sales, max_wait: 300}
    q-tiny: {type: queue, queue: tiny, max_wait: 300}
'''


def _config(tmp_path, port: int):
    text = E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}").replace("../../", str(ROOT) + "/")
    text = text.replace(f"sqlite:///{ROOT}/var/test/ivr.db", f"sqlite:///{tmp_path}/ivr.db")  # this test's own
    text = text.replace('      options: {"1": info, "2": sub, "3": small-queue, "4": identify, "5": tariffs, '
                        '"6": consent, "7": callback-queue, "0": operator, "9": language}\n', MENU_PATCH)
    text = text.replace("    info:\n", QUEUE_NODES + "    info:\n", 1)
    config = tmp_path / "config.yaml"
    config.write_text(text)
    return config


def _call(config, digit: str, caller: str, *agent_vars: str) -> subprocess.Popen:
    args = [*IVR, "--config", str(config), "call", "--digits", digit, "--caller-id", caller, "--hold", "200"]
    for v in agent_vars:
        args += ["--var", v]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _uids(engine, callers) -> dict[str, str]:
    with Session(engine) as s:
        return {c: u for c, u in s.execute(select(Call.caller_id, Call.unique_id).where(Call.caller_id.in_(callers)))}


def test_killed_asterisk_leaves_one_record_per_queued_call(sandbox, e2e_settings, tmp_path):
    config = _config(tmp_path, 4588)
    settings = load_settings(config)
    engine = open_engine(settings.database_url)
    ctl = Controller(config, 4588, TEST_STATE / f"controller-killed-{tmp_path.name}.log")
    calls = []
    talk = ("__AGENT_TALK_SECONDS=300", "__AGENT_RING_SECONDS=0.2")
    try:
        time.sleep(1.5)   # the consumer logs in
        # Three talking (one agent per queue), then two waiting behind the busy agents.
        talking = {"48600900001": "1", "48600900002": "2", "48600900003": "3"}
        for caller, digit in talking.items():
            calls.append(_call(config, digit, caller, *talk))
        time.sleep(6)
        waiting = {"48600900004": "1", "48600900005": "2"}
        for caller, digit in waiting.items():
            calls.append(_call(config, digit, caller, *talk))
        callers = [*talking, *waiting]
        deadline = time.monotonic() + 30
        while len(uids := _uids(engine, callers)) < 5 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(uids) == 5
        time.sleep(8)    # all five have joined their queues; three are bridged to agents
        killed_at = time.time()
        os.kill(sandbox.pid(), signal.SIGKILL)
        time.sleep(2)
    finally:
        for proc in calls:
            proc.kill()
        sandbox.up()     # the other tests need it whatever happened here
    try:
        deadline = time.monotonic() + 40
        rows: list = []
        while time.monotonic() < deadline:
            with Session(engine) as s:
                rows = list(s.scalars(select(HandleTimeRow).where(HandleTimeRow.unique_id.in_(uids.values()))))
            if len(rows) >= 5:
                break
            time.sleep(0.5)
        by_caller = {c: [r for r in rows if r.unique_id == u] for c, u in uids.items()}
        assert {c: len(rs) for c, rs in by_caller.items()} == {c: 1 for c in callers}
        assert {rs[0].outcome for rs in by_caller.values()} == {"interrupted"}
        for [r] in by_caller.values():   # ended when Asterisk died, not when it came back
            assert killed_at - 0.5 <= r.ended_at.timestamp() <= killed_at + 2
        for caller in talking:
            [r] = by_caller[caller]
            assert r.answered_at is not None and r.agent.startswith("Agent")
            assert r.talk_s == pytest.approx(r.ended_at.timestamp() - r.answered_at.timestamp(), abs=0.01)
            assert r.talk_s > 5
        for caller in waiting:
            [r] = by_caller[caller]
            assert r.answered_at is None and r.agent == ""
            assert r.wait_s == pytest.approx(r.ended_at.timestamp() - r.entered_at.timestamp(), abs=0.01)
            assert r.wait_s > 2
        log = ctl.log.read_text(errors="replace")
        assert "closed as interrupted" in log
    finally:
        ctl.stop()
