"""Faults around `ivr serve`, replayed as an operator would against the sandbox
Asterisk: the controller killed mid-call, the database locked past its busy
timeout, a flood of idle connections. Every call keeps exactly one complete row."""

from __future__ import annotations

import json
import resource
import signal
import socket
import sqlite3
import subprocess
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from support import E2E_CONFIG, IVR, ROOT, TEST_STATE, Controller
from ivr.config import load_settings
from ivr.store.calls import get_call
from ivr.store.db import open_engine
from ivr.store.models import Call, HandleTimeRow

pytestmark = pytest.mark.asterisk


def own_config(tmp_path, port: int, slow_submenu: bool = False) -> tuple:
    text = E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}\n  id: faults-{port}").replace(
        "../../", str(ROOT) + "/")
    text = text.replace(f"sqlite:///{ROOT}/var/test/ivr.db", f"sqlite:///{tmp_path}/ivr.db")
    text = text.replace("state_dir: " + str(ROOT) + "/var/test", f"state_dir: {tmp_path}/state")
    if slow_submenu:   # a silent caller stays a minute in the submenu
        text = text.replace("      timeout: 3\n      inter_digit_timeout: 1.5", "      timeout: 30\n      inter_digit_timeout: 1.5")
        assert "timeout: 30" in text
    config = tmp_path / "config.yaml"
    config.write_text(text)
    settings = load_settings(config)
    return config, settings, open_engine(settings.database_url)


