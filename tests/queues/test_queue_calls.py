"""Queued calls through the sandbox: Local-channel agents answer, talk and
hang up; the controller's AMI consumer writes one handle-time record each."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from support import E2E_CONFIG, IVR, ROOT, TEST_STATE, Controller, ivr_cli
from ivr.store.db import open_engine
from ivr.store.models import HandleTimeRow

pytestmark = pytest.mark.asterisk


def start_call(*args, config=E2E_CONFIG, env=None) -> subprocess.Popen:
    return subprocess.Popen([*IVR, "--config", str(config), "call", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def finish(proc) -> dict:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return json.loads(out)


def records(settings, unique_id: str, timeout: float = 15) -> list[HandleTimeRow]:
    engine = open_engine(settings.database_url)
    deadline = time.monotonic() + timeout
    while True:
        with Session(engine) as s:
            rows = list(s.scalars(select(HandleTimeRow).where(HandleTimeRow.unique_id == unique_id)))
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


def test_answered_call_has_the_agents_talk_time(controller, e2e_settings):
    call = finish(start_call("--digits", "0", "--hold", "30",
                             "--var", "__AGENT_TALK_SECONDS=4", "--var", "__AGENT_RING_SECONDS=1"))
    assert call["outcome"] == "queue:support"
    [r] = records(e2e_settings, call["unique_id"])
    assert (r.queue, r.outcome, r.agent) == ("support", "answered", "Agent One")
    assert r.talk_s == pytest.approx(4.0, abs=0.15)     # the agent's Wait(4)
    assert r.wait_s == pytest.approx(1.0, abs=0.3)      # rang 1 s before answering
    assert r.wrapup_s == 0


def test_caller_abandons_while_waiting(controller, e2e_settings):
    call = finish(start_call("--digits", "0", "--hold", "3", "--var", "__AGENT_ANSWERS=no"))
    [r] = records(e2e_settings, call["unique_id"])
    assert r.outcome == "abandoned" and r.answered_at is None
    # pressed 0 one second after answer, hung up 3 s after the press
    assert 1.5 < r.wait_s < 3.5


def test_nobody_answers_takes_the_timeout_path(controller, e2e_settings):
    call = finish(start_call("--digits", "3", "--hold", "30", "--var", "__AGENT_ANSWERS=no"))
    assert call["path"] == ["main", "small-queue", "bye"]
    [r] = records(e2e_settings, call["unique_id"])
    assert r.outcome == "timeout"
    assert r.wait_s == pytest.approx(7, abs=1.1)


def test_nobody_answers_then_the_caller_is_called_back(controller, e2e_settings):
    call = finish(start_call("--digits", "7", "--caller-id", "48600777001", "--hold", "30",
                             "--var", "__AGENT_ANSWERS=no"))
    assert call["path"] == ["main", "callback-queue", "call-me", "bye"]
    listed = ivr_cli("callbacks", "list", "--queue", "tiny", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    [request] = [r for r in map(json.loads, listed.stdout.splitlines()) if r["unique_id"] == call["unique_id"]]
    assert (request["caller_id"], request["language"], request["done_at"]) == ("48600777001", "en", None)
    # The agent who calls back marks it done; it leaves the pending list, and twice is an error.
    assert ivr_cli("callbacks", "done", str(request["id"])).returncode == 0
    pending = ivr_cli("callbacks", "list", "--format", "json").stdout
    assert call["unique_id"] not in pending
    again = ivr_cli("callbacks", "done", str(request["id"]))
    assert again.returncode == 1 and f"callback request {request['id']}: already done" in again.stderr


def test_full_queue_takes_the_full_path(controller, e2e_settings):
    first = start_call("--digits", "3", "--hold", "30", "--var", "__AGENT_ANSWERS=no")
    time.sleep(3)
    second = finish(start_call("--digits", "3", "--hold", "20"))
    first = finish(first)
    assert second["path"] == ["main", "small-queue", "queue-full", "bye"]
    [r2] = records(e2e_settings, second["unique_id"])
    [r1] = records(e2e_settings, first["unique_id"])
    assert (r1.outcome, r2.outcome) == ("timeout", "full")


def test_two_callers_one_agent(controller, e2e_settings):
    talk = ["--var", "__AGENT_TALK_SECONDS=5", "--var", "__AGENT_RING_SECONDS=0.2"]
    # Agent Three serves queue tiny alone, but tiny holds one caller: use support's one agent.
    a = start_call("--digits", "0", "--hold", "40", *talk)
    time.sleep(1.0)
    b = start_call("--digits", "0", "--hold", "40", *talk)
    a, b = finish(a), finish(b)
    [ra] = records(e2e_settings, a["unique_id"])
    [rb] = records(e2e_settings, b["unique_id"])
    assert ra.outcome == rb.outcome == "answered"
    busy_until = ra.ended_at.timestamp() - rb.entered_at.timestamp()
    assert busy_until > 2
    # b waits while the agent talks to a, then the queue's retry (1 s) and the ring
    assert busy_until <= rb.wait_s <= busy_until + 1.5


class Proxy:
    """A TCP proxy to AMI that the test can cut (drop every connection and
    refuse new ones) and restore, leaving Asterisk itself alone."""

    def __init__(self, target_port: int = 5038):
        self.target_port = target_port
        self.loop = asyncio.new_event_loop()
        self.server = None
        self.writers: set = set()
        self.port = 0
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.restore()

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, reader, writer):
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _start(self):
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _cut(self):
        self.server.close()
        for w in list(self.writers):
            w.transport.abort()
        self.writers.clear()

    def restore(self):
        self._run(self._start())

    def cut(self):
        self._run(self._cut())


def test_ami_cut_and_restored_mid_queue_gives_one_complete_record(e2e_settings, tmp_path):
    proxy = Proxy()
    port = 4594
    config = tmp_path / "config.yaml"
    text = E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}").replace("../../", str(ROOT) + "/")
    text = text.replace("queues:\n", f"queues:\n  queue_log: {e2e_settings.queues.queue_log}\n")
    # A database of its own: only this controller's consumer writes there.
    text = text.replace("var/test/ivr.db", f"var/test/cut-{tmp_path.name}.db")
    config.write_text(text)  # what `ivr call` uses: AMI directly
    ctl_config = tmp_path / "controller.yaml"
    ctl_config.write_text(text.replace("ami:\n", f"ami:\n  port: {proxy.port}\n"))
    ctl = Controller(ctl_config, port, TEST_STATE / f"controller-cut-{tmp_path.name}.log")
    try:
        time.sleep(1.5)  # the consumer logs in through the proxy
        call = start_call("--digits", "0", "--hold", "30", "--var", "__AGENT_TALK_SECONDS=4",
                          "--var", "__AGENT_RING_SECONDS=2", config=config)
        time.sleep(2.0)   # joined the queue, the agent is ringing
        proxy.cut()       # connect and complete happen while the link is down
        time.sleep(6.0)
        proxy.restore()
        summary = finish(call)
        from ivr.config import load_settings
        settings = load_settings(config)
        [r] = records(settings, summary["unique_id"], timeout=40)
        time.sleep(2)
        assert len(records(settings, summary["unique_id"])) == 1   # still one, not doubled
        assert r.outcome == "answered" and r.agent == "Agent One"
        assert r.talk_s == pytest.approx(4, abs=1.0)   # from queue_log: whole seconds
        log = ctl.log.read_text()
        assert "AMI connection lost" in log and "replayed" in log
    finally:
        ctl.stop()


def test_queued_call_logged_on_postgresql(e2e_settings, postgres_url, tmp_path):
    """The same path with the store on PostgreSQL: call log and handle time."""
    port = 4593
    config = tmp_path / "config.yaml"
    config.write_text(E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}")
                      .replace("../../", str(ROOT) + "/"))
    env = {"IVR_DATABASE_URL": postgres_url}
    ctl = Controller(config, port, TEST_STATE / f"controller-pg-{tmp_path.name}.log", env=env)
    try:
        proc = start_call("--digits", "0", "--hold", "20", "--var", "__AGENT_TALK_SECONDS=2", config=config, env=env)
        call = finish(proc)
    finally:
        ctl.stop()
    assert call["outcome"] == "queue:support" and call["path"] == ["main", "operator"]
    from ivr.config import load_settings
    os.environ["IVR_DATABASE_URL"] = postgres_url
    try:
        settings = load_settings(config)
    finally:
        del os.environ["IVR_DATABASE_URL"]
    assert settings.database_url == postgres_url
    [r] = records(settings, call["unique_id"])
    assert r.outcome == "answered" and r.talk_s == pytest.approx(2.0, abs=0.15)


def test_report_of_a_scripted_set_of_calls_matches_the_hand_computed_figures(controller, e2e_settings):
    """Three real calls, then `ivr report handle-times --format json` for them alone.

    By hand, from the script: support had 2 calls, 1 answered (rang 1 s, talked 4 s,
    no agent hold, no wrap-up) and 1 abandoned after about 3 s of waiting: abandonment
    1/2, AHT 4 s (talk + agent hold + wrap-up; the 1 s queue wait, Asterisk's HoldTime,
    is ASA's, not handle time), ASA 1 s, service level (answered within 20 s) 1/2,
    longest wait the abandoner's.
    tiny had 1 call that nobody answered: a timeout after max_wait 7 s."""
    from datetime import datetime, timedelta, timezone
    since = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(timespec="seconds")
    answered = finish(start_call("--digits", "0", "--hold", "30",
                                 "--var", "__AGENT_TALK_SECONDS=4", "--var", "__AGENT_RING_SECONDS=1"))
    abandoned = finish(start_call("--digits", "0", "--hold", "3", "--var", "__AGENT_ANSWERS=no"))
    timed_out = finish(start_call("--digits", "3", "--hold", "30", "--var", "__AGENT_ANSWERS=no"))
    for call in (answered, abandoned, timed_out):
        assert records(e2e_settings, call["unique_id"])       # folded and stored
    res = ivr_cli("report", "handle-times", "--since", since, "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = {r["key"]: r for r in json.loads(res.stdout)["rows"]}
    support, tiny = rows["support"], rows["tiny"]
    assert (support["calls"], support["answered"], support["abandoned"], support["timeout"]) == (2, 1, 1, 0)
    assert support["abandonment_rate"] == 0.5 and support["service_level"] == 0.5
    assert support["aht_s"] == pytest.approx(4.0, abs=0.3)
    assert support["asa_s"] == pytest.approx(1.0, abs=0.3)
    assert support["longest_wait_s"] == pytest.approx(3.0, abs=1.5)
    assert (tiny["calls"], tiny["timeout"], tiny["answered"]) == (1, 1, 0)
    assert tiny["longest_wait_s"] == pytest.approx(7.0, abs=0.5)
