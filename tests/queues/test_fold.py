"""The folder replaying AMI transcripts (tests/queues/transcripts/) and queue_log replays.

answered, abandoned, timeout, full and two-callers-one-agent were recorded from
the sandbox's app_queue by real calls. blind-transfer, attended-transfer,
agent-hold and no-timestamp are written by hand (a one-off script, their
channels in the same Local-channel shapes), in the exact shape Asterisk 22
sends, from its source:
- AgentConnect/AgentComplete: apps/app_queue.c (queue_publish_multi_channel_*:
  the caller's snapshot, the agent's with the Dest prefix; send_agent_complete
  with Reason "transfer" after handle_blind_transfer/handle_attended_transfer);
- BlindTransfer/AttendedTransfer: main/stasis_bridges.c (blind_transfer_to_ami,
  attended_transfer_to_ami: Result, Transferer*/Transferee* or OrigTransferer*,
  SecondTransferer*, Transferee*, TransferTarget* snapshots, bridge headers,
  IsExternal, Context/Extension or DestType/DestBridgeUniqueid), class call;
- MusicOnHoldStart (snapshot + Class) / MusicOnHoldStop (snapshot):
  main/manager_channels.c, class call;
- no-timestamp: the recorded answered and timeout calls with the Timestamp
  header taken out, which is the only difference timestampevents = no makes
  (main/manager.c, __manager_event_sessions: Timestamp only `if (timestampevents)`).
queue_log lines: app_queue.c's ast_queue_log formats (CONNECT holdtime|peer
uniqueid|ringtime; BLINDTRANSFER exten|context|holdtime|talktime|origpos;
ATTENDEDTRANSFER BRIDGE|bridge|holdtime|talktime|origpos, APP|app|..., LINK|chan1|chan2|...)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr.queues.fold import QueueFolder
from ivr.queues.queue_log import parse_line

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def load(name: str) -> list[dict]:
    return json.loads((TRANSCRIPTS / f"{name}.json").read_text())


def fold(events, wrapup=None, arrivals=None):
    folder = QueueFolder(wrapup or {})
    done = []
    for i, e in enumerate(events):
        done += folder.feed(e, arrivals[i] if arrivals else None)
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
    # AHT's numerator is talk + agent hold (none here) + wrap-up; the 1 s queue wait is ASA's
    assert r.wrapup_s == 5 and r.hold_s == 0 and r.handle_s == pytest.approx(r.talk_s + 5)
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


# ---- AHT: the queue wait is not handle time; agent hold is ---------------------------------

def test_a_caller_who_waits_300_s_and_talks_60_s_gives_aht_60_plus_wrapup():
    """Issue 10's example: AHT counted the queue wait (360 s); the wait is ASA's."""
    folder = QueueFolder({"support": 10})
    folder.feed(_ev("QueueCallerJoin", "w", 1000.0, Position="1"))
    folder.feed(_ev("AgentConnect", "w", 1300.0, MemberName="Agent", HoldTime="300", RingTime="2"))
    [r] = folder.feed(_ev("AgentComplete", "w", 1360.0, MemberName="Agent", HoldTime="300", TalkTime="60",
                          Reason="caller"))
    assert (r.wait_s, r.talk_s, r.hold_s, r.wrapup_s) == (300.0, 60.0, 0.0, 10)
    assert r.handle_s == 70.0     # AHT 60 + 10 wrap-up; ASA takes the 300


def test_agent_hold_is_music_on_hold_inside_the_bridged_call():
    events = load("agent-hold")
    _, recs, done = fold(events, {"support": 5})
    r = recs["hold-0"]
    assert len(done) == 1 and (r.outcome, r.reason) == ("answered", "caller")
    # The queue's music while waiting (0.01 -> 4.004 s) is the wait: ASA's, not hold.
    assert r.wait_s == pytest.approx(4.002)
    # Holds: the caller 10.5 s, the agent's channel 5 s, both at once 70 -> 78 s counted once: 8 s.
    assert r.hold_s == pytest.approx(10.5 + 5 + 8)
    # Talk is the bridged time (96 s, AgentConnect -> AgentComplete) less the hold.
    assert r.talk_s == pytest.approx(96.0 - 23.5)
    assert r.handle_s == pytest.approx(96.0 + 5)


def test_agent_hold_still_running_at_the_end_stops_there():
    folder = QueueFolder()
    folder.feed(_ev("QueueCallerJoin", "h", 100.0, Position="1"))
    folder.feed(_ev("AgentConnect", "h", 110.0, MemberName="A", HoldTime="10", DestUniqueid="agent-h"))
    folder.feed(_ev("MusicOnHoldStart", "agent-h", 130.0, Class="default"))
    [r] = folder.feed(_ev("Hangup", "h", 140.0))
    assert (r.hold_s, r.talk_s, r.outcome) == (10.0, 20.0, "answered")
    # a stop arriving afterwards, for a finished call, changes nothing
    assert folder.feed(_ev("MusicOnHoldStop", "agent-h", 141.0)) == [] and r.hold_s == 10.0


# ---- transfers ---------------------------------------------------------------------------

def test_blind_transfer_ends_the_call_answered_at_the_transfer():
    events = load("blind-transfer")
    _, recs, done = fold(events)
    r = recs["blind-0"]
    assert len(done) == 1
    assert (r.outcome, r.reason, r.agent) == ("answered", "transfer", "Agent One")
    transfer, connect = stamp_of(events, "BlindTransfer"), stamp(events, "AgentConnect", "blind-0")
    assert r.talk_s == pytest.approx(transfer - connect) == pytest.approx(30.502)
    assert r.ended_at == transfer        # not the caller's hangup 60 s later, with somebody else


def test_blind_transfer_alone_finishes_the_record():
    """Without app_queue's AgentComplete (the record used to stay open), the AMI
    BlindTransfer ends it; a failed one does not."""
    events = [e for e in load("blind-transfer") if e["Event"] not in ("AgentComplete", "Hangup")]
    failed = {**events[-1], "Result": "Fail"}
    folder, _, done = fold(events[:-1] + [failed])
    assert done == [] and "blind-0" in folder.open
    [r] = folder.feed(events[-1])
    assert (r.outcome, r.reason, r.talk_s) == ("answered", "transfer", pytest.approx(30.502))


def test_attended_transfer_ends_answered_and_the_consultation_is_hold():
    events = load("attended-transfer")
    _, recs, done = fold(events, {"support": 5})
    r = recs["attended-0"]
    assert len(done) == 1 and (r.outcome, r.reason) == ("answered", "transfer")
    transfer, connect = stamp_of(events, "AttendedTransfer"), stamp(events, "AgentConnect", "attended-0")
    # the caller hears music from 21.003 s while the agent consults, until the transfer at 51.003 s
    assert r.hold_s == pytest.approx(30.0)
    assert r.talk_s == pytest.approx(transfer - connect - 30.0) == pytest.approx(20.0, abs=0.01)
    assert r.ended_at == transfer and r.wait_s == pytest.approx(1.002)


def test_attended_transfer_into_a_threeway_call_does_not_end_it():
    events = [e for e in load("attended-transfer") if e["Event"] not in ("AgentComplete", "Hangup")]
    threeway = [{**e, "DestType": "Threeway"} if e["Event"] == "AttendedTransfer" else e for e in events]
    folder, _, done = fold(threeway)
    assert done == [] and "attended-0" in folder.open


QUEUE_LOG_TRANSFERS = """\
1795378000|blind-0|support|NONE|ENTERQUEUE|||1
1795378002|blind-0|support|Agent One|CONNECT|2|1795378000.301|2
1795378032|blind-0|support|Agent One|BLINDTRANSFER|2000|ivr-agents|2|30|1
1795378100|att-1|support|NONE|ENTERQUEUE|||1
1795378101|att-1|support|Agent One|CONNECT|1|1795378100.311|1
1795378151|att-1|support|Agent One|ATTENDEDTRANSFER|BRIDGE|b1a2c3d4-consult|1|50|1
1795378200|att-2|support|NONE|ENTERQUEUE|||1
1795378203|att-2|support|Agent One|CONNECT|3|1795378200.331|3
1795378215|att-2|support|Agent One|ATTENDEDTRANSFER|APP|VoiceMail|3|12|1
1795378300|att-3|support|NONE|ENTERQUEUE|||1
1795378304|att-3|support|Agent One|CONNECT|4|1795378300.341|4
1795378324|att-3|support|Agent One|ATTENDEDTRANSFER|LINK|Local/a@x-1;1|Local/a@x-1;2|4|20|1
"""


def test_queue_log_transfers_end_answered_with_talk_up_to_the_transfer():
    folder = QueueFolder()
    done = []
    for line in QUEUE_LOG_TRANSFERS.splitlines():
        done += folder.feed(parse_line(line))
    got = {r.unique_id: (r.outcome, r.reason, r.wait_s, r.talk_s, r.ended_at) for r in done}
    assert got == {"blind-0": ("answered", "transfer", 2.0, 30.0, 1795378032.0),
                   "att-1": ("answered", "transfer", 1.0, 50.0, 1795378151.0),
                   "att-2": ("answered", "transfer", 3.0, 12.0, 1795378215.0),
                   "att-3": ("answered", "transfer", 4.0, 20.0, 1795378324.0)}
    assert folder.open == {}
    # The AMI transcript of the same blind transfer arriving afterwards adds nothing.
    for e in load("blind-transfer"):
        assert folder.feed(e) == []


# ---- timestampevents = no ------------------------------------------------------------------

def test_events_without_timestamp_use_arrival_time_and_app_queues_durations():
    """Asterisk's default manager.conf: no Timestamp. Records used to be entered in 1970
    with wait 0 and talk 0; now the times are when the consumer read each event, and wait
    and talk are app_queue's HoldTime and TalkTime. The timeout's QueueCallerAbandon (AMI
    sends one on a timeout too) still is not taken for an abandon."""
    events = load("no-timestamp")
    assert not any("Timestamp" in e for e in events)
    # when the consumer read them: the recorded calls' own times, 4 ms on the wire
    arrivals = [float(e["Timestamp"]) + 0.004 for e in load("answered") + load("timeout")]
    folder, recs, done = fold(events, {"support": 5}, arrivals)
    assert len(done) == 2 and folder.untimed == len(events)
    a, t = recs["untimed-0"], recs["untimed-1"]
    assert a.entered_at == pytest.approx(1795377571.999690 + 0.004)      # not 1970
    assert (a.outcome, a.reason, a.agent) == ("answered", "agent", "Agent One")
    assert (a.wait_s, a.talk_s) == (1.0, 4.0)                              # HoldTime, TalkTime
    assert a.handle_s == 4.0 + 5
    assert t.entered_at == pytest.approx(1795377586.059145 + 0.004)
    assert (t.outcome, t.wait_s, t.ring_s, t.attempts) == ("timeout", 7.0, pytest.approx(6.0), 2)


def test_events_without_timestamp_or_arrival_keep_the_last_known_time():
    folder = QueueFolder()
    folder.feed(_ev("QueueCallerJoin", "x", 500.0, Position="1"))
    folder.feed({"Event": "QueueCallerJoin", "Uniqueid": "y", "Queue": "support", "Position": "2"})
    assert folder.open["y"].entered_at == 500.0


def test_a_call_never_finished_by_the_stream_is_closed_by_its_hangup_without_timestamps():
    folder = QueueFolder()
    folder.feed({"Event": "QueueCallerJoin", "Uniqueid": "z", "Queue": "support", "Position": "1"}, 1000.0)
    folder.feed({"Event": "AgentConnect", "Uniqueid": "z", "Queue": "support", "MemberName": "A",
                 "HoldTime": "12", "RingTime": "1"}, 1012.4)
    [r] = folder.feed({"Event": "Hangup", "Uniqueid": "z"}, 1042.4)
    assert (r.outcome, r.wait_s, r.talk_s, r.ended_at) == ("answered", 12.0, pytest.approx(30.0), 1042.4)


def stamp_of(events, name):
    return next(float(e["Timestamp"]) for e in events if e["Event"] == name)
