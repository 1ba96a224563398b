"""The callback dialer of `ivr serve` through the sandbox Asterisk (issue 15, item 1).

Each test runs its own `ivr serve` on a copy of tests/e2e/config.yaml whose
`queues: callbacks: support:` dials the caller as Local/{number}@ivr-callback-test
(dialplans/ivr-callback.conf: 486009... never answers, any other number answers
and presses 1), with a menu option 8 that asks for a callback of queue support.
Agents are the Local agents of dialplans/ivr-test.conf (support: Agent One).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest
import yaml

from support import E2E_CONFIG, IVR, ROOT, Controller
from ivr.ami.client import AMIClient
from ivr.config import load_settings
from ivr.queues.store import attempts_of, list_callbacks, request_callback
from ivr.store.db import open_engine

pytestmark = pytest.mark.asterisk

AGENT = "Local/agent1@ivr-agents/n"   # the member interface of queues.conf
PORT_A, PORT_B, PORT_C = 4581, 4582, 4583    # ports no other test uses


def write_config(tmp_path, port: int, callbacks: dict, *, name: str, db_url: str = "") -> object:
    doc = yaml.safe_load(E2E_CONFIG.read_text().replace("../../", f"{ROOT}/"))
    doc["controller"] |= {"port": port, "id": name, "metrics_port": 0}
    doc["database"]["url"] = db_url or f"sqlite:///{tmp_path / f'{name}.db'}"
    doc["queues"]["callbacks"] = {"support": {"dial": "Local/{number}@ivr-callback-test", **callbacks}}
    nodes = doc["menu"]["nodes"]
    nodes["main"]["options"]["8"] = "cb-support"
    nodes["cb-support"] = {"type": "callback", "queue": "support", "prompt": ["callback-noted"], "next": "bye"}
    nodes["operator"]["max_wait"] = 120     # the callers ahead wait as long as the test needs
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


class Floor:
    """The test's own AMI link: events seen, waiting for one, pausing the agent."""

    def __init__(self, settings):
        self.client = AMIClient(settings.ami)
        self.seen: list[dict] = []
        self.client.manager.register_event("*", lambda m, e: self.seen.append(dict(e)))

    async def __aenter__(self):
        await self.client.connect()
        return self

    async def __aexit__(self, *exc):
        await self.pause(False)
        self.client.close()

    async def pause(self, paused: bool) -> None:
        await self.client.action({"Action": "QueuePause", "Queue": "support", "Interface": AGENT,
                                  "Paused": "true" if paused else "false"})

    async def event(self, predicate, timeout: float = 90):
        """The first event, seen already or yet to come, for which predicate holds."""
        for e in self.seen:
            if predicate(e):
                return e
        return await asyncio.wait_for(self.client.wait_for(predicate), timeout)


async def call(config, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*IVR, "--config", str(config), "call", *args, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                env=dict(os.environ))


async def ended(proc) -> None:
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, err.decode()


