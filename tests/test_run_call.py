"""run_call, the one owner of a call's outcome and hang-up cause, over the fake
channel and a real database (SQLite and PostgreSQL): who ended each call."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
import yaml

from ivr.channel.fake import FakeChannel
from ivr.channel.interface import CallInfo, QueueResult
from ivr.config import load_settings
from ivr.controller import Loaded, queue_hangup_cause, run_call
from ivr.errors import ChannelHungUp
from ivr.menu.model import build_menu
from ivr.menu.prompts import PromptResolver
from ivr.queues.records import HandleTime
from ivr.queues.store import insert_records
from ivr.store.calllog import CallLogWriter
from ivr.store.calls import call_summary, get_call
from ivr.store.db import open_engine

MENU = """
menu:
  entry: main
  languages: [en]
  nodes:
    main: {type: menu, prompt: [main-menu], options: {"1": info, "0": operator, "9": bye}, on_failure: bye}
    info: {type: play, prompt: [info], next: main}
    operator: {type: queue, queue: support}
    bye: {type: hangup}
"""


class Lookups:
    """A data source whose every lookup fails, as a database outage does."""

    def __getattr__(self, name):
        def fail(*args):
            raise RuntimeError("database unreachable")
        return fail


class HangsUpInQueue(FakeChannel):
    """The call ends inside Queue(): AGI's EXEC answers -1 and a HANGUP follows."""

    async def queue(self, name: str, options: str = "", timeout: int = 0) -> QueueResult:
        self.hung_up = True
        raise ChannelHungUp("the call ended in the queue")


@pytest.fixture
def world(tmp_path, db_url):
    config = tmp_path / "config.yaml"
    config.write_text(MENU)
    settings = load_settings(config)
    loaded = Loaded(settings, build_menu(yaml.safe_load(MENU)), PromptResolver(tmp_path / "prompts", "en"))
    engine = open_engine(db_url)
    writer = CallLogWriter(engine)
    yield loaded, engine, writer
    writer.close()


def call(world, uid: str, digits: str, channel_class=FakeChannel, data=None, queue_status: str = "") -> dict:
    loaded, engine, writer = world
    channel = channel_class(CallInfo(unique_id=uid, caller_id="48600100200"), digits, queue_status)
    asyncio.run(run_call(loaded, channel, writer, data))
    writer.flush()
    return call_summary(get_call(engine, uid))


def test_a_caller_hanging_up_in_the_menu_is_the_callers_hangup(world):
    row = call(world, "c1", "1 hangup")
    assert (row["outcome"], row["hangup_cause"]) == ("caller-hangup", "caller")


def test_the_ivr_hanging_up_is_the_ivrs(world):
    row = call(world, "c2", "9")
    assert (row["outcome"], row["hangup_cause"]) == ("hangup", "ivr")


def test_a_queue_that_returns_leaves_the_end_to_the_ivr(world):
    row = call(world, "c3", "0", queue_status="TIMEOUT")
    assert (row["outcome"], row["hangup_cause"]) == ("queue:support", "ivr")


def test_a_call_failing_on_a_database_outage_is_an_error(world):
    loaded, engine, writer = world
    tariffs = Loaded(loaded.settings, build_menu(yaml.safe_load(MENU.replace(
        "info: {type: play, prompt: [info], next: main}",
        "info: {type: play, prompt: [{say: tariffs}], next: main}"))), loaded.prompts)
    channel = FakeChannel(CallInfo(unique_id="c4", caller_id="48600100200"), "1")
    asyncio.run(run_call(tariffs, channel, writer, Lookups()))
    writer.flush()
    row = call_summary(get_call(engine, "c4"))
    assert (row["outcome"], row["hangup_cause"]) == ("error", "error")
    assert "database unreachable" in row["error"]
    assert channel.variables.get("IVR_OUTCOME", "") == ""  # the dialplan's fallback queue takes the caller


@pytest.mark.parametrize("outcome, reason, cause", [
    ("answered", "agent", "agent"), ("answered", "caller", "caller"), ("answered", "transfer", "agent"),
    ("abandoned", "", "caller"),
])
def test_a_call_ending_in_the_queue_takes_its_cause_from_the_queue_record(world, outcome, reason, cause):
    loaded, engine, writer = world
    uid = f"q-{outcome}-{reason}"
    row = call(world, uid, "0", channel_class=HangsUpInQueue)
    assert (row["outcome"], row["hangup_cause"]) == ("queue:support", "")
    now = datetime.now(timezone.utc).timestamp()
    insert_records(engine, [HandleTime(unique_id=uid, queue="support", entered_at=now - 30, ended_at=now,
                                       outcome=outcome, reason=reason)])
    asyncio.run(queue_hangup_cause(engine, uid, wait=2, step=0.1))
    assert call_summary(get_call(engine, uid))["hangup_cause"] == cause


def test_without_a_queue_record_the_cause_stays_unknown(world):
    loaded, engine, writer = world
    call(world, "q-none", "0", channel_class=HangsUpInQueue)
    asyncio.run(queue_hangup_cause(engine, "q-none", wait=0.3, step=0.1))
    assert call_summary(get_call(engine, "q-none"))["hangup_cause"] == ""
