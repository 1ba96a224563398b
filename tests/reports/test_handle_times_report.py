"""Handle-time figures against numbers worked out by hand from report_data."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest

from ivr.reports.handle_times import HandleTimeRowStat, handle_times
from report_data import load_handle_times, utc


def S(key, calls, answered, abandoned, timeout, full, empty, aht, asa, abn, sl, longest, talk, hold=0.0,
      p50=None, p90=None, callbacks=0, callback_wait=None):
    return HandleTimeRowStat(key, calls, answered, abandoned, timeout, full, empty, aht, asa, abn, sl, longest, talk,
                             hold, p50, p90, callbacks, callback_wait)


def check(got: list[HandleTimeRowStat], expected: list[HandleTimeRowStat]) -> None:
    assert [r.key for r in got] == [r.key for r in expected]
    for g, e in zip(got, expected):
        assert asdict(g) == pytest.approx(asdict(e)), g.key


# AHT = talk + agent hold + wrap-up over answered calls; the queue wait is ASA's, never AHT's.
# support: answered u1,u2,u3 (wait 5,10,30; talk 60,120,90; hold 0,20,0; wrapup 5), abandoned u4 after 40 s
#   AHT = ((60+0+5) + (120+20+5) + (90+0+5)) / 3 = (65+145+95)/3 = 305/3
#   ASA = (5+10+30)/3 = 15
#   offered = 3 answered + 1 abandoned + 0 timeout = 4; abandonment = 1/4
#   SL(20 s) = waits 5, 10 <= 20 -> 2/4; longest wait 40; talk 60+120+90 = 270; hold 20
#   wait percentiles of answered (percentile_cont, pos = p*(n-1)) over [5, 10, 30]:
#   p50 pos 1 -> 10; p90 pos 1.8 -> 10 + (30-10)*0.8 = 26
SUPPORT = S("support", 4, 3, 1, 0, 0, 0, 305 / 3, 15.0, 1 / 4, 2 / 4, 40.0, 270.0, 20.0, 10.0, 26.0)
# sales: answered u5 (wait 12, talk 200, wrapup 10), timeout u6 after 60, full u7, empty u8
#   AHT = 200+0+10 = 210 (the 12 s wait is not in it); ASA = 12
#   offered = 1 + 0 + 1 timeout = 2 (full/empty never queued); abandonment = 0/2
#   SL(20 s) = 12 <= 20 -> 1/2; longest wait 60; talk 200
#   percentiles of one answered wait [12]: 12, 12
SALES = S("sales", 4, 1, 0, 1, 1, 1, 210.0, 12.0, 0.0, 1 / 2, 60.0, 200.0, 0.0, 12.0, 12.0)
# total: AHT = (65+145+95+210)/4 = 515/4 = 128.75; ASA = (5+10+30+12)/4 = 57/4 = 14.25
#   offered = 4 + 1 + 1 = 6; abandonment = 1/6; SL = (5, 10, 12) -> 3/6; longest 60; talk 470; hold 20
#   answered waits [5, 10, 12, 30]: p50 pos 1.5 -> 10 + 2*0.5 = 11; p90 pos 2.7 -> 12 + 18*0.7 = 24.6
TOTAL = S("total", 8, 4, 1, 1, 1, 1, 128.75, 14.25, 1 / 6, 3 / 6, 60.0, 470.0, 20.0, 11.0, 24.6)


def test_by_queue(engine):
    load_handle_times(engine)
    check(handle_times(engine), [SALES, SUPPORT, TOTAL])


def test_by_agent(engine):
    load_handle_times(engine)
    check(handle_times(engine, by="agent"), [
        # no agent: u4 abandoned 40, u6 timeout 60, u7 full, u8 empty; nothing answered
        #   offered = 0 + 1 + 1 = 2; abandonment 1/2; SL 0/2; AHT, ASA undefined
        S("(none)", 4, 0, 1, 1, 1, 1, None, None, 1 / 2, 0 / 2, 60.0, 0.0),
        # alice: u1 (wait 5, talk 60, wrap 5), u3 (30/90/5): AHT (65+95)/2 = 80; ASA (5+30)/2 = 17.5
        #   SL = 5 <= 20 -> 1/2; talk 150
        #   waits [5, 30]: p50 17.5; p90 pos 0.9 -> 5 + 25*0.9 = 27.5
        S("alice", 2, 2, 0, 0, 0, 0, 80.0, 17.5, 0.0, 1 / 2, 30.0, 150.0, 0.0, 17.5, 27.5),
        # bob: u2 (wait 10, talk 120, hold 20, wrap 5), u5 (12/200/0/10): AHT (145+210)/2 = 177.5;
        #   ASA (10+12)/2 = 11; SL = 2/2; talk 320; hold 20
        #   waits [10, 12]: p50 11; p90 10 + 2*0.9 = 11.8
        S("bob", 2, 2, 0, 0, 0, 0, 177.5, 11.0, 0.0, 2 / 2, 12.0, 320.0, 20.0, 11.0, 11.8),
        TOTAL,
    ])


def test_by_hour(engine):
    load_handle_times(engine)
    check(handle_times(engine, by="hour"), [
        # 10h: u1, u2, u5 answered: AHT (65+145+210)/3 = 140; ASA (5+10+12)/3 = 9; SL 3/3; hold 20
        #   waits [5, 10, 12]: p50 10; p90 pos 1.8 -> 10 + 2*0.8 = 11.6
        S("2026-11-23T10:00Z", 3, 3, 0, 0, 0, 0, 140.0, 9.0, 0.0, 1.0, 12.0, 380.0, 20.0, 10.0, 11.6),
        # 11h: u3 answered (wait 30, talk 90, wrap 5), u4 abandoned 40, u6 timeout 60: offered 3
        #   AHT 95; ASA 30; abandonment 1/3; SL 0/3 (30 > 20)
        S("2026-11-23T11:00Z", 3, 1, 1, 1, 0, 0, 95.0, 30.0, 1 / 3, 0.0, 60.0, 90.0, 0.0, 30.0, 30.0),
        # 12h: u7 full, u8 empty: offered 0, so every rate is undefined
        S("2026-11-23T12:00Z", 2, 0, 0, 0, 1, 1, None, None, None, None, 0.0, 0.0),
        TOTAL,
    ])


def test_service_level_threshold_is_inclusive(engine):
    load_handle_times(engine)
    by_key = {r.key: r for r in handle_times(engine, service_level_s=10)}
    # 10 s: support waits 5, 10 count (10 <= 10) -> 2/4; sales 12 > 10 -> 0/2; total 2/6
    assert by_key["support"].service_level == pytest.approx(2 / 4)
    assert by_key["sales"].service_level == 0.0
    assert by_key["total"].service_level == pytest.approx(2 / 6)
    # 5 s: only u1 -> support 1/4
    assert handle_times(engine, service_level_s=5)[1].service_level == pytest.approx(1 / 4)


def test_since_until_half_open(engine):
    load_handle_times(engine)
    # [11:00, 12:00): u3 (entered exactly 11:00, in), u4, u6; u7 at exactly 12:00 is out
    rows = handle_times(engine, since=utc(2026, 11, 23, 11), until=utc(2026, 11, 23, 12))
    check(rows, [
        S("sales", 1, 0, 0, 1, 0, 0, None, None, 0.0, 0.0, 60.0, 0.0),
        S("support", 2, 1, 1, 0, 0, 0, 95.0, 30.0, 1 / 2, 0.0, 40.0, 90.0, 0.0, 30.0, 30.0),
        # total: u3, u4, u6; offered 3; abandonment 1/3; SL 0/3; AHT 90 + 5 = 95 (not the 30 s wait)
        S("total", 3, 1, 1, 1, 0, 0, 95.0, 30.0, 1 / 3, 0.0, 60.0, 90.0, 0.0, 30.0, 30.0),
    ])


def test_since_in_another_zone(engine):
    load_handle_times(engine)
    # 12:00+01:00 is 11:00 UTC: the same three calls as above
    since = datetime(2026, 11, 23, 12, tzinfo=timezone(timedelta(hours=1)))
    assert handle_times(engine, since=since, until=utc(2026, 11, 23, 12))[-1].calls == 3


def test_queue_filter(engine):
    load_handle_times(engine)
    # support since 10:10: u2 (wait 10, talk 120, hold 20, wrap 5), u3 (30/90/0/5), u4 abandoned 40
    #   AHT (145+95)/2 = 120; ASA (10+30)/2 = 20; offered 3; abandonment 1/3
    #   SL: wait 10 <= 20, 30 > 20 -> 1/3; longest 40; talk 120+90 = 210; hold 20
    #   answered waits [10, 30]: p50 20; p90 10 + 20*0.9 = 28
    rows = handle_times(engine, since=utc(2026, 11, 23, 10, 10), queue="support")
    expected = S("support", 3, 2, 1, 0, 0, 0, 120.0, 20.0, 1 / 3, 1 / 3, 40.0, 210.0, 20.0, 20.0, 28.0)
    check(rows, [expected, S("total", *list(asdict(expected).values())[1:])])


def test_empty_database(engine):
    check(handle_times(engine, by="hour"), [S("total", 0, 0, 0, 0, 0, 0, None, None, None, None, None, 0.0)])


def test_bad_grouping(engine):
    with pytest.raises(ValueError, match="by must be one of"):
        handle_times(engine, by="week")


def test_queue_wait_is_asa_not_aht(engine):
    """Issue 10's example: a caller who waits 300 s in the queue and talks 60 s gives
    AHT 60 s (+ the queue's 10 s wrap-up) and ASA 300 s; before, AHT said 370 and charged
    the agent for the queue's backlog. Agent hold inside the call (here 15 s) is AHT's."""
    from sqlalchemy.orm import Session
    from report_data import _ht
    with Session(engine) as s, s.begin():
        s.add_all([_ht("w1", "billing", "carol", utc(2026, 11, 23, 9), "answered", wait=300, talk=60, wrapup=10),
                   _ht("w2", "billing", "carol", utc(2026, 11, 23, 9, 30), "answered", wait=0, talk=45, wrapup=10,
                       hold=15)])
    [billing_q, total] = handle_times(engine)
    assert billing_q.key == "billing"
    # AHT = mean(60 + 0 + 10, 45 + 15 + 10) = (70 + 70) / 2 = 70; ASA = (300 + 0) / 2 = 150
    assert (billing_q.aht_s, billing_q.asa_s, billing_q.hold_s) == (70.0, 150.0, 15.0)
    [w1] = [r for r in handle_times(engine, until=utc(2026, 11, 23, 9, 1))[:1]]
    assert (w1.aht_s, w1.asa_s) == (70.0, 300.0)   # 60 talk + 10 wrap-up; the 300 s wait is ASA's
