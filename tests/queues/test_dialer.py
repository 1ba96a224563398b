"""The dialer's loop against a scripted AMI link and live queue state (no Asterisk): what
it originates, how AMI's answers end an attempt, and what it stores. The calls themselves
are tests/e2e/test_callback_dialer.py's."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import pytest
import yaml

from support import E2E_CONFIG, ROOT
from ivr.controller import load
from ivr.live.state import LiveState
from ivr.queues.dialer import CallbackDialer
from ivr.queues.store import attempts_of, claim_callback, list_callbacks, request_callback
from ivr.store.db import open_engine


class FakeManager:
    def __init__(self):
        self.handlers: dict[str, list] = {}

    def register_event(self, name, callback):
        self.handlers.setdefault(name, []).append(callback)

    def emit(self, event: dict) -> None:
        for cb in self.handlers.get(event["Event"], []):
            cb(self, event)


class FakeClient:
    """Records the actions; `sent` is set when one arrives."""

    def __init__(self):
        self.manager = FakeManager()
        self.actions: list[dict] = []
        self.sent = asyncio.Event()

    async def action(self, action, timeout=10, as_list=False):
        self.actions.append(action)
        self.sent.set()
        return {"Response": "Success"}


class FakeLive:
    def __init__(self, waiting=(), agent_status="1"):
        self.state = LiveState()
        self.connected = True
        events = [{"Event": "QueueParams", "Queue": "support"},
                  {"Event": "QueueMember", "Queue": "support", "Interface": "Local/agent1@ivr-agents",
                   "Name": "Agent One", "Status": agent_status, "Paused": "0", "InCall": "0"}]
        now = time.time()
        events += [{"Event": "QueueEntry", "Queue": "support", "Uniqueid": uid, "Position": str(i + 1),
                    "Wait": str(now - joined)} for i, (uid, joined) in enumerate(waiting)]
        self.state.rebuild(events, now)

    def snapshot(self):
        return self.state.snapshot(time.time())

    async def wait_change(self, version, timeout):
        await asyncio.sleep(timeout)
        return False


def loaded_with(tmp_path, callbacks: dict):
    doc = yaml.safe_load(E2E_CONFIG.read_text().replace("../../", f"{ROOT}/"))
    doc["database"]["url"] = f"sqlite:///{tmp_path / 'ivr.db'}"
    doc["queues"]["callbacks"] = {"support": callbacks}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load(path)


def setup(tmp_path, callbacks: dict, live: FakeLive | None = None):
    loaded = loaded_with(tmp_path, {"dial": "Local/{number}@ivr-callback-test", **callbacks})
    engine = open_engine(loaded.settings.database_url)
    client = FakeClient()
    dialer = CallbackDialer(engine, client, live or FakeLive(), lambda: loaded, "ctl-test")
    return engine, client, dialer


def ask(engine, uid="u.1", caller="48600555001", ago: float = 30) -> int:
    return request_callback(engine, uid, caller, "", "en", "support",
                            datetime.fromtimestamp(time.time() - ago, timezone.utc))


async def until_done(dialer) -> None:
    await asyncio.wait(set(dialer.tasks), timeout=10)
    assert not dialer.tasks


def test_agent_first_originates_the_queue_leg_and_a_connected_caller_is_done(tmp_path):
    engine, client, dialer = setup(tmp_path, {"mode": "agent-first", "ring_s": 20, "agent_wait_s": 60})
    rid = ask(engine)

    async def scenario():
        await dialer.tick(time.time())
        await client.sent.wait()
        [action] = client.actions
        [att] = dialer.attempts.values()
        client.manager.emit({"Event": "OriginateResponse", "Response": "Success", "Uniqueid": att.channel_id,
                             "ActionID": action["ActionID"], "Reason": "4"})
        client.manager.emit({"Event": "AgentConnect", "Uniqueid": att.queue_uid, "MemberName": "Agent One"})
        client.manager.emit({"Event": "UserEvent", "UserEvent": "IVRCallback", "Callback": att.channel_id,
                             "Result": "CONNECTED"})
        await until_done(dialer)
        return action

    action = asyncio.run(scenario())
    assert action["Channel"] == "Local/agent@ivr-callback/n" and action["Exten"] == "dial-caller"
    assert action["Timeout"] == "65000" and action["CallerID"] == '"48600555001" <48600555001>'
    assert "__IVR_CB_DIAL=Local/48600555001@ivr-callback-test" in action["Variable"]
    assert "__IVR_CB_RING=20" in action["Variable"] and "__IVR_CB_QUEUE=support" in action["Variable"]
    [view] = list_callbacks(engine, pending_only=False)
    assert (view.id, view.state, view.attempts, view.done_by) == (rid, "done", 1, "dialer:ctl-test")
    [a] = attempts_of(engine, rid)
    assert (a.result, a.detail, a.queue_unique_id) == ("answered", "agent Agent One", action["OtherChannelId"])
    assert a.connected_at is not None


def test_rang_out_is_retried_after_the_gap_and_nothing_is_placed_before_it(tmp_path):
    engine, client, dialer = setup(tmp_path, {"mode": "caller-first", "retry_gap_s": 600, "max_attempts": 2})
    ask(engine)

    async def scenario():
        await dialer.tick(time.time())
        await client.sent.wait()
        [att] = dialer.attempts.values()
        client.manager.emit({"Event": "OriginateResponse", "Response": "Failure", "Uniqueid": att.channel_id,
                             "Reason": "3"})
        await until_done(dialer)
        decisions = await dialer.tick(time.time())
        return decisions

    decisions = asyncio.run(scenario())
    assert len(client.actions) == 1
    assert client.actions[0]["Channel"] == "Local/48600555001@ivr-callback-test"
    assert client.actions[0]["Exten"] == "caller" and "__IVR_CB_DIGIT=1" in client.actions[0]["Variable"]
    assert [str(d.why) for d in decisions] == ["retry later"]
    [view] = list_callbacks(engine)
    assert (view.state, view.attempts, view.last_result) == ("waiting", 1, "no-answer")
    assert datetime.fromisoformat(view.next_at).timestamp() == pytest.approx(time.time() + 600, abs=30)


def test_a_caller_queued_earlier_holds_it_and_a_busy_agent_too(tmp_path):
    engine, client, dialer = setup(tmp_path, {"mode": "caller-first"},
                                   FakeLive(waiting=[("earlier", time.time() - 60)]))
    ask(engine, ago=30)
    decisions = asyncio.run(dialer.tick(time.time()))
    assert [str(d.why) for d in decisions] == ["a caller who queued earlier still waits"]
    dialer.live = FakeLive(agent_status="2")    # nobody ahead now, the one agent in use
    decisions = asyncio.run(dialer.tick(time.time()))
    assert [str(d.why) for d in decisions] == ["no free agent"] and client.actions == []


def test_declined_is_failed_at_once(tmp_path):
    engine, client, dialer = setup(tmp_path, {"mode": "caller-first", "max_attempts": 3})
    ask(engine)

    async def scenario():
        await dialer.tick(time.time())
        await client.sent.wait()
        [att] = dialer.attempts.values()
        client.manager.emit({"Event": "OriginateResponse", "Response": "Success", "Uniqueid": att.channel_id})
        client.manager.emit({"Event": "UserEvent", "UserEvent": "IVRCallback", "Callback": "someone-else",
                             "Result": "CONNECTED"})   # another attempt's: not this one's
        client.manager.emit({"Event": "UserEvent", "UserEvent": "IVRCallback", "Callback": att.channel_id,
                             "Result": "DECLINED"})
        await until_done(dialer)

    asyncio.run(scenario())
    [view] = list_callbacks(engine, pending_only=False)
    assert (view.state, view.attempts, view.last_result) == ("failed", 1, "declined")


def test_attempts_left_dialing_by_an_earlier_run_are_closed_at_start(tmp_path):
    engine, client, dialer = setup(tmp_path, {"mode": "caller-first", "retry_gap_s": 0})
    rid = ask(engine)
    claim_callback(engine, rid, "ctl-test", datetime.now(timezone.utc), "caller-first", "ivrcb-old", "ivrcb-old")
    assert asyncio.run(dialer.recover()) == 1
    [view] = list_callbacks(engine)
    assert (view.state, view.attempts, view.last_result) == ("waiting", 1, "lost")
    assert asyncio.run(dialer.recover()) == 0


def test_an_agent_first_attempt_left_dialing_is_lost_even_when_its_agent_answered(tmp_path):
    """agent-first: the agent answers the queue leg before the caller is rung, so after a
    crash that record cannot say the caller answered: the request is called again."""
    from ivr.queues.records import HandleTime
    from ivr.queues.store import insert_records
    engine, client, dialer = setup(tmp_path, {"mode": "agent-first", "retry_gap_s": 0})
    rid = ask(engine)
    claim_callback(engine, rid, "ctl-test", datetime.now(timezone.utc), "agent-first", "ivrcb-a", "ivrcb-a-leg")
    t = time.time()
    insert_records(engine, [HandleTime("ivrcb-a-leg", "support", t, agent="Agent One", answered_at=t + 1,
                                       ended_at=t + 20, outcome="answered", reason="agent")])
    assert asyncio.run(dialer.recover()) == 1
    [view] = list_callbacks(engine)
    assert (view.state, view.attempts, view.last_result) == ("waiting", 1, "lost")
