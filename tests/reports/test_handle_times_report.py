"""Handle-time figures against numbers worked out by hand from report_data."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest

from ivr.reports.handle_times import HandleTimeRowStat, handle_times
from report_data import load_handle_times, utc


def S(key, calls, answered, abandoned, timeout, full, empty, aht, asa, abn, sl, longest, talk):
    return HandleTimeRowStat(key, calls, answered, abandoned, timeout, full, empty, aht, asa, abn, sl, longest, talk)


def check(got: list[HandleTimeRowStat], expected: list[HandleTimeRowStat]) -> None:
    assert [r.key for r in got] == [r.key for r in expected]
    for g, e in zip(got, expected):
        assert asdict(g) == pytest.approx(asdict(e)), g.key


# support: answered u1,u2,u3 (wait 5,10,30; talk 60,120,90; wrapup 5), abandoned u4 after 40 s
#   AHT = ((60+5+5) + (120+10+5) + (90+30+5)) / 3 = (70+135+125)/3 = 330/3 = 110
#   ASA = (5+10+30)/3 = 15
#   offered = 3 answered + 1 abandoned + 0 timeout = 4; abandonment = 1/4
#   SL(20 s) = waits 5, 10 <= 20 -> 2/4; longest wait 40; talk 60+120+90 = 270
SUPPORT = S("support", 4, 3, 1, 0, 0, 0, 110.0, 15.0, 1 / 4, 2 / 4, 40.0, 270.0)
# sales: answered u5 (wait 12, talk 200, wrapup 10), timeout u6 after 60, full u7, empty u8
#   AHT = 200+12+10 = 222; ASA = 12
#   offered = 1 + 0 + 1 timeout = 2 (full/empty never queued); abandonment = 0/2
#   SL(20 s) = 12 <= 20 -> 1/2; longest wait 60; talk 200
SALES = S("sales", 4, 1, 0, 1, 1, 1, 222.0, 12.0, 0.0, 1 / 2, 60.0, 200.0)
# total: AHT = (70+135+125+222)/4 = 552/4 = 138; ASA = (5+10+30+12)/4 = 57/4 = 14.25
#   offered = 4 + 1 + 1 = 6; abandonment = 1/6; SL = (5, 10, 12) -> 3/6; longest 60; talk 470
TOTAL = S("total", 8, 4, 1, 1, 1, 1, 138.0, 14.25, 1 / 6, 3 / 6, 60.0, 470.0)


def test_by_queue(engine):
    load_handle_times(engine)
    check(handle_times(engine), [SALES, SUPPORT, TOTAL])


def test_by_agent(engine):
    load_handle_times(engine)
    check(handle_times(engine, by="agent"), [
        # no agent: u4 abandoned 40, u6 timeout 60, u7 full, u8 empty; nothing answered
        #   offered = 0 + 1 + 1 = 2; abandonment 1/2; SL 0/2; AHT, ASA undefined
        S("(none)", 4, 0, 1, 1, 1, 1, None, None, 1 / 2, 0 / 2, 60.0, 0.0),
        # alice: u1 (5/60/5), u3 (30/90/5): AHT (70+125)/2 = 97.5; ASA (5+30)/2 = 17.5
        #   SL = 5 <= 20 -> 1/2; talk 150
        S("alice", 2, 2, 0, 0, 0, 0, 97.5, 17.5, 0.0, 1 / 2, 30.0, 150.0),
        # bob: u2 (10/120/5), u5 (12/200/10): AHT (135+222)/2 = 178.5; ASA (10+12)/2 = 11
        #   SL = 2/2; talk 320
        S("bob", 2, 2, 0, 0, 0, 0, 178.5, 11.0, 0.0, 2 / 2, 12.0, 320.0),
        TOTAL,
    ])


def test_by_hour(engine):
    load_handle_times(engine)
    check(handle_times(engine, by="hour"), [
        # 10h: u1, u2, u5 answered: AHT (70+135+222)/3 = 427/3; ASA (5+10+12)/3 = 9; SL 3/3
        S("2026-11-23T10:00Z", 3, 3, 0, 0, 0, 0, 427 / 3, 9.0, 0.0, 1.0, 12.0, 380.0),
        # 11h: u3 answered (30/90/5), u4 abandoned 40, u6 timeout 60: offered 3
        #   AHT 125; ASA 30; abandonment 1/3; SL 0/3 (30 > 20)
        S("2026-11-23T11:00Z", 3, 1, 1, 1, 0, 0, 125.0, 30.0, 1 / 3, 0.0, 60.0, 90.0),
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
        S("support", 2, 1, 1, 0, 0, 0, 125.0, 30.0, 1 / 2, 0.0, 40.0, 90.0),
        # total: u3, u4, u6; offered 3; abandonment 1/3; SL 0/3
        S("total", 3, 1, 1, 1, 0, 0, 125.0, 30.0, 1 / 3, 0.0, 60.0, 90.0),
    ])


def test_since_in_another_zone(engine):
    load_handle_times(engine)
    # 12:00+01:00 is 11:00 UTC: the same three calls as above
    since = datetime(2026, 11, 23, 12, tzinfo=timezone(timedelta(hours=1)))
    assert handle_times(engine, since=since, until=utc(2026, 11, 23, 12))[-1].calls == 3


def test_queue_filter(engine):
    load_handle_times(engine)
    # support since 10:10: u2 (10/120/5), u3 (30/90/5), u4 abandoned 40
    #   AHT (135+125)/2 = 130; ASA (10+30)/2 = 20; offered 3; abandonment 1/3
    #   SL: wait 10 <= 20, 30 > 20 -> 1/3; longest 40; talk 120+90 = 210
    rows = handle_times(engine, since=utc(2026, 11, 23, 10, 10), queue="support")
    expected = S("support", 3, 2, 1, 0, 0, 0, 130.0, 20.0, 1 / 3, 1 / 3, 40.0, 210.0)
    check(rows, [expected, S("total", *list(asdict(expected).values())[1:])])


def test_empty_database(engine):
    check(handle_times(engine, by="hour"), [S("total", 0, 0, 0, 0, 0, 0, None, None, None, None, None, 0.0)])


def test_bad_grouping(engine):
    with pytest.raises(ValueError, match="by must be one of"):
        handle_times(engine, by="day")
