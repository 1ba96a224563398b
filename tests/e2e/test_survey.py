"""The post-call survey through the sandbox Asterisk: a real queue call whose Local-channel
agent hangs up after 3 s; Queue() with the option c gives the caller back (QUEUESTATUS
CONTINUE), the controller asks the queue's survey, and the pressed score is stored against
that agent."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from support import E2E_CONFIG, ROOT, TEST_STATE, Controller, ivr_cli
from ivr.store.db import open_engine
from ivr.store.surveys import answers

pytestmark = pytest.mark.asterisk

PORT = 4589   # a port no other test uses

SURVEY = """\
      options: c
    rate-agent:
      type: survey
      prompt: [info]
      question: agent
      after_queue: support
      timeout: 4
      retries: 3
      next: bye
"""


@pytest.fixture
def survey_controller(e2e_settings, tmp_path):
    text = E2E_CONFIG.read_text().replace("port: 4599", f"port: {PORT}\n  id: survey")
    operator = "    operator:\n      type: queue\n      queue: support\n      max_wait: 20\n"
    assert operator in text
    text = text.replace(operator, operator + SURVEY).replace("../../var", str(ROOT / "var"))
    config = tmp_path / "survey.yaml"
    config.write_text(text)
    ctl = Controller(config, PORT, TEST_STATE / "controller-survey.log")
    yield config
    ctl.stop()


def _answers(engine, uid: str, wait: float = 20):
    now = datetime.now(timezone.utc)
    found = []
    for _ in range(int(wait / 0.5)):
        found = [a for a in answers(engine, now - timedelta(hours=1), now + timedelta(hours=1)) if a.unique_id == uid]
        if found and all(a.agent for a in found):
            break
        time.sleep(0.5)
    return found


def test_the_caller_rates_the_agent_after_the_agent_hangs_up(survey_controller, e2e_settings):
    # 0: the operator queue; the agent answers and hangs up after 3 s; from 8 s after the 0 the
    # caller presses 4 every 2 s (the test caller's DTMF timing is loose: one lands), while the
    # survey asks (up to four times, 4 s each). The first 4 answers; the rest reach nobody.
    res = ivr_cli("call", "--digits", "0 - - - 4 4 4 4 4", "--caller-id", "48600100777", "--hold", "45",
                  "--var", "__AGENT_TALK_SECONDS=3", config=survey_controller)
    assert res.returncode == 0, res.stderr
    call = json.loads(res.stdout)
    assert "rate-agent" in call["path"], call["path"]
    assert call["outcome"] == "queue:support"
    engine = open_engine(e2e_settings.database_url)
    try:
        found = _answers(engine, call["unique_id"])
    finally:
        engine.dispose()
    assert [(a.question, a.score, a.scale, a.queue) for a in found] == [("agent", 4, 5, "support")]
    assert found[0].agent in ("Agent One", "Agent Two", "Agent Three"), found[0].agent   # queues.conf member names


def test_a_caller_who_hangs_up_after_the_agent_gives_no_answer(survey_controller, e2e_settings):
    res = ivr_cli("call", "--digits", "0", "--caller-id", "48600100778", "--hold", "8",
                  "--var", "__AGENT_TALK_SECONDS=2", config=survey_controller)
    assert res.returncode == 0, res.stderr
    call = json.loads(res.stdout)
    engine = open_engine(e2e_settings.database_url)
    try:
        assert _answers(engine, call["unique_id"], wait=3) == []
    finally:
        engine.dispose()
