"""Rendering: table, JSON, CSV and PNG of real report rows."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ivr.reports.billing import billing
from ivr.reports.funnel import funnel
from ivr.reports.handle_times import handle_times
from ivr.reports.output import render
from report_data import load_billing, load_funnel, load_handle_times

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# by queue, worked out in test_handle_times_report: floats rounded to 3 places
# (wait percentiles of answered calls: sales [12]; support [5, 10, 30]; all [5, 10, 12, 30])
JSON_BY_QUEUE = [
    {"key": "sales", "calls": 4, "answered": 1, "abandoned": 0, "timeout": 1, "full": 1, "empty": 1,
     "aht_s": 210.0, "asa_s": 12.0, "abandonment_rate": 0.0, "service_level": 0.5,
     "longest_wait_s": 60.0, "talk_s": 200.0, "hold_s": 0.0, "wait_p50_s": 12.0, "wait_p90_s": 12.0,
     "callbacks": 0, "callback_wait_s": None},
    # AHT 305/3 = 101.666... -> 101.667
    {"key": "support", "calls": 4, "answered": 3, "abandoned": 1, "timeout": 0, "full": 0, "empty": 0,
     "aht_s": 101.667, "asa_s": 15.0, "abandonment_rate": 0.25, "service_level": 0.5,
     "longest_wait_s": 40.0, "talk_s": 270.0, "hold_s": 20.0, "wait_p50_s": 10.0, "wait_p90_s": 26.0,
     "callbacks": 0, "callback_wait_s": None},
    # abandonment 1/6 = 0.1666... -> 0.167
    {"key": "total", "calls": 8, "answered": 4, "abandoned": 1, "timeout": 1, "full": 1, "empty": 1,
     "aht_s": 128.75, "asa_s": 14.25, "abandonment_rate": 0.167, "service_level": 0.5,
     "longest_wait_s": 60.0, "talk_s": 470.0, "hold_s": 20.0, "wait_p50_s": 11.0, "wait_p90_s": 24.6,
     "callbacks": 0, "callback_wait_s": None},
]


@pytest.fixture
def ht_engine(sqlite_engine):
    load_handle_times(sqlite_engine)
    return sqlite_engine


def test_json(ht_engine):
    assert json.loads(render(handle_times(ht_engine), "json")) == {"rows": JSON_BY_QUEUE}


def test_json_by_hour_rounds_and_keeps_none(ht_engine):
    rows = json.loads(render(handle_times(ht_engine, by="hour"), "json"))["rows"]
    # 11h AHT 95 + 0 + 5 = 95 (not the 30 s wait); 11h abandonment 1/3 = 0.333...; 12h has nothing offered
    assert rows[1]["aht_s"] == 95.0
    assert rows[1]["abandonment_rate"] == 0.333
    assert rows[2]["key"] == "2026-11-23T12:00Z"
    assert rows[2]["aht_s"] is None and rows[2]["service_level"] is None


def test_csv(ht_engine):
    text = render(handle_times(ht_engine), "csv")
    lines = text.splitlines()
    assert lines[0] == ("key,calls,answered,abandoned,timeout,full,empty,aht_s,asa_s,"
                        "abandonment_rate,service_level,longest_wait_s,talk_s,hold_s,wait_p50_s,wait_p90_s,callbacks,callback_wait_s")
    assert lines[2] == "support,4,3,1,0,0,0,101.667,15.0,0.25,0.5,40.0,270.0,20.0,10.0,26.0,0,"
    assert lines[3] == "total,8,4,1,1,1,1,128.75,14.25,0.167,0.5,60.0,470.0,20.0,11.0,24.6,0,"
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [r["key"] for r in parsed] == ["sales", "support", "total"]


def test_csv_leaves_undefined_empty(ht_engine):
    last_hour = render(handle_times(ht_engine, by="hour"), "csv").splitlines()[3]
    assert last_hour == "2026-11-23T12:00Z,2,0,0,0,1,1,,,,,0.0,0.0,0.0,,,0,"


def test_table(ht_engine):
    lines = render(handle_times(ht_engine, by="agent"), "table").splitlines()
    assert lines[0].split() == ["KEY", "CALLS", "ANSWERED", "ABANDONED", "TIMEOUT", "FULL", "EMPTY", "AHT_S",
                                "ASA_S", "ABANDONMENT_RATE", "SERVICE_LEVEL", "LONGEST_WAIT_S", "TALK_S", "HOLD_S",
                                "WAIT_P50_S", "WAIT_P90_S", "CALLBACKS", "CALLBACK_WAIT_S"]
    assert lines[1].split() == ["(none)", "4", "0", "1", "1", "1", "1", "-", "-", "0.5", "0.0", "60.0", "0.0", "0.0", "-", "-", "0", "-"]
    assert lines[2].split() == ["alice", "2", "2", "0", "0", "0", "0", "80.0", "17.5", "0.0", "0.5", "30.0", "150.0",
                                "0.0", "17.5", "27.5", "0", "-"]
    # numbers are right-aligned: every line ends in the same column
    assert len({len(line) for line in lines}) == 1


def test_table_with_meta(sqlite_engine):
    load_funnel(sqlite_engine)
    stats, containment = funnel(sqlite_engine)
    lines = render(stats, "table", meta={"containment": containment}).splitlines()
    assert lines[0].split() == ["NODE", "ENTERED", "COMPLETED", "INVALID", "TIMEOUT", "HUNG_UP"]
    assert lines[1].split() == ["main", "8", "4", "1", "2", "2"]
    assert lines[-1] == "containment: 0.667"  # 4/6


def test_funnel_json_meta(sqlite_engine):
    load_funnel(sqlite_engine)
    stats, containment = funnel(sqlite_engine)
    doc = json.loads(render(stats, "json", meta={"containment": containment}))
    assert doc["containment"] == 0.667
    assert doc["rows"][0] == {"node": "main", "entered": 8, "completed": 4, "invalid": 1, "timeout": 2, "hung_up": 2}


def test_billing_csv(sqlite_engine):
    load_billing(sqlite_engine)
    assert render(billing(sqlite_engine), "csv").splitlines() == [
        "called,month,calls,call_min,talk_min,wait_min",
        "800100,2026-10,1,12.0,5.0,0.5",
        "800100,2026-11,2,13.5,5.83,1.0",
        "800200,2026-11,2,1.77,0.0,0.67",
    ]


def test_empty_rows():
    assert render([], "table") == "(no rows)"
    assert json.loads(render([], "json")) == {"rows": []}
    assert render([], "csv") == ""


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 10_000  # a drawn chart, not an empty canvas


def test_png_handle_times_by_hour(ht_engine, tmp_path):
    out = tmp_path / "hours.png"
    message = render(handle_times(ht_engine, by="hour"), "png", out, title="handle times by hour")
    assert message == f"chart written: {out}"
    assert_png(out)


def test_png_funnel_and_billing(sqlite_engine, tmp_path):
    load_funnel(sqlite_engine)
    load_billing(sqlite_engine)
    stats, containment = funnel(sqlite_engine)
    render(stats, "png", tmp_path / "funnel.png", meta={"containment": containment})
    render(billing(sqlite_engine), "png", tmp_path / "billing.png")
    assert_png(tmp_path / "funnel.png")
    assert_png(tmp_path / "billing.png")


def test_png_without_rows(tmp_path):
    render([], "png", tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes()[:8] == PNG_SIGNATURE


def test_png_needs_a_path_and_formats_are_known(ht_engine):
    with pytest.raises(ValueError, match="png output needs a file path"):
        render(handle_times(ht_engine), "png")
    with pytest.raises(ValueError, match="format must be one of"):
        render([], "xml")
