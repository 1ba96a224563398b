"""The post-call survey through run_call, over the fake channel and a real database
(SQLite and PostgreSQL): after the agent hangs up (Queue() returns CONTINUE) the
caller is asked the queue's survey; answers are stored against call, agent,
queue and hotline; an unanswered question or a caller hanging up is no answer."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
import yaml

from ivr.channel.fake import FakeChannel
from ivr.channel.interface import CallInfo
from ivr.config import load_settings
from ivr.controller import Loaded, run_call
from ivr.menu.model import build_menu
from ivr.menu.prompts import PromptResolver
from ivr.queues.records import HandleTime
from ivr.queues.store import insert_records
from ivr.store.calllog import CallLogWriter
from ivr.store.calls import call_summary, get_call
from ivr.store.db import open_engine
from ivr.store.surveys import SurveyWriter, answers

MENU = """
menu:
  entry: main
  languages: [en]
  nodes:
    main: {type: menu, prompt: [main-menu], options: {"0": operator, "9": bye}, on_failure: bye}
    operator: {type: queue, queue: support, options: c}
    rate: {type: survey, prompt: [rate-agent], question: agent, scale: 5, after_queue: support, next: solved}
    solved: {type: survey, prompt: [solved], question: solved, answers: yes-no, retries: 0, next: bye}
    bye: {type: hangup}
"""


@pytest.fixture
def world(tmp_path, db_url):
    config = tmp_path / "config.yaml"
    config.write_text(MENU)
    loaded = Loaded(load_settings(config), build_menu(yaml.safe_load(MENU)), PromptResolver(tmp_path / "p", "en"))
    engine = open_engine(db_url)
    calllog, surveys = CallLogWriter(engine), SurveyWriter(engine)
    yield loaded, engine, calllog, surveys
    calllog.close()
    surveys.close()


def call(world, uid: str, digits: str, queue_status: str = "CONTINUE") -> FakeChannel:
    loaded, engine, calllog, surveys = world
    channel = FakeChannel(CallInfo(unique_id=uid, caller_id="48600100200"), digits, queue_status)
    asyncio.run(run_call(loaded, channel, calllog, surveys=surveys))
    calllog.flush()
    surveys.flush()
    return channel


def stored(engine) -> list[tuple]:
    now = datetime.now(timezone.utc)
    return [(a.unique_id, a.question, a.score, a.scale, a.queue, a.agent, a.hotline)
            for a in answers(engine, now - timedelta(hours=1), now + timedelta(hours=1))]


def agent_record(engine, uid: str, agent: str = "Local/101@agents") -> None:
    now = datetime.now(timezone.utc).timestamp()
    insert_records(engine, [HandleTime(unique_id=uid, queue="support", agent=agent, entered_at=now - 60,
                                       answered_at=now - 50, ended_at=now - 5, outcome="answered", reason="agent")])


def test_after_the_agent_hangs_up_the_caller_rates_the_call(world):
    loaded, engine, calllog, surveys = world
    agent_record(engine, "s1")
    channel = call(world, "s1", "0 4 1")
    assert stored(engine) == [("s1", "agent", 4, 5, "support", "Local/101@agents", "default"),
                              ("s1", "solved", 1, 1, "support", "Local/101@agents", "default")]
    row = call_summary(get_call(engine, "s1"))
    # The outcome stays the queue's, and who ended the conversation is the queue record's to say.
    assert (row["outcome"], row["hangup_cause"]) == ("queue:support", "")
    assert channel.hung_up


def test_the_agent_is_found_at_read_time_when_its_record_lands_later(world):
    loaded, engine, calllog, surveys = world
    call(world, "s2", "0 5 2")
    assert [a[5] for a in stored(engine)] == ["", ""]
    agent_record(engine, "s2", "Local/102@agents")
    assert stored(engine) == [("s2", "agent", 5, 5, "support", "Local/102@agents", "default"),
                              ("s2", "solved", 0, 1, "support", "Local/102@agents", "default")]


def test_silence_and_a_hang_up_are_non_responses_not_scores(world):
    loaded, engine, calllog, surveys = world
    call(world, "s3", "0 - - hangup")   # silent through the question and its one retry, then gone
    call(world, "s4", "0 hangup")
    call(world, "s5", "0 7 3 -")        # wrong keys, then silence: no answer either
    assert stored(engine) == [("s5", "agent", 3, 5, "support", "", "default")]


def test_no_survey_when_the_queue_did_not_connect_or_the_option_is_off(world):
    loaded, engine, calllog, surveys = world
    call(world, "s6", "0 4", queue_status="TIMEOUT")
    call(world, "s7", "0 4", queue_status="")
    assert stored(engine) == []
    assert call_summary(get_call(engine, "s6"))["hangup_cause"] == "ivr"


def test_an_answer_is_stored_once(world):
    loaded, engine, calllog, surveys = world
    call(world, "s8", "0 2 1")
    from ivr.store.surveys import SurveyAnswerItem, store_answers
    again = SurveyAnswerItem("s8", "agent", 2, 5, "support", "default", "", datetime.now(timezone.utc))
    assert store_answers(engine, [again]) == 0
    assert len(stored(engine)) == 2


def test_without_a_survey_writer_the_answers_are_stored_at_once(world):
    """Classic AGI (`ivr agi`) runs a call without the controller's writers."""
    loaded, engine, calllog, surveys = world
    channel = FakeChannel(CallInfo(unique_id="s9", caller_id="48600100200"), "0 3 2", "CONTINUE")
    asyncio.run(run_call(loaded, channel, calllog))
    assert [(a[1], a[2]) for a in stored(engine)] == [("agent", 3), ("solved", 0)]
