"""The hotlines' dialplan through the sandbox Asterisk (issue 12, item 6): a number dialled
into ivr-inbound (as a trunk's DID or the softphone sends it) reaches its hotline; with no
controller, each hotline's callers land in its own fallback queue (the sample config.yaml's:
Pannon Energia's in sales, Example Telecom's in support; any other number in the global
default, support); `ivr call --called N` says so when nobody serves the call."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from support import ROOT, TEST_STATE, ivr_cli, run
from ivr.ami.client import AMIClient
from ivr.store.calls import call_summary, get_call
from ivr.store.db import open_engine

pytestmark = pytest.mark.asterisk

NOBODY = 4576   # no controller ever listens here: "the controller is down"


def _dial(number: str, variables: dict[str, str], hold: float = 20) -> tuple[str, dict]:
    """An Originate that dials `number` into ivr-inbound, as a SIP peer would, from a test
    caller (dialplans/ivr-test.conf) who answers and listens `hold` seconds."""
    ivr_uid = f"h-{uuid.uuid4().hex[:12]}"
    return ivr_uid, {
        "Action": "Originate", "Channel": f"Local/{number}@ivr-inbound", "Context": "ivr-test-caller",
        "Exten": "s", "Priority": "1", "Async": "true", "ChannelId": f"t-{uuid.uuid4().hex[:12]}",
        "OtherChannelId": ivr_uid, "CallerID": '"36301239999" <36301239999>',
        "Variable": [f"{k}={v}" for k, v in variables.items()] + [f"IVR_TEST_HOLD={hold:g}", "IVR_TEST_DELAY=0.5"]}


def test_a_dialled_number_reaches_its_hotline(controller, e2e_settings):
    """Controller up (tests/e2e/config.yaml: energia on _0680XXXXXX, the default menu for the rest)."""
    async def scenario() -> list[str]:
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            uids = []
            for number in ("0680123456", "0800123456"):
                uid, action = _dial(number, {"__IVR_AGI_PORT": str(controller.port)}, hold=4)
                ended = ami.wait_for(lambda e, uid=uid: e.event == "Hangup" and e.get("Uniqueid") == uid)
                await ami.action(action)
                await asyncio.wait_for(ended, 60)
                uids.append(uid)
            return uids
        finally:
            ami.close()

    energia, other = run(scenario())
    engine = open_engine(e2e_settings.database_url)
    try:
        rows = {uid: _ended_call(engine, uid) for uid in (energia, other)}
    finally:
        engine.dispose()
    assert (rows[energia]["called"], rows[energia]["hotline"], rows[energia]["client"]) == \
        ("0680123456", "energia", "pannon-energia")
    assert rows[energia]["path"][0] == "hello"
    assert (rows[other]["called"], rows[other]["hotline"]) == ("0800123456", "default")
    assert rows[other]["path"][0] == "main"


def _ended_call(engine, uid: str) -> dict:
    """The call's row once the controller has closed it (it writes it just after the hangup)."""
    deadline = time.monotonic() + 15
    while True:
        call = get_call(engine, uid)
        if call is not None and call.ended_at is not None:
            return call_summary(call)
        assert time.monotonic() < deadline, f"call {uid} not closed in the call log"
        time.sleep(0.1)


def test_with_no_controller_each_hotline_falls_back_to_its_own_queue(sandbox, e2e_settings):
    expected = {"0680123456": ("energia", "sales"),      # fallback_queue: sales overrides the default
                "0800123456": ("telecom", "support"),    # an exact number
                "0801555000": ("telecom", "support"),    # _0801XXXXXX
                "0999000111": ("", "support")}           # no hotline's: the global IVR_FALLBACK_QUEUE

    async def one(ami: AMIClient, number: str) -> tuple[dict, dict]:
        uid, action = _dial(number, {"__IVR_AGI_PORT": str(NOBODY)})
        fallback = ami.wait_for(lambda e: e.event == "UserEvent" and e.get("UserEvent") == "IVRFallback"
                                and e.get("Uniqueid") == uid)
        joined = ami.wait_for(lambda e: e.event == "QueueCallerJoin" and e.get("Uniqueid") == uid)
        await ami.action(action)
        fb = await asyncio.wait_for(fallback, 20)
        join = await asyncio.wait_for(joined, 20)
        await ami.action({"Action": "Hangup", "Channel": join["Channel"]})
        return fb, join

    async def scenario() -> dict[str, tuple[dict, dict]]:
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            results = await asyncio.gather(*(one(ami, n) for n in expected))
            return dict(zip(expected, results))
        finally:
            ami.close()

    for number, (fb, join) in run(scenario()).items():
        hotline, queue = expected[number]
        assert join["Queue"] == queue, number                     # where the caller really waits
        # (an empty Hotline: header is left out of the event)
        assert (fb["Called"], fb.get("Hotline", ""), fb["Queue"], fb["AGIStatus"]) == \
            (number, hotline, queue, "FAILURE")


@pytest.fixture
def sample_down(tmp_path):
    """The sample config.yaml, its controller on a port where nothing runs."""
    text = (ROOT / "config.yaml").read_text()
    assert "port: 4573" in text
    text = text.replace("port: 4573", f"port: {NOBODY}")
    text = text.replace("sqlite:///var/ivr.db", f"sqlite:///{TEST_STATE / 'ivr.db'}")
    text = text.replace("  username: ivr\n", f"  username: ivr\n  secret_file: {ROOT / 'var/sandbox/ami-secret'}\n")
    text = text.replace("secret_file: var/sandbox/agi-secret", f"secret_file: {ROOT / 'var/sandbox/agi-secret'}")
    config = tmp_path / "config.yaml"
    config.write_text(text + f"\nprompts_dir: {ROOT / 'prompts'}\nstate_dir: {TEST_STATE / 'sample-down'}\n")
    return config


@pytest.mark.parametrize("number, hotline, queue", [("0680123456", "energia", "sales"),
                                                    ("0800123456", "telecom", "support")])
def test_ivr_call_to_a_number_with_no_controller_names_its_fallback_queue(sandbox, sample_down, number,
                                                                         hotline, queue):
    res = ivr_cli("call", "--called", number, "--digits", "1", "--hold", "2", "--var", "__AGENT_ANSWERS=no",
                  config=sample_down)
    assert res.returncode == 1, res.stdout + res.stderr
    summary = json.loads(res.stdout)
    assert (summary["called"], summary["hotline"], summary["outcome"], summary["agi_status"]) == \
        (number, hotline, f"fallback:{queue}", "FAILURE")
    error = res.stderr.strip().splitlines()[-1]
    assert error.startswith("ivr call: error: ")
    assert f"to {number} (hotline {hotline}) reached no controller" in error
    assert f"fallback queue {queue};" in error and f"port {NOBODY}" in error