def start_call(config, digits: str, caller: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([*IVR, "--config", str(config), "call", "--digits", digits, "--caller-id", caller,
                             *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rows(engine, callers) -> list[Call]:
    with Session(engine) as s:
        return list(s.scalars(select(Call).where(Call.caller_id.in_(callers))))


def wait_for(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


def test_killed_controller_leaves_every_call_closed_as_controller_lost(sandbox, e2e_settings, tmp_path):
    config, settings, engine = own_config(tmp_path, 4592, slow_submenu=True)
    log = TEST_STATE / f"controller-faults-{tmp_path.name}.log"
    ctl = Controller(config, 4592, log)
    callers = [f"4860091{i:04d}" for i in range(10)]
    # Each caller goes to the submenu and stays silent there: in progress when the controller dies.
    calls = [start_call(config, "2", c, "--hold", "40") for c in callers]
    try:
        assert wait_for(lambda: sum(any(s.node == "sub" for s in get_call(engine, r.unique_id).steps)
                                    for r in rows(engine, callers)) == 10, 40), "10 calls in the submenu"
        ctl.proc.send_signal(signal.SIGKILL)
        ctl.proc.wait(10)
        open_rows = rows(engine, callers)
        assert len(open_rows) == 10 and all(r.ended_at is None for r in open_rows)
        # The path so far was written as the calls went, not only at their end.
        assert all([s.node for s in get_call(engine, r.unique_id).steps if s.action == "enter"][:2] ==
                   ["main", "sub"] for r in open_rows)
        ctl = Controller(config, 4592, log)    # the same controller, started again
        closed = wait_for(lambda: all(r.ended_at is not None for r in rows(engine, callers)), 30)
        assert closed
    finally:
        for p in calls:
            p.kill()
        ctl.stop()
    final = rows(engine, callers)
    assert len(final) == 10 and len({r.unique_id for r in final}) == 10
    assert {(r.outcome, r.hangup_cause) for r in final} == {("controller-lost", "controller-lost")}
    assert all(r.ended_at >= r.started_at for r in final)
    assert "10 call(s) left open by an earlier run closed as controller-lost" in log.read_text()


def test_sqlite_locked_past_the_busy_timeout_loses_no_row(sandbox, e2e_settings, tmp_path):
    config, settings, engine = own_config(tmp_path, 4591)
    ctl = Controller(config, 4591, TEST_STATE / f"controller-locked-{tmp_path.name}.log")
    db = settings.database_url[len("sqlite:///"):]
    callers = [f"4860092{i:04d}" for i in range(5)]
    release = threading.Event()

    def hold_the_lock():
        con = sqlite3.connect(db, timeout=60)
        con.execute("BEGIN EXCLUSIVE")
        release.wait(45)
        con.rollback()
        con.close()

    try:
        time.sleep(1.5)   # the consumer logs in
        locker = threading.Thread(target=hold_the_lock)
        locker.start()
        time.sleep(0.5)
        talk = ("--hold", "30", "--var", "__AGENT_TALK_SECONDS=2", "--var", "__AGENT_RING_SECONDS=0.2")
        calls = []
        for c in callers:   # one at a time: support has one agent
            calls.append(start_call(config, "0", c, *talk))
            time.sleep(7)
        summaries = []
        for p in calls:
            out, err = p.communicate(timeout=120)
            summaries.append(out)
        locker.join()
        finished = wait_for(lambda: len([r for r in rows(engine, callers) if r.ended_at is not None]) == 5, 60)
        assert finished, "every call's row completed once the lock is gone"
        uids = [r.unique_id for r in rows(engine, callers)]
        records = wait_for(lambda: _handle_times(engine, uids) if len(_handle_times(engine, uids)) >= 5 else [],
                           60)
        assert sorted(r.unique_id for r in records) == sorted(uids)    # one each, none lost or doubled
        # Answered, or timed out behind a slow agent on a loaded machine: either way folded and kept.
        assert {r.outcome for r in records} <= {"answered", "timeout"}
        for r in rows(engine, callers):
            call = get_call(engine, r.unique_id)
            assert call.outcome == "queue:support" and [s.node for s in call.steps if s.action == "enter"] == \
                ["main", "operator"]
        assert "spooled" in ctl.log.read_text()
    finally:
        release.set()
        ctl.stop()


def _handle_times(engine, uids) -> list[HandleTimeRow]:
    with Session(engine) as s:
        return list(s.scalars(select(HandleTimeRow).where(HandleTimeRow.unique_id.in_(uids))))


def test_a_connection_flood_does_not_cost_a_real_call(sandbox, e2e_settings, tmp_path):
    """1,100 idle sockets against a controller started with the common soft limit of 1,024
    open files: it raises its own limit, and a real call still walks the menu."""
    config, settings, engine = own_config(tmp_path, 4590)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 4096:
        pytest.fail(f"this machine's hard open-file limit is {hard}: the test needs 4096")

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))

    log = TEST_STATE / f"controller-flood-{tmp_path.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([*IVR, "--config", str(config), "serve"], cwd=ROOT, stdout=open(log, "ab"),
                            stderr=subprocess.STDOUT, preexec_fn=low_limit)
    idle: list[socket.socket] = []
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    try:
        from support import wait_port
        wait_port(4590, proc=proc)
        for _ in range(1100):
            idle.append(socket.create_connection(("127.0.0.1", 4590)))
        res = subprocess.run([*IVR, "--config", str(config), "call", "--digits", "1", "--hold", "6"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        call = json.loads(res.stdout)
        assert call["path"][:2] == ["main", "info"] and call["outcome"] != ""
        text = log.read_text()
        assert f"open-file limit raised from 1024 to {hard}" in text
    finally:
        for s in idle:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    # The idle sockets were dropped at the header timeout, logged at most once a second.
    dropped = [line for line in log.read_text().splitlines() if "dropping AGI connection" in line]
    assert 0 < len(dropped) <= 10


def test_postgresql_stopped_30s_under_20_calls_loses_nothing(sandbox, e2e_settings, postgres_server, postgres_url,
                                                              tmp_path):
    """PostgreSQL stops for 30 s while 20 calls come in: callers in self-service still hear
    the tariffs (from memory), and once it is back every call row and every handle-time
    row is there, once."""
    config, settings, _ = own_config(tmp_path, 4587)
    env = {"IVR_DATABASE_URL": postgres_url}
    engine = open_engine(postgres_url)
    loaded = subprocess.run([*IVR, "--config", str(config), "data", "load", str(ROOT / "tests/e2e/data.yaml")],
                            cwd=ROOT, capture_output=True, text=True, env={**__import__("os").environ, **env})
    assert loaded.returncode == 0, loaded.stderr
    ctl = Controller(config, 4587, TEST_STATE / f"controller-pg-outage-{tmp_path.name}.log", env=env)
    tariff_callers = [f"4860093{i:04d}" for i in range(14)]
    queue_callers = [f"4860094{i:04d}" for i in range(6)]
    calls = []
    try:
        time.sleep(1.5)
        postgres_server.stop()
        stopped_at = time.monotonic()
        for c in tariff_callers:
            calls.append(start_call(config, "5", c, "--hold", "15"))
            time.sleep(0.5)
        talk = ("--hold", "25", "--var", "__AGENT_TALK_SECONDS=1", "--var", "__AGENT_RING_SECONDS=0.2")
        for c in queue_callers:
            calls.append(start_call(config, "0", c, *talk))
            time.sleep(2)
        time.sleep(max(0.0, 30 - (time.monotonic() - stopped_at)))
        status = json.loads((tmp_path / "state/status/faults-4587.json").read_text())
        assert status["spool"]["call_log"] > 0      # the operator sees what waits for the database
    finally:
        postgres_server.start()
    try:
        for p in calls:
            p.communicate(timeout=120)
        everyone = tariff_callers + queue_callers
        done = wait_for(lambda: len([r for r in rows(engine, everyone) if r.ended_at is not None]) == 20, 60)
        assert done, f"{len(rows(engine, everyone))} call rows after the outage"
        assert len(rows(engine, everyone)) == 20
        for r in rows(engine, tariff_callers):
            call = get_call(engine, r.unique_id)
            played = [json.loads(s.detail)["prompts"] for s in call.steps if s.node == "tariffs" and s.action == "play"]
            assert played and "tariff-basic" in played[0], f"{r.caller_id} heard {played}"
            assert r.outcome == "hangup"
        uids = [r.unique_id for r in rows(engine, queue_callers)]
        records = wait_for(lambda: _handle_times(engine, uids) if len(_handle_times(engine, uids)) >= 6 else [], 60)
        assert sorted(r.unique_id for r in records) == sorted(uids)   # one each
        log = ctl.log.read_text()
        assert "spooled" in log and "the database is back" in log
    finally:
        ctl.stop()
