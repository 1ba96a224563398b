"""Scripted call-log contents with known figures, for the report tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from ivr.store.models import Call, CallbackAttempt, CallbackRequest, HandleTimeRow, Step


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def _ht(uid, queue, agent, entered, outcome, wait=0.0, talk=0.0, wrapup=0.0, hold=0.0) -> HandleTimeRow:
    answered = entered + timedelta(seconds=wait) if outcome == "answered" else None
    return HandleTimeRow(unique_id=uid, queue=queue, agent=agent, entered_second=int(entered.timestamp()),
                         entered_at=entered, answered_at=answered,
                         ended_at=entered + timedelta(seconds=wait + talk + hold), wait_s=wait, talk_s=talk,
                         hold_s=hold, wrapup_s=wrapup, outcome=outcome, first_position=1, last_position=1)


def load_handle_times(engine) -> None:
    """Eight queued calls on 2026-11-23 (UTC). wait is the queue wait (ASA's),
    hold the agent's hold inside the call (AHT's, with talk and wrap-up):

    uid queue    agent  entered  outcome    wait  talk  hold  wrapup
    u1  support  alice  10:05    answered      5    60     0      5
    u2  support  bob    10:20    answered     10   120    20      5
    u3  support  alice  11:00    answered     30    90     0      5
    u4  support  -      11:30    abandoned    40     0     0      0
    u5  sales    bob    10:40    answered     12   200     0     10
    u6  sales    -      11:45    timeout      60     0     0      0
    u7  sales    -      12:00    full          0     0     0      0
    u8  sales    -      12:30    empty         0     0     0      0
    """
    d = lambda h, m: utc(2026, 11, 23, h, m)  # noqa: E731
    with Session(engine) as s, s.begin():
        s.add_all([
            _ht("u1", "support", "alice", d(10, 5), "answered", 5, 60, 5),
            _ht("u2", "support", "bob", d(10, 20), "answered", 10, 120, 5, hold=20),
            _ht("u3", "support", "alice", d(11, 0), "answered", 30, 90, 5),
            _ht("u4", "support", "", d(11, 30), "abandoned", 40),
            _ht("u5", "sales", "bob", d(10, 40), "answered", 12, 200, 10),
            _ht("u6", "sales", "", d(11, 45), "timeout", 60),
            _ht("u7", "sales", "", d(12, 0), "full"),
            _ht("u8", "sales", "", d(12, 30), "empty"),
        ])


def _call(uid, started, ended, outcome, steps=(), called="800100") -> Call:
    call = Call(unique_id=uid, called=called, caller_id="48600100200", started_at=started,
                ended_at=ended, outcome=outcome)
    call.steps = [Step(seq=i, node=node, action=action, digits=digits, detail="",
                       at=started + timedelta(seconds=i))
                  for i, (node, action, digits) in enumerate(steps)]
    return call


def load_funnel(engine) -> None:
    """Menu main -> tariffs (1) | operator (0) | main again (*); tariffs -> bye or main.

    c1 23rd  queue:support   main > operator
    c2 23rd  hangup          main (7 invalid, then 1) > tariffs > bye
    c3 23rd  caller-hangup   main (*) > main (timeout), hangs up in main
    c4 23rd  caller-hangup   main > tariffs > main (timeout), hangs up in main
    c5 23rd  error           main
    c6 24th  queue:sales     main > operator          (outside the 23rd)
    c7 23rd  in progress     main                     (never counted)
    """
    day = lambda d, h: utc(2026, 11, d, h)  # noqa: E731
    end = lambda d, h: utc(2026, 11, d, h, 2)  # noqa: E731
    with Session(engine) as s, s.begin():
        s.add_all([
            _call("c1", day(23, 9), end(23, 9), "queue:support", [
                ("main", "enter", ""), ("main", "play", ""), ("main", "input", "0"),
                ("operator", "enter", ""), ("operator", "queue-enter", "")]),
            _call("c2", day(23, 10), end(23, 10), "hangup", [
                ("main", "enter", ""), ("main", "play", ""), ("main", "input", "7"),
                ("main", "invalid", "7"), ("main", "play", ""), ("main", "input", "1"),
                ("tariffs", "enter", ""), ("tariffs", "play", ""), ("bye", "enter", ""), ("bye", "hangup", "")]),
            _call("c3", day(23, 11), end(23, 11), "caller-hangup", [
                ("main", "enter", ""), ("main", "play", ""), ("main", "input", "*"),
                ("main", "enter", ""), ("main", "play", ""), ("main", "timeout", "")]),
            _call("c4", day(23, 12), end(23, 12), "caller-hangup", [
                ("main", "enter", ""), ("main", "play", ""), ("main", "input", "1"),
                ("tariffs", "enter", ""), ("tariffs", "play", ""),
                ("main", "enter", ""), ("main", "play", ""), ("main", "timeout", "")]),
            _call("c5", day(23, 13), end(23, 13), "error", [("main", "enter", "")]),
            _call("c6", day(24, 9), end(24, 9), "queue:sales", [
                ("main", "enter", ""), ("main", "input", "0"), ("operator", "enter", "")]),
            _call("c7", day(23, 14), None, "", [("main", "enter", "")]),
        ])


def load_billing(engine) -> None:
    """Two hotlines, calls across a month boundary:

    uid hotline started            ended               secs  queue rows (wait/talk[+agent hold])
    b1  800100  2026-10-31 23:50   2026-11-01 00:02     720  support 30/300
    b2  800100  2026-11-02 09:00   09:03:30             210  -
    b3  800100  2026-11-15 14:00   14:10:00             600  support 20/100, sales 40/220+30 hold
    b4  800200  2026-11-20 08:00   08:00:45              45  support 40/0 (abandoned)
    b5  800200  2026-12-01 00:00   (in progress)          -  -
    b6  800200  2026-11-30 23:59:59 2026-12-01 00:01:00   61  -
    plus a handle-time row for a call not in the log (x1), which must not count.
    """
    with Session(engine) as s, s.begin():
        s.add_all([
            _call("b1", utc(2026, 10, 31, 23, 50), utc(2026, 11, 1, 0, 2), "queue:support"),
            _call("b2", utc(2026, 11, 2, 9), utc(2026, 11, 2, 9, 3, 30), "hangup"),
            _call("b3", utc(2026, 11, 15, 14), utc(2026, 11, 15, 14, 10), "queue:sales"),
            _call("b4", utc(2026, 11, 20, 8), utc(2026, 11, 20, 8, 0, 45), "queue:support", called="800200"),
            _call("b5", utc(2026, 12, 1), None, "", called="800200"),
            _call("b6", utc(2026, 11, 30, 23, 59, 59), utc(2026, 12, 1, 0, 1), "hangup", called="800200"),
            _ht("b1", "support", "alice", utc(2026, 10, 31, 23, 51), "answered", 30, 300),
            _ht("b3", "support", "alice", utc(2026, 11, 15, 14, 1), "answered", 20, 100),
            _ht("b3", "sales", "bob", utc(2026, 11, 15, 14, 4), "answered", 40, 220, hold=30),
            _ht("b4", "support", "", utc(2026, 11, 20, 8), "abandoned", 40),
            _ht("x1", "support", "bob", utc(2026, 11, 20, 9), "answered", 10, 500),
        ])


def load_callbacks(engine) -> None:
    """Callers on the line and callers called back (ivr/queues/dialer.py), 2026-11-23 (UTC).

    handle_times (hotline: that of the call with the row's uid; ivrcb-*: the dialer's queue legs, no call):
    uid        queue    agent  entered   outcome    wait  talk  hold  wrapup  hotline
    a1         support  alice  10:05     answered     10   100     0       5  telecom
    a2         support  -      10:20     abandoned    30     0     0       0  telecom
    r1         support  -      10:30     timeout     300     0     0       0  telecom   asks at 10:35:10 (req 1)
    ivrcb-1-q  support  bob    10:50     answered     15    30     0       5            req 1 try 1: no-answer
    ivrcb-2-q  support  bob    11:10     answered     20   200    10       5            req 1 try 2: answered,
                                                                                        connected 11:10:40
    s1         sales    carol  11:00     answered     25    80     0      10  b2b
    r2         sales    -      11:58     full          0     0     0       0  b2b       asks at 11:58:30 (req 2)
    ivrcb-3    sales    carol  12:01     answered     20    60     0      10            req 2 try 1: answered,
                                                                                        connected 12:01:25
    (r3: a call of b2b with no queue row, the queue closed; asks at 12:30:00, req 3)
    ivrcb-4    sales    dave   12:30:02  answered      8    40     0      10            req 3 try 1: answered,
                                                                                        connected 12:30:12
    r4         support  -      12:10     timeout     120     0     0       0  telecom   asks at 12:12 (req 4)
    ivrcb-5-q  support  alice  12:20     answered      5    25     0       5            req 4 try 1: busy (waiting)
    r5         support  -      12:40     timeout      60     0     0       0  telecom   asks at 12:41 (req 5)
    (ivrcb-6-q: req 5 try 1 answered, connected 12:50, its queue leg not stored yet)
    """
    d = lambda h, m, s=0: utc(2026, 11, 23, h, m, s)  # noqa: E731

    def call(uid, at, hotline, client):
        return Call(unique_id=uid, called="800100", caller_id="48600100200", started_at=at - timedelta(minutes=1),
                    ended_at=at + timedelta(minutes=10), outcome="queue:x", hotline=hotline, client=client)

    def request(rid, uid, queue, at, state):
        return CallbackRequest(id=rid, unique_id=uid, caller_id="48600100200", queue=queue, requested_at=at,
                               state=state, attempts=0)

    def attempt(rid, n, queue, leg, requested, started, result, connected=None):
        return CallbackAttempt(request_id=rid, attempt=n, queue=queue, mode="agent-first", controller="c1",
                               channel_id=f"ch-{leg}", queue_unique_id=leg, requested_at=requested,
                               started_at=started, connected_at=connected, ended_at=started + timedelta(minutes=5),
                               result=result)

    with Session(engine) as s, s.begin():
        s.add_all([call("a1", d(10, 5), "telecom", "acme"), call("a2", d(10, 20), "telecom", "acme"),
                   call("r1", d(10, 30), "telecom", "acme"), call("s1", d(11, 0), "b2b", "acme"),
                   call("r2", d(11, 58), "b2b", "acme"), call("r3", d(12, 29), "b2b", "acme"),
                   call("r4", d(12, 10), "telecom", "acme"), call("r5", d(12, 40), "telecom", "acme")])
        s.add_all([
            _ht("a1", "support", "alice", d(10, 5), "answered", 10, 100, 5),
            _ht("a2", "support", "", d(10, 20), "abandoned", 30),
            _ht("r1", "support", "", d(10, 30), "timeout", 300),
            _ht("ivrcb-1-q", "support", "bob", d(10, 50), "answered", 15, 30, 5),
            _ht("ivrcb-2-q", "support", "bob", d(11, 10), "answered", 20, 200, 5, hold=10),
            _ht("s1", "sales", "carol", d(11, 0), "answered", 25, 80, 10),
            _ht("r2", "sales", "", d(11, 58), "full"),
            _ht("ivrcb-3", "sales", "carol", d(12, 1), "answered", 20, 60, 10),
            _ht("ivrcb-4", "sales", "dave", d(12, 30, 2), "answered", 8, 40, 10),
            _ht("r4", "support", "", d(12, 10), "timeout", 120),
            _ht("ivrcb-5-q", "support", "alice", d(12, 20), "answered", 5, 25, 5),
            _ht("r5", "support", "", d(12, 40), "timeout", 60),
        ])
        s.add_all([request(1, "r1", "support", d(10, 35, 10), "done"), request(2, "r2", "sales", d(11, 58, 30), "done"),
                   request(3, "r3", "sales", d(12, 30), "done"), request(4, "r4", "support", d(12, 12), "waiting"),
                   request(5, "r5", "support", d(12, 41), "done")])
        s.flush()
        s.add_all([
            attempt(1, 1, "support", "ivrcb-1-q", d(10, 35, 10), d(10, 50), "no-answer"),
            attempt(1, 2, "support", "ivrcb-2-q", d(10, 35, 10), d(11, 10), "answered", d(11, 10, 40)),
            attempt(2, 1, "sales", "ivrcb-3", d(11, 58, 30), d(12, 1), "answered", d(12, 1, 25)),
            attempt(3, 1, "sales", "ivrcb-4", d(12, 30), d(12, 30, 2), "answered", d(12, 30, 12)),
            attempt(4, 1, "support", "ivrcb-5-q", d(12, 12), d(12, 20), "busy"),
            attempt(5, 1, "support", "ivrcb-6-q", d(12, 41), d(12, 49), "answered", d(12, 50)),
        ])
