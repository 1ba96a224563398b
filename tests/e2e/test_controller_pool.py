"""Several controllers (issue 16, item 1): the dialplan's IVR_CONTROLLERS is an ordered
pool, each tried in turn while AGI() ends with AGISTATUS=FAILURE (nobody to connect to).
Here the pool is set on the call (an inherited channel variable, as IVR_AGI_PORT is in
test_call.py); `ivr asterisk-config` writes it as a global."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from support import E2E_CONFIG, ROOT, TEST_STATE, Controller, ivr_cli
from ivr.store.db import open_engine
from ivr.store.models import Call

pytestmark = pytest.mark.asterisk

FIRST, SECOND, NOBODY = 4577, 4578, 4579   # ports no other test uses


def _controller(tmp_path, port: int, name: str) -> Controller:
    config = tmp_path / f"{name}.yaml"
    text = E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}\n  id: {name}\n  metrics_port: 0")
    config.write_text(text.replace("../../var", str(ROOT / "var")))
    return Controller(config, port, TEST_STATE / f"controller-{name}.log")


def _call(pool: str, caller_id: str) -> dict:
    res = ivr_cli("call", "--digits", "2 12", "--caller-id", caller_id, "--hold", "6",
                  "--var", f"__IVR_CONTROLLERS={pool}")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _owner(settings, unique_id: str) -> str:
    engine = open_engine(settings.database_url)
    try:
        for _ in range(50):
            with Session(engine) as s:
                owner = s.scalar(select(Call.owner).where(Call.unique_id == unique_id))
            if owner:
                return owner
            time.sleep(0.1)
        return ""
    finally:
        engine.dispose()


def test_calls_reach_the_second_controller_when_the_first_is_stopped(e2e_settings, tmp_path):
    pool = f"127.0.0.1:{FIRST}&127.0.0.1:{SECOND}"
    first = _controller(tmp_path, FIRST, "pool-first")
    second = _controller(tmp_path, SECOND, "pool-second")
    try:
        served = _call(pool, "48600100301")             # both up: the first in the list answers
        assert served["path"] == ["main", "sub", "twelve", "bye"]
        assert _owner(e2e_settings, served["unique_id"]) == "pool-first"
        first.stop()                                    # SIGTERM: it drains and stops listening
        calls = [_call(pool, f"4860010030{n}") for n in (2, 3)]
        for c in calls:
            assert c["path"] == ["main", "sub", "twelve", "bye"]
            assert c["outcome"] == "hangup"
            assert _owner(e2e_settings, c["unique_id"]) == "pool-second"
    finally:
        first.stop()
        second.stop()


def test_a_pool_with_nobody_listening_sends_the_caller_to_the_fallback_queue(e2e_settings, tmp_path):
    """Every controller tried, none reached: the fallback queue, as with one controller."""
    import asyncio

    from ivr.ami.client import AMIClient

    async def scenario():
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            ivr_uid = f"c-{uuid.uuid4().hex[:12]}"
            action = {"Action": "Originate", "Channel": "Local/s@ivr-inbound", "Context": "ivr-test-caller",
                      "Exten": "s", "Priority": "1", "Async": "true", "ChannelId": f"t-{uuid.uuid4().hex[:12]}",
                      "OtherChannelId": ivr_uid,
                      "Variable": [f"__IVR_CONTROLLERS=127.0.0.1:{NOBODY}&127.0.0.1:{NOBODY + 100}",
                                   "IVR_TEST_HOLD=20", "IVR_TEST_DELAY=0.5"]}
            fallback = ami.wait_for(lambda e: e.event == "UserEvent" and e.get("UserEvent") == "IVRFallback"
                                    and e.get("Uniqueid") == ivr_uid)
            joined = ami.wait_for(lambda e: e.event == "QueueCallerJoin" and e.get("Uniqueid") == ivr_uid)
            await ami.action(action)
            fb = await asyncio.wait_for(fallback, 20)
            join = await asyncio.wait_for(joined, 20)
            await ami.action({"Action": "Hangup", "Channel": join["Channel"]})
            return fb, join
        finally:
            ami.close()

    fb, join = asyncio.run(scenario())
    assert fb["AGIStatus"] == "FAILURE"
    assert join["Queue"] == "support"