async def request_state(engine, states: set[str], timeout: float = 120):
    """The only request once its state is one of `states` (the database polled: the dialer's
    writes are the event here)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await asyncio.to_thread(list_callbacks, engine, "support", False)
        if rows and rows[0].state in states:
            return rows[0]
        if time.monotonic() > deadline:
            pytest.fail(f"the callback request did not become {states}: {rows}")
        await asyncio.sleep(0.2)


async def logged(path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        if time.monotonic() > deadline:
            pytest.fail(f"{path.name}: no {text!r}")
        await asyncio.sleep(0.1)


def joined(caller_id: str):
    return lambda e: e.get("Event") == "QueueCallerJoin" and e.get("CallerIDNum") == caller_id


def connected(caller_id: str):
    return lambda e: e.get("Event") == "AgentConnect" and e.get("CallerIDNum") == caller_id


def test_callback_waits_for_the_two_callers_ahead_then_agent_first_connects(e2e_settings, tmp_path):
    config = write_config(tmp_path, PORT_A, {"mode": "agent-first", "ring_s": 10, "retry_gap_s": 1},
                          name="cb-agent-first")
    settings = load_settings(config)
    engine = open_engine(settings.database_url)
    ctl = Controller(config, PORT_A, tmp_path / "controller.log")

    async def scenario():
        async with Floor(settings) as floor:
            await floor.pause(True)   # nobody answers until the three are in line
            talk = ["--var", "__AGENT_TALK_SECONDS=2", "--hold", "90"]
            a = await call(config, "--digits", "0", "--caller-id", "48600555001", *talk)
            await floor.event(joined("48600555001"))
            b = await call(config, "--digits", "0", "--caller-id", "48600555002", *talk)
            await floor.event(joined("48600555002"))
            c = await call(config, "--digits", "8", "--caller-id", "48600555003", "--hold", "5")
            await ended(c)
            waiting = await request_state(engine, {"waiting", "dialing"})
            await floor.pause(False)
            await floor.event(connected("48600555001"))
            await floor.event(connected("48600555002"))
            callback = await floor.event(lambda e: e.get("Event") == "AgentConnect"
                                         and e.get("Uniqueid", "").startswith("ivrcb-"))
            done = await request_state(engine, {"done", "failed"})
            await ended(a)
            await ended(b)
            return waiting, callback, done, floor.seen

    try:
        waiting, callback, done, seen = asyncio.run(scenario())
    finally:
        ctl.stop()
    assert (waiting.caller_id, waiting.attempts) == ("48600555003", 0)   # nobody called while the agent was paused
    assert (done.state, done.attempts, done.last_result) == ("done", 1, "answered")
    [attempt] = attempts_of(engine, done.id)
    assert (attempt.mode, attempt.result, attempt.controller) == ("agent-first", "answered", "cb-agent-first")
    assert attempt.requested_at.isoformat() == done.requested_at
    assert attempt.connected_at is not None
    # In order: the callback's queue leg reached the agent only after both callers ahead did.
    order = [e for e in seen if e.get("Event") == "AgentConnect"]
    assert [e.get("CallerIDNum") for e in order][:3] == ["48600555001", "48600555002", "48600555003"]
    assert callback["Uniqueid"] == attempt.queue_unique_id and callback["MemberName"] == "Agent One"
    # ... and the caller was connected: the dialplan's Dial() reached them and reported it.
    assert any(e.get("Event") == "UserEvent" and e.get("UserEvent") == "IVRCallback"
               and e.get("Callback") == attempt.channel_id and e.get("Result") == "CONNECTED" for e in seen)
    originates = [e for e in seen if e.get("Event") == "OriginateResponse"
                  and (e.get("Uniqueid") or "").startswith("ivrcb-")]
    assert len(originates) == 1


def _one_request_to_its_end(tmp_path, port: int, settings_of_queue: dict, name: str, caller_id: str):
    """A controller with these callback settings; one caller asks for a callback (digit 8);
    the request once it is done or failed, the AMI events seen, and the engine."""
    config = write_config(tmp_path, port, settings_of_queue, name=name)
    settings = load_settings(config)
    engine = open_engine(settings.database_url)
    ctl = Controller(config, port, tmp_path / "controller.log")

    async def scenario():
        async with Floor(settings) as floor:
            c = await call(config, "--digits", "8", "--caller-id", caller_id, "--hold", "5")
            await ended(c)
            return await request_state(engine, {"done", "failed"}), floor.seen

    try:
        final, seen = asyncio.run(scenario())
    finally:
        ctl.stop()
    return final, seen, engine


def test_caller_who_never_answers_is_retried_then_failed(e2e_settings, tmp_path):
    final, seen, engine = _one_request_to_its_end(
        tmp_path, PORT_B, {"mode": "caller-first", "ring_s": 2, "retry_gap_s": 1, "max_attempts": 2},
        "cb-no-answer", "48600900001")
    assert (final.state, final.attempts, final.last_result) == ("failed", 2, "no-answer")
    first, second = attempts_of(engine, final.id)
    assert (first.result, second.result) == ("no-answer", "no-answer")
    assert second.started_at >= first.ended_at     # one after the other, the gap between them
    assert first.connected_at is None and second.connected_at is None
    failures = [e for e in seen if e.get("Event") == "OriginateResponse"
                and e.get("Uniqueid") in (first.channel_id, second.channel_id)]
    assert [e.get("Response") for e in failures] == ["Failure", "Failure"]


def test_caller_first_confirms_and_reaches_the_agent(e2e_settings, tmp_path):
    final, seen, engine = _one_request_to_its_end(tmp_path, PORT_C, {"mode": "caller-first", "ring_s": 10},
                                                  "cb-caller-first", "48600555004")
    assert (final.state, final.attempts) == ("done", 1)
    [attempt] = attempts_of(engine, final.id)
    assert attempt.result == "answered" and attempt.queue_unique_id == attempt.channel_id
    [join] = [e for e in seen if e.get("Event") == "QueueCallerJoin" and e.get("Uniqueid") == attempt.channel_id]
    assert join["CallerIDNum"] == "48600555004"    # the agent sees who is called back
    assert any(e.get("Event") == "AgentConnect" and e.get("Uniqueid") == attempt.channel_id for e in seen)


def test_two_dialers_on_one_postgresql_call_once(e2e_settings, tmp_path, postgres_url):
    from sqlalchemy import create_engine, text
    fresh = create_engine(postgres_url)
    with fresh.begin() as conn:   # the session's database, emptied for this test
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    fresh.dispose()
    engine = open_engine(postgres_url)
    cfg = {"mode": "caller-first", "ring_s": 10}
    configs = [write_config(tmp_path, port, cfg, name=name, db_url=postgres_url)
               for port, name in ((PORT_A, "cb-pg-one"), (PORT_B, "cb-pg-two"))]
    settings = load_settings(configs[0])

    async def scenario():
        async with Floor(settings) as floor:
            await floor.pause(True)   # both dialers up and waiting before the request is due
            ctls = [await asyncio.to_thread(Controller, c, p, tmp_path / f"controller-{n}.log")
                    for c, p, n in zip(configs, (PORT_A, PORT_B), ("cb-pg-one", "cb-pg-two"))]
            try:
                for n in ("cb-pg-one", "cb-pg-two"):   # both dialers see the queue before it is due
                    await logged(tmp_path / f"controller-{n}.log", "AMI logged in")
                from datetime import datetime, timezone
                await asyncio.to_thread(request_callback, engine, "pg-call-1", "48600555005", "", "en", "support",
                                        datetime.now(timezone.utc))
                await floor.pause(False)   # due now for both at once
                final = await request_state(engine, {"done", "failed"})
            finally:
                for ctl in ctls:
                    await asyncio.to_thread(ctl.stop)
            return final, floor.seen

    final, seen = asyncio.run(scenario())
    assert (final.state, final.attempts) == ("done", 1)
    [attempt] = attempts_of(engine, final.id)
    assert attempt.controller in ("cb-pg-one", "cb-pg-two")
    placed = {e.get("Uniqueid") for e in seen if e.get("Event") == "QueueCallerJoin"
              and e.get("CallerIDNum") == "48600555005"}
    assert placed == {attempt.channel_id}       # one call reached Asterisk
    logs = [(tmp_path / f"controller-{n}.log").read_text() for n in ("cb-pg-one", "cb-pg-two")]
    assert sum(f"callback request {final.id} attempt 1 (caller-first)" in log for log in logs) == 1


if __name__ == "__main__":   # pragma: no cover
    sys.exit(pytest.main([__file__, "-x", "-q"]))
