"""Callbacks in the handle-time figures (ivr/reports/handle_times.py, "Callbacks"): one caller
called back is one call offered and answered at its request time; the callback wait is
reported apart from ASA. Expected figures worked out by hand from report_data.load_callbacks,
on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ivr.reports.handle_times import handle_times
from ivr.reports.output import render
from report_data import load_callbacks, utc
from test_handle_times_report import S, check

# Which rows count (the docstring of load_callbacks has them):
# - r1 (support timeout) and r2 (sales full) are folded into their answered callbacks ivrcb-2-q / ivrcb-3;
# - ivrcb-1-q (no-answer) and ivrcb-5-q (busy) are no caller's call: counted nowhere;
# - r4 (request still waiting) and r5 (its answered callback's leg not stored) stay timeouts;
# - ivrcb-4 answers r3, a request with no queue row of its own.
# Callback waits (connected_at - requested_at): req 1 11:10:40 - 10:35:10 = 2130 s;
#   req 2 12:01:25 - 11:58:30 = 175 s; req 3 12:30:12 - 12:30:00 = 12 s (within SL 20 s).
# AHT terms (talk + hold + wrap-up): a1 105, ivrcb-2-q 215, s1 90, ivrcb-3 70, ivrcb-4 50.

# support: a1 answered, a2 abandoned, callback ivrcb-2-q, r4 and r5 timeouts -> calls 5
#   answered 2 (1 by callback); offered 2 + 1 + 2 = 5; abandonment 1/5
#   AHT (105 + 215)/2 = 160; ASA = a1's 10 alone (the callback's wait is not ASA's)
#   SL(20): a1 10 s yes, callback 2130 s no -> 1/5; longest on the line: r4 120 (r1's 300 is folded)
#   talk 100 + 200 = 300; hold 10; waits of answered on the line [10]
SUPPORT = S("support", 5, 2, 1, 2, 0, 0, 160.0, 10.0, 1 / 5, 1 / 5, 120.0, 300.0, 10.0, 10.0, 10.0, 1, 2130.0)
# sales: s1 answered, callbacks ivrcb-3 and ivrcb-4 (r2's full row folded) -> calls 3, answered 3, offered 3
#   AHT (90 + 70 + 50)/3 = 70; ASA s1's 25; abandonment 0/3
#   SL: s1 25 no, 175 no, 12 yes -> 1/3; longest 25; talk 80 + 60 + 40 = 180
#   callback wait (175 + 12)/2 = 93.5
SALES = S("sales", 3, 3, 0, 0, 0, 0, 70.0, 25.0, 0.0, 1 / 3, 25.0, 180.0, 0.0, 25.0, 25.0, 2, 93.5)
# total: calls 8, answered 5, abandoned 1, timeout 2, offered 8; AHT (105+215+90+70+50)/5 = 530/5 = 106
#   ASA (10 + 25)/2 = 17.5; abandonment 1/8; SL (a1, ivrcb-4) 2/8; longest 120; talk 480; hold 10
#   waits [10, 25]: p50 17.5, p90 10 + 15*0.9 = 23.5; callbacks 3, wait (2130 + 175 + 12)/3 = 2317/3
TOTAL = S("total", 8, 5, 1, 2, 0, 0, 106.0, 17.5, 1 / 8, 2 / 8, 120.0, 480.0, 10.0, 17.5, 23.5, 3, 2317 / 3)


def test_by_queue(engine):
    load_callbacks(engine)
    check(handle_times(engine), [SALES, SUPPORT, TOTAL])


def test_by_hour_takes_the_request_time(engine):
    load_callbacks(engine)
    check(handle_times(engine, by="hour"), [
        # 10h: a1, a2 and the callback of r1 (asked 10:35:10; its leg entered at 11:10)
        #   calls 3, answered 2, abandoned 1, offered 3; AHT (105 + 215)/2 = 160; ASA 10
        #   abandonment 1/3; SL 1/3 (a1); longest 30 (a2); talk 300; hold 10
        S("2026-11-23T10:00Z", 3, 2, 1, 0, 0, 0, 160.0, 10.0, 1 / 3, 1 / 3, 30.0, 300.0, 10.0, 10.0, 10.0,
          1, 2130.0),
        # 11h: s1 and the callback of r2 (asked 11:58:30; its leg entered at 12:01): nothing else at 11h
        #   AHT (90 + 70)/2 = 80; ASA 25; SL 0/2; longest 25; talk 140
        S("2026-11-23T11:00Z", 2, 2, 0, 0, 0, 0, 80.0, 25.0, 0.0, 0.0, 25.0, 140.0, 0.0, 25.0, 25.0, 1, 175.0),
        # 12h: r4 and r5 timeouts, the callback of r3 (asked 12:30): calls 3, answered 1, offered 3
        #   AHT 50; ASA none (no answered caller on the line); SL 1/3; longest 120; talk 40
        S("2026-11-23T12:00Z", 3, 1, 0, 2, 0, 0, 50.0, None, 0.0, 1 / 3, 120.0, 40.0, 0.0, None, None, 1, 12.0),
        TOTAL,
    ])


def test_by_hour_in_a_local_zone(engine):
    load_callbacks(engine)
    # Europe/Warsaw is UTC+1 in November: the same three hours, an hour later on the clock
    rows = handle_times(engine, by="hour", tz="Europe/Warsaw")
    assert [(r.key, r.calls, r.answered, r.callbacks, r.callback_wait_s) for r in rows] == [
        ("2026-11-23T11:00+01:00", 3, 2, 1, 2130.0),
        ("2026-11-23T12:00+01:00", 2, 2, 1, 175.0),
        ("2026-11-23T13:00+01:00", 3, 1, 1, 12.0),
        ("total", 8, 5, 3, pytest.approx(2317 / 3)),
    ]


def test_by_agent(engine):
    load_callbacks(engine)
    check(handle_times(engine, by="agent"), [
        # no agent: a2 abandoned 30, r4 timeout 120, r5 timeout 60: offered 3, abandonment 1/3, SL 0/3
        S("(none)", 3, 0, 1, 2, 0, 0, None, None, 1 / 3, 0.0, 120.0, 0.0),
        # alice: a1 (her busy callback leg ivrcb-5-q is no call): AHT 105, ASA 10, SL 1/1
        S("alice", 1, 1, 0, 0, 0, 0, 105.0, 10.0, 0.0, 1.0, 10.0, 100.0, 0.0, 10.0, 10.0),
        # bob: only the callback ivrcb-2-q (not ivrcb-1-q, no-answer): AHT 215, no ASA, no wait on the line
        S("bob", 1, 1, 0, 0, 0, 0, 215.0, None, 0.0, 0.0, None, 200.0, 10.0, None, None, 1, 2130.0),
        # carol: s1 and the callback ivrcb-3: AHT (90 + 70)/2 = 80; ASA 25; SL 0/2
        S("carol", 2, 2, 0, 0, 0, 0, 80.0, 25.0, 0.0, 0.0, 25.0, 140.0, 0.0, 25.0, 25.0, 1, 175.0),
        # dave: the callback ivrcb-4 alone, within the service level (12 s)
        S("dave", 1, 1, 0, 0, 0, 0, 50.0, None, 0.0, 1.0, None, 40.0, 0.0, None, None, 1, 12.0),
        TOTAL,
    ])


def test_by_hotline_takes_the_requesting_call(engine):
    load_callbacks(engine)
    # The queue legs are in no call of the log: a callback's hotline is its request's call's.
    # telecom's callers are exactly support's, b2b's sales'.
    got = handle_times(engine, by="hotline")
    check(got, [S("b2b", *list(vars(SALES).values())[1:]), S("telecom", *list(vars(SUPPORT).values())[1:]), TOTAL])
    only_b2b = handle_times(engine, hotline="b2b")
    check(only_b2b, [SALES, S("total", *list(vars(SALES).values())[1:])])
    assert handle_times(engine, client="acme")[-1] == handle_times(engine)[-1]


def test_window_takes_the_request_time(engine):
    load_callbacks(engine)
    # [10:32, 12:00): the callback of r1 (asked 10:35:10), s1 (11:00) and the callback of r2 (asked 11:58:30,
    # its leg entered 12:01); a1, a2 (before), r4, r5, ivrcb-4 (after) out
    rows = handle_times(engine, since=utc(2026, 11, 23, 10, 32), until=utc(2026, 11, 23, 12))
    check(rows, [
        # sales: s1 + ivrcb-3: AHT (90 + 70)/2 = 80; ASA 25; SL 0/2; longest 25; talk 140
        S("sales", 2, 2, 0, 0, 0, 0, 80.0, 25.0, 0.0, 0.0, 25.0, 140.0, 0.0, 25.0, 25.0, 1, 175.0),
        # support: the callback alone (r1's timeout, entered 10:30, is folded whatever the window)
        S("support", 1, 1, 0, 0, 0, 0, 215.0, None, 0.0, 0.0, None, 200.0, 10.0, None, None, 1, 2130.0),
        # total: AHT (215 + 90 + 70)/3 = 125; ASA 25; SL 0/3; callback wait (2130 + 175)/2 = 1152.5
        S("total", 3, 3, 0, 0, 0, 0, 125.0, 25.0, 0.0, 0.0, 25.0, 340.0, 10.0, 25.0, 25.0, 2, 1152.5),
    ])


def test_queue_filter_and_threshold(engine):
    load_callbacks(engine)
    # sales at SL 180 s: s1 25, callbacks 175 and 12 are all within -> 3/3
    [sales, total] = handle_times(engine, queue="sales", service_level_s=180)
    assert (sales.key, sales.calls, sales.callbacks, sales.service_level) == ("sales", 3, 2, 1.0)
    assert total.service_level == 1.0


def test_callback_columns_in_json_and_csv(sqlite_engine):
    load_callbacks(sqlite_engine)
    rows = handle_times(sqlite_engine)
    doc = json.loads(render(rows, "json"))
    # 2317/3 = 772.333... rounded to 3 places
    assert [(r["key"], r["callbacks"], r["callback_wait_s"], r["asa_s"]) for r in doc["rows"]] == [
        ("sales", 2, 93.5, 25.0), ("support", 1, 2130.0, 10.0), ("total", 3, 772.333, 17.5)]
    parsed = list(csv.DictReader(io.StringIO(render(rows, "csv"))))
    assert [(r["key"], r["answered"], r["callbacks"], r["callback_wait_s"]) for r in parsed] == [
        ("sales", "3", "2", "93.5"), ("support", "2", "1", "2130.0"), ("total", "5", "3", "772.333")]
    header = render(rows, "table").splitlines()[0].split()
    assert header[-2:] == ["CALLBACKS", "CALLBACK_WAIT_S"]


def test_no_callback_leaves_callback_figures_empty(engine):
    from report_data import load_handle_times
    load_handle_times(engine)
    assert [(r.callbacks, r.callback_wait_s) for r in handle_times(engine, by="hour")] == [(0, None)] * 4
