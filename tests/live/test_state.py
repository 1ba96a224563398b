"""The sans-IO live state from AMI transcripts: callers waiting with position and wait,
agents by state, today's figures in the office's day, a QueueStatus rebuild, stale."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ivr.live.state import LiveState

HERE = Path(__file__).parent
AGENT = "Local/agent1@ivr-agents/n"


def transcript(name: str) -> list[tuple[dict, float]]:
    """(event, arrival time) pairs of a transcript file: blank lines between events, '@ T' sets the time."""
    out, event, now = [], {}, 0.0
    for line in (HERE / name).read_text().splitlines() + [""]:
        if line.startswith("#"):
            continue
        if line.startswith("@ "):
            now = float(line[2:])
        elif not line.strip():
            if event:
                out.append((event, now))
                event = {}
        else:
            key, _, value = line.partition(":")
            event[key.strip()] = value.strip()
    return out


def fed(name: str = "transcript_support.txt", **kw) -> LiveState:
    state = LiveState(**kw)
    state.rebuild([], 999)   # connected: an empty Asterisk to start from
    for event, at in transcript(name):
        state.feed(event, at)
    return state


def test_three_callers_wait_while_the_agent_talks():
    snap = fed().snapshot(1010)
    q = snap.queue("support")
    assert not snap.stale
    assert [(c.unique_id, c.position, c.wait_s) for c in q.callers] == [("c2", 1, 7), ("c3", 2, 6), ("c4", 3, 5)]
    assert q.waiting == 3 and q.longest_wait_s == 7
    (agent,) = q.agents
    assert (agent.state, agent.in_call, agent.name) == ("in-call", True, "Agent One")
    assert (q.logged_in, q.count("available"), q.on_call) == (1, 0, 1)
    assert (q.today.offered, q.today.answered, q.today.asa_s, q.today.service_level) == (1, 1, 1.0, 1.0)


def test_the_next_call_answered_leaves_two_waiting_and_positions_move_up():
    state = fed()
    for event in ({"Event": "AgentComplete", "Queue": "support", "Uniqueid": "c1", "Interface": AGENT,
                   "HoldTime": "1", "TalkTime": "10", "Reason": "agent"},
                  {"Event": "AgentConnect", "Queue": "support", "Uniqueid": "c2", "Interface": AGENT, "HoldTime": "9"},
                  {"Event": "QueueCallerLeave", "Queue": "support", "Uniqueid": "c2", "Position": "1", "Count": "2"}):
        state.feed(event, 1012)
    q = state.snapshot(1012).queue("support")
    assert [(c.unique_id, c.position) for c in q.callers] == [("c3", 1), ("c4", 2)]
    assert q.longest_wait_s == 8
    assert (q.today.answered, q.today.asa_s) == (2, 5.0)


def test_pause_with_reason_then_unpause():
    state = fed()
    state.feed({"Event": "QueueMemberPause", "Queue": "support", "Interface": AGENT, "MemberName": "Agent One",
                "Paused": "1", "PausedReason": "lunch", "InCall": "1", "Status": "2"}, 1011)
    (agent,) = state.snapshot(1011).queue("support").agents
    assert (agent.state, agent.reason, agent.in_call) == ("paused", "lunch", True)
    state.feed({"Event": "QueueMemberPause", "Queue": "support", "Interface": AGENT, "Paused": "0",
                "PausedReason": "", "InCall": "0", "Status": "1"}, 1012)
    (agent,) = state.snapshot(1012).queue("support").agents
    assert (agent.state, agent.reason) == ("available", "")


def test_wrapup_from_the_queues_wrapuptime_then_available():
    state = fed(wrapup={"support": 5})
    state.feed({"Event": "AgentComplete", "Queue": "support", "Uniqueid": "c1", "Interface": AGENT}, 1020)
    state.feed({"Event": "QueueMemberStatus", "Queue": "support", "Interface": AGENT, "InCall": "0", "Status": "1",
                "LastCall": "1020"}, 1020)
    assert state.snapshot(1022).queue("support").agents[0].state == "wrap-up"
    assert state.snapshot(1026).queue("support").agents[0].state == "available"


def test_dynamic_member_added_and_removed():
    state = fed()
    state.feed({"Event": "QueueMemberAdded", "Queue": "support", "Interface": "PJSIP/bob", "MemberName": "Bob",
                "Membership": "dynamic", "Status": "1", "Paused": "0", "InCall": "0"}, 1011)
    agents = {a.interface: a for a in state.snapshot(1011).queue("support").agents}
    assert agents["PJSIP/bob"].dynamic and agents["PJSIP/bob"].state == "available"
    state.feed({"Event": "QueueMemberRemoved", "Queue": "support", "Interface": "PJSIP/bob"}, 1012)
    assert [a.interface for a in state.snapshot(1012).queue("support").agents] == [AGENT]


def test_unavailable_and_ringing_devices():
    state = fed()
    state.feed({"Event": "QueueMemberStatus", "Queue": "support", "Interface": AGENT, "InCall": "0", "Status": "6"}, 1011)
    assert state.snapshot(1011).queue("support").agents[0].state == "ringing"
    state.feed({"Event": "QueueMemberStatus", "Queue": "support", "Interface": AGENT, "InCall": "0", "Status": "5"}, 1012)
    q = state.snapshot(1012).queue("support")
    assert q.agents[0].state == "unavailable" and q.logged_in == 0


def test_abandon_counts_offered_and_service_level():
    state = fed(service_level_s=20)
    state.feed({"Event": "QueueCallerAbandon", "Queue": "support", "Uniqueid": "c3", "Position": "2",
                "OriginalPosition": "2", "HoldTime": "30"}, 1034)
    state.feed({"Event": "QueueCallerLeave", "Queue": "support", "Uniqueid": "c3", "Position": "2"}, 1034)
    q = state.snapshot(1034).queue("support")
    assert [c.unique_id for c in q.callers] == ["c2", "c4"]
    d = q.today
    assert (d.offered, d.answered, d.abandoned, d.service_level, d.abandon_rate) == (2, 1, 1, 0.5, 0.5)


def test_link_down_is_stale_and_the_rebuild_is_asterisks_answer_not_old_events():
    state = fed()
    state.mark_stale(1006, "the AMI link is down")
    snap = state.snapshot(1007)
    assert snap.stale and snap.stale_since == 1006 and "down" in snap.note
    # While away: c2 was answered, c3 hung up, a new caller joined. QueueStatus says so.
    state.rebuild([
        {"Event": "QueueParams", "Queue": "support", "Calls": "2"},
        {"Event": "QueueMember", "Queue": "support", "Name": "Agent One", "Location": AGENT,
         "Membership": "static", "InCall": "1", "Status": "2", "Paused": "1", "PausedReason": "coaching"},
        {"Event": "QueueEntry", "Queue": "support", "Position": "1", "Uniqueid": "c4", "CallerIDNum": "600100204",
         "Wait": "25"},
        {"Event": "QueueEntry", "Queue": "support", "Position": "2", "Uniqueid": "c5", "CallerIDNum": "600100205",
         "Wait": "3"},
        {"Event": "QueueParams", "Queue": "sales"},
        {"Event": "QueueStatusComplete", "EventList": "Complete", "ListItems": "5"},
    ], 1030)
    snap = state.snapshot(1030)
    assert not snap.stale and snap.synced_at == 1030
    q = snap.queue("support")
    assert [(c.unique_id, c.position, c.wait_s) for c in q.callers] == [("c4", 1, 25), ("c5", 2, 3)]
    assert (q.agents[0].state, q.agents[0].reason) == ("paused", "coaching")
    assert snap.queue("sales").waiting == 0 and snap.queue("sales").agents == ()


def test_today_is_the_offices_day_and_stored_records_merge_once():
    tz = "Europe/Warsaw"
    # 23:30 UTC on 31 Dec is 00:30 on 1 Jan in Warsaw: a new day there.
    new_year = datetime(2027, 1, 1, 0, 30, tzinfo=ZoneInfo(tz)).timestamp()
    state = LiveState(tz)
    state.rebuild([], new_year)
    state.merge_day([("old", "support", "answered", 5, new_year - 3600),     # yesterday in Warsaw
                     ("t1", "support", "timeout", 60, new_year - 600),
                     ("a1", "support", "answered", 10, new_year - 900),
                     ("x", "support", "full", 0, new_year - 100)], new_year)
    # the live event for a1 (already stored) does not count it twice; an abandon that was a timeout stays one
    state.feed({"Event": "AgentConnect", "Queue": "support", "Uniqueid": "a1", "Interface": AGENT,
                "HoldTime": "10"}, new_year)
    state.feed({"Event": "QueueCallerAbandon", "Queue": "support", "Uniqueid": "t1", "HoldTime": "60"}, new_year)
    d = state.snapshot(new_year).queue("support").today
    assert (d.day, d.offered, d.answered, d.timed_out, d.abandoned) == ("2027-01-01", 2, 1, 1, 0)


def test_versions_grow_only_on_change_and_snapshots_are_frozen():
    import dataclasses
    import pytest
    state = fed()
    v = state.version
    assert not state.feed({"Event": "Newchannel"}, 1010) and state.version == v
    state.feed({"Event": "QueueCallerLeave", "Queue": "support", "Uniqueid": "nobody"}, 1010)
    assert state.version == v
    snap = state.snapshot(1010)
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.queues[0].callers[0].wait_s = 0
