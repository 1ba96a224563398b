"""End-to-end calls through the sandbox Asterisk: `ivr call` as a user runs
it, the controller as `ivr serve`, results read back from the call log."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

import pytest

from support import E2E_CONFIG, ROOT, TEST_STATE, Controller, ivr_cli, run
from ivr.ami.client import AMIClient
from ivr.store.calls import call_summary, get_call
from ivr.store.db import open_engine

pytestmark = pytest.mark.asterisk


def call(*args: str) -> dict:
    res = ivr_cli("call", "--hold", "6", *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_digit_changes_the_path(controller):
    one = call("--digits", "1", "--caller-id", "48600100201")
    two = call("--digits", "2 12", "--caller-id", "48600100202")
    assert one["path"][:3] == ["main", "info", "main"]
    assert one["caller_id"] == "48600100201"
    assert two["path"] == ["main", "sub", "twelve", "bye"]
    assert two["digits"] == "2 12"
    assert two["outcome"] == "hangup"
    # ...and both are in the log that `ivr calls list` reads.
    listed = ivr_cli("calls", "list", "--format", "json")
    ids = {json.loads(line)["unique_id"] for line in listed.stdout.splitlines()}
    assert {one["unique_id"], two["unique_id"]} <= ids
    shown = ivr_cli("calls", "show", str(two["id"]), "--format", "json")
    assert json.loads(shown.stdout)["path"] == two["path"]


def test_who_hung_up_is_logged_for_real_calls(controller, e2e_settings):
    """The caller who hangs up inside the menu, the menu that hangs up, and an agent who
    hangs up on a queued caller: each call names who ended it."""
    caller = call("--digits", "1", "--caller-id", "48600100204", "--hold", "2")   # gone while the menu plays
    menu = call("--digits", "2 12", "--caller-id", "48600100205")                  # twelve, then the bye node
    res = ivr_cli("call", "--digits", "0", "--caller-id", "48600100206", "--hold", "30",
                  "--var", "__AGENT_TALK_SECONDS=2", "--var", "__AGENT_RING_SECONDS=0.2")
    assert res.returncode == 0, res.stderr
    agent = json.loads(res.stdout)
    engine = open_engine(e2e_settings.database_url)
    assert (caller["outcome"], caller["hangup_cause"]) == ("caller-hangup", "caller")
    assert (menu["outcome"], menu["hangup_cause"]) == ("hangup", "ivr")
    assert agent["outcome"] == "queue:support"
    for _ in range(60):   # set once the queue's record says who hung up
        cause = call_summary(get_call(engine, agent["unique_id"]))["hangup_cause"]
        if cause:
            break
        time.sleep(0.5)
    assert cause == "agent"


def test_simulate_and_real_call_agree_on_the_path(controller):
    real = call("--digits", "2 1", "--caller-id", "48600100203")
    sim = ivr_cli("simulate", "--digits", "2 1")
    entered = [json.loads(line)["node"] for line in sim.stdout.splitlines()
               if json.loads(line).get("action") == "enter"]
    assert real["path"][:len(entered[:3])] == entered[:3] == ["main", "sub", "info"]


def _originate(ami: AMIClient, context: str, variables: dict[str, str], digits: str = "", hold: float = 20):
    caller_uid, ivr_uid = f"t-{uuid.uuid4().hex[:12]}", f"c-{uuid.uuid4().hex[:12]}"
    return caller_uid, ivr_uid, {
        "Action": "Originate", "Channel": f"Local/s@{context}", "Context": "ivr-test-caller", "Exten": "s",
        "Priority": "1", "Async": "true", "ChannelId": caller_uid, "OtherChannelId": ivr_uid,
        "Variable": [f"{k}={v}" for k, v in variables.items()]
                    + [f"IVR_TEST_DIGITS={digits}", f"IVR_TEST_HOLD={hold}", "IVR_TEST_DELAY=0.5"]}


def test_controller_killed_mid_call_sends_caller_to_operator_queue(e2e_settings, tmp_path):
    # A controller of its own, so killing it leaves the shared one alone.
    port = 4598
    config = tmp_path / "config.yaml"
    text = E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}")
    config.write_text(text.replace("../../var", str(ROOT / "var")))
    doomed = Controller(config, port, TEST_STATE / "controller-doomed.log")

    async def scenario():
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            caller_uid, ivr_uid, action = _originate(ami, "ivr-inbound", {"__IVR_AGI_PORT": str(port)})
            fallback = ami.wait_for(lambda e: e.event == "UserEvent" and e.get("UserEvent") == "IVRFallback"
                                    and e.get("Uniqueid") == ivr_uid)
            joined = ami.wait_for(lambda e: e.event == "QueueCallerJoin" and e.get("Uniqueid") == ivr_uid)
            await ami.action(action)
            await asyncio.sleep(1.5)  # the caller is listening to the welcome prompt
            doomed.proc.kill()
            fb = await asyncio.wait_for(fallback, 20)
            join = await asyncio.wait_for(joined, 20)
            await ami.action({"Action": "Hangup", "Channel": join["Channel"]})
            return fb, join
        finally:
            ami.close()

    try:
        fb, join = run(scenario())
    finally:
        doomed.stop()
    assert join["Queue"] == "support"
    assert fb["Queue"] == "support"


def test_controller_unreachable_sends_caller_to_operator_queue(e2e_settings):
    # A port bound and never listened on: nobody else can take it, and a connect is refused.
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))

    async def scenario():
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            _, ivr_uid, action = _originate(ami, "ivr-inbound", {"__IVR_AGI_PORT": str(closed.getsockname()[1])})
            joined = ami.wait_for(lambda e: e.event == "QueueCallerJoin" and e.get("Uniqueid") == ivr_uid)
            await ami.action(action)
            join = await asyncio.wait_for(joined, 20)
            await ami.action({"Action": "Hangup", "Channel": join["Channel"]})
            return join
        finally:
            ami.close()

    with closed:
        assert run(scenario())["Queue"] == "support"


def test_classic_agi_walks_the_same_menu(e2e_settings, controller):
    """AGI(ivr-agi.sh): the controller as a classic stdin AGI process (pyst2)."""
    async def scenario():
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            _, ivr_uid, action = _originate(ami, "ivr-classic-test", {"IVR_CONFIG_PATH": str(E2E_CONFIG)},
                                            digits="2WWW12", hold=15)
            done = ami.wait_for(lambda e: e.event == "Hangup" and e.get("Uniqueid") == ivr_uid)
            await ami.action(action)
            await asyncio.wait_for(done, 60)
            return ivr_uid
        finally:
            ami.close()

    uid = run(scenario())
    engine = open_engine(e2e_settings.database_url)
    for _ in range(100):
        found = get_call(engine, uid)
        if found is not None and found.ended_at is not None:
            break
        asyncio.run(asyncio.sleep(0.1))
    summary = call_summary(found)
    assert summary["path"] == ["main", "sub", "twelve", "bye"]
    assert summary["outcome"] == "hangup"
