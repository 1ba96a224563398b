"""The folder replaying AMI transcripts recorded from the sandbox's app_queue
(tests/queues/transcripts/, captured by real calls), and queue_log replays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr.queues.fold import QueueFolder
from ivr.queues.queue_log import parse_line

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def load(name: str) -> list[dict]:
    return json.loads((TRANSCRIPTS / f"{name}.json").read_text())


def fold(events, wrapup=None):
    folder = QueueFolder(wrapup or {})
    done = []
    for e in events:
        done += folder.feed(e)
    return folder, {r.unique_id: r for r in done}, done


def stamp(events, name, uid):
    return next(float(e["Timestamp"]) for e in events if e["Event"] == name and e["Uniqueid"] == uid)


def test_answered_call_times_from_the_event_stamps():
    events = load("answered")
    _, recs, done = fold(events, {"support": 5})
    r = recs["answered-0"]
    assert len(done) == 1
    assert (r.queue, r.agent, r.outcome, r.reason) == ("support", "Agent One", "answered", "agent")
    join, connect, complete = (stamp(events, n, "answered-0") for n in ("QueueCallerJoin", "AgentConnect", "AgentComplete"))
    assert r.wait_s == pytest.approx(connect - join)
    assert r.talk_s == pytest.approx(complete - connect)
    assert r.talk_s == pytest.approx(3.0, abs=0.1)   # the agent's script talks 3 s; app_queue's TalkTime says 4
    assert r.wrapup_s == 5 and r.handle_s == pytest.approx(r.talk_s + r.wait_s + 5)
    assert (r.first_position, r.last_position, r.attempts) == (1, 1, 1)


def test_abandoned_waits_until_the_hangup():
    events = load("abandoned")
    _, recs, _ = fold(events)
    r = recs["abandoned-0"]
    assert r.outcome == "abandoned" and r.answered_at is None
    assert r.wait_s == pytest.approx(stamp(events, "QueueCallerAbandon", "abandoned-0")
                                     - stamp(events, "QueueCallerJoin", "abandoned-0"))


def test_timeout_is_not_an_abandon_although_ami_sends_one():
    _, recs, _ = fold(load("timeout"))
    r = recs["timeout-0"]
    assert r.outcome == "timeout"
    assert r.ring_s == pytest.approx(5 + 1)   # RingNoAnswer 5000 ms then 1000 ms
    assert r.attempts == 2
    assert r.wait_s == pytest.approx(7, abs=0.1)


def test_full_queue_gives_a_record_without_a_join():
    _, recs, done = fold(load("full"))
    assert len(done) == 2
    assert recs["full-1"].outcome == "full" and recs["full-1"].wait_s == 0
    assert recs["full-0"].outcome == "timeout"


def test_two_callers_one_agent_second_waits_for_the_first_talk():
    events = load("two-callers-one-agent")
    _, recs, _ = fold(events)
    first, second = recs["two-callers-one-agent-0"], recs["two-callers-one-agent-1"]
    assert first.outcome == second.outcome == "answered"
    assert second.wait_s == pytest.approx(stamp(events, "AgentConnect", "two-callers-one-agent-1")
                                          - stamp(events, "QueueCallerJoin", "two-callers-one-agent-1"))
    # The second waits until the agent is free (the first call ends), then up to
    # the queue's retry (1 s) plus the agent's ring (0.2 s) more.
    free_after = first.ended_at - second.entered_at
    assert free_after > 3
    assert free_after <= second.wait_s <= free_after + 1.0 + 0.2 + 0.1


def test_replaying_everything_twice_counts_nothing_twice():
    events = load("two-callers-one-agent")
    folder, _, done = fold(events)
    for e in events:
        done += folder.feed(e)
    assert len(done) == 2


QUEUE_LOG_ANSWERED = """\
1795377571|answered-0|support|NONE|ENTERQUEUE|||1
1795377572|answered-0|support|Agent One|CONNECT|1|1795377571.266|1
1795377576|answered-0|support|Agent One|COMPLETEAGENT|1|4|1
"""


def test_queue_log_replay_after_the_ami_link_came_back():
    """AMI saw the join; the connect and complete happened while it was down."""
    join = load("answered")[0]
    folder = QueueFolder()
    assert folder.feed(join) == []
    done = []
    for line in QUEUE_LOG_ANSWERED.splitlines():
        done += folder.feed(parse_line(line))
    [r] = done
    assert (r.outcome, r.agent, r.wait_s, r.talk_s) == ("answered", "Agent One", 1.0, 4.0)
    # The whole AMI transcript arriving afterwards adds nothing.
    for e in load("answered"):
        assert folder.feed(e) == []


def test_queue_log_alone_rebuilds_calls_never_seen():
    folder = QueueFolder()
    done = []
    for line in QUEUE_LOG_ANSWERED.splitlines() + [
            "1795377586|timeout-0|tiny|NONE|ENTERQUEUE|||1",
            "1795377591|timeout-0|tiny|Agent Three|RINGNOANSWER|5000",
            "1795377593|timeout-0|tiny|NONE|EXITWITHTIMEOUT|1|1|7",
            "1795377600|ab-0|support|NONE|ENTERQUEUE|||2",
            "1795377609|ab-0|support|NONE|ABANDON|1|2|9",
            "1795377610|NONE|NONE|NONE|CONFIGRELOAD|"]:
        event = parse_line(line)
        if event:
            done += folder.feed(event)
    got = {r.unique_id: (r.outcome, r.wait_s, r.ring_s, r.first_position, r.last_position) for r in done}
    assert got == {"answered-0": ("answered", 1.0, 1.0, 1, 1), "timeout-0": ("timeout", 7.0, 5.0, 1, 1),
                   "ab-0": ("abandoned", 9.0, 0.0, 2, 1)}


def test_unknown_events_and_lines_are_ignored():
    folder = QueueFolder()
    assert folder.feed({"Event": "Newchannel", "Uniqueid": "x"}) == []
    assert parse_line("garbage") is None
    assert parse_line("1|x|q|NONE|CONFIGRELOAD|") is None


def _ev(name, uid, t, **headers):
    return {"Event": name, "Uniqueid": uid, "Timestamp": f"{t:.6f}", "Queue": "support", **headers}


def test_calls_whose_channels_are_gone_are_closed_as_interrupted_once():
    """Asterisk killed with callers waiting and talking: no Hangup ever comes. At the
    next login the channels are gone, and each open record is closed exactly once."""
    folder = QueueFolder({"support": 5})
    for i, uid in enumerate(("wait-1", "wait-2", "talk-1", "talk-2", "talk-3")):
        folder.feed(_ev("QueueCallerJoin", uid, 100.0 + i, Position="1"))
    for i, uid in enumerate(("talk-1", "talk-2", "talk-3")):
        folder.feed(_ev("AgentConnect", uid, 110.0 + i, MemberName=f"Agent {i}", HoldTime="10", RingTime="1"))
    folder.feed(_ev("QueueCallerJoin", "alive", 115.0, Position="2"))
    done = folder.interrupt(live={"alive"}, lost_at=120.0, opened_before=set(folder.open))
    by_uid = {r.unique_id: r for r in done}
    assert sorted(by_uid) == ["talk-1", "talk-2", "talk-3", "wait-1", "wait-2"]
    assert {r.outcome for r in done} == {"interrupted"} and all(r.ended_at == 120.0 for r in done)
    assert by_uid["wait-1"].wait_s == pytest.approx(20.0) and by_uid["wait-1"].answered_at is None
    assert by_uid["talk-1"].talk_s == pytest.approx(10.0) and by_uid["talk-1"].agent == "Agent 0"
    assert by_uid["talk-1"].wrapup_s == 0 and by_uid["talk-1"].handle_s == 0   # not counted as handled
    assert list(folder.open) == ["alive"]
    # A late Hangup or a queue_log replay of the same calls adds nothing.
    assert folder.feed(_ev("Hangup", "talk-1", 125.0)) == []
    assert folder.feed(_ev("QueueCallerJoin", "wait-1", 100.0, Position="1")) == []
    assert folder.interrupt(live=set(), lost_at=130.0, opened_before=set()) == []


def test_interrupt_without_a_known_loss_ends_at_the_calls_last_event():
    folder = QueueFolder()
    folder.feed(_ev("QueueCallerJoin", "a", 100.0, Position="1"))
    folder.feed(_ev("QueueCallerLeave", "a", 104.0, Position="1"))
    [r] = folder.interrupt(live=set(), lost_at=None)
    assert (r.outcome, r.ended_at, r.wait_s) == ("interrupted", 104.0, pytest.approx(4.0))
