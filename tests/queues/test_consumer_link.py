"""The consumer's warning at connect: what the AMI user's settings cost the figures
(timestampevents off, read permissions without agent / call / user), said once.
No Asterisk here: the AMI client is a stand-in answering the way manager.c does
(Command output as Output headers, Permission denied without `command`)."""

from __future__ import annotations

import asyncio
import logging

from ivr.queues.consumer import NO_TIMESTAMP, PROBE, QueueConsumer, link_warnings
from ivr.queues.fold import QueueFolder
from ivr.errors import AMIError


def test_default_settings_that_limit_the_figures_are_named():
    assert link_warnings("call,agent,dialplan,reporting,user", True) == []
    assert link_warnings("all", None) == []
    assert link_warnings(None, None) == []          # unknown: nothing to say yet
    [ts] = link_warnings(None, False)
    assert ts == NO_TIMESTAMP and "timestampevents" in ts
    found = link_warnings("system,call,log", True)
    assert [w.split("`")[1] for w in found] == ["agent", "user"]
    assert "no handle-time record" in found[0]


class FakeClient:
    """AMIClient's action()/wait_for(), as Asterisk answers them."""

    def __init__(self, command_allowed: bool, timestamps: bool, user_events: bool,
                 read_perm: str = "call,agent,dialplan,reporting,user"):
        self.command_allowed, self.timestamps, self.user_events = command_allowed, timestamps, user_events
        self.read_perm = read_perm
        self.settings = type("S", (), {"username": "ivr"})()
        self.waiters = []

    async def action(self, action, timeout=10, as_list=False):
        if action["Action"] == "Command":
            if not self.command_allowed:
                raise AMIError("AMI Command failed: Permission denied")
            if action["Command"].startswith("manager show user"):
                out = ["", "          username: ivr", "            secret: <Set>",
                       f"         read perm: {self.read_perm}", "        write perm: originate,call"]
            else:
                out = ["", "Global Settings:", f"  Timestamp events:         {'Yes' if self.timestamps else 'No'}"]
            return {"Response": "Success", "Message": "Command output follows", "Output": out}
        if action["Action"] == "UserEvent":
            if self.user_events:
                event = {"Event": "UserEvent", "UserEvent": action["UserEvent"], "Probe": action["Probe"]}
                if self.timestamps:
                    event["Timestamp"] = "1795377571.999690"
                for predicate, fut in self.waiters:
                    if predicate(event):
                        asyncio.get_running_loop().call_soon(fut.set_result, event)
            return {"Response": "Success", "Message": "Event Sent"}
        raise AssertionError(action)

    def wait_for(self, predicate):
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((predicate, fut))
        return fut


def consumer(client) -> QueueConsumer:
    c = QueueConsumer.__new__(QueueConsumer)     # no AMI connection, no database
    c.client, c.folder, c.logins = client, QueueFolder(), 1
    c.warned, c.queue_events_seen = set(), False
    c.writer = type("W", (), {"put_many": lambda self, recs: None})()
    return c


def test_with_command_permission_the_settings_are_read(caplog):
    c = consumer(FakeClient(command_allowed=True, timestamps=False, user_events=True, read_perm="call,user"))
    with caplog.at_level(logging.WARNING, "ivr.queues"):
        found = asyncio.run(c.check_link())
    assert found[0].startswith("AMI user cannot read `agent` events") and found[1] == NO_TIMESTAMP
    assert [r.getMessage() for r in caplog.records] == found


def test_without_command_permission_a_probe_shows_the_missing_timestamp(caplog):
    c = consumer(FakeClient(command_allowed=False, timestamps=False, user_events=True))
    with caplog.at_level(logging.WARNING, "ivr.queues"):
        assert asyncio.run(c.check_link()) == [NO_TIMESTAMP]
        # the same warning is not repeated by the events that follow
        c._on_event(None, {"Event": "QueueCallerJoin", "Uniqueid": "a", "Queue": "q", "Position": "1"})
    assert [r.getMessage() for r in caplog.records] == [NO_TIMESTAMP]
    assert c.folder.open["a"].entered_at > 1.7e9          # its arrival time, not 1970


def test_default_asterisk_with_timestamps_and_permissions_says_nothing(caplog):
    c = consumer(FakeClient(command_allowed=False, timestamps=True, user_events=True))
    with caplog.at_level(logging.WARNING, "ivr.queues"):
        assert asyncio.run(c.check_link()) == []
    assert caplog.records == []


def test_a_probe_that_never_comes_back_means_no_user_events(caplog, monkeypatch):
    monkeypatch.setattr("ivr.queues.consumer.PROBE_TIMEOUT", 0.05)
    c = consumer(FakeClient(command_allowed=False, timestamps=True, user_events=False))
    with caplog.at_level(logging.WARNING, "ivr.queues"):
        asyncio.run(c.check_link())
    [msg] = [r.getMessage() for r in caplog.records]
    assert msg.startswith("AMI user cannot read `user` events")


def test_a_queue_result_with_no_queue_event_before_it_means_no_agent_events(caplog):
    c = consumer(FakeClient(command_allowed=False, timestamps=True, user_events=True))
    result = {"Event": "UserEvent", "UserEvent": "IVRQueueResult", "Uniqueid": "b", "Queue": "support",
              "Status": "TIMEOUT", "Timestamp": "1795377593.062395"}
    with caplog.at_level(logging.WARNING, "ivr.queues"):
        c._on_event(None, {**result, "Status": "FULL"})    # never joined: nothing was missed
        assert caplog.records == []
        c._on_event(None, result)
        c._on_event(None, result)
    [msg] = [r.getMessage() for r in caplog.records]
    assert "`agent`" in msg and "read=" in msg
    assert PROBE == "IVRLinkCheck"
