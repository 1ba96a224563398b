"""`ivr report handle-times|funnel --hotline H | --client C | --by hotline` as a user runs
them: hours, days and dates in the hotline's zone, named in the heading; a client whose
hotlines are in two zones is refused for hours (a usage error naming the zones) unless
--tz says which; an unknown hotline or client is exit 1 listing the known ones."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from report_data import _ht, load_funnel, utc
from ivr.store.models import Call
from test_report_command import db, run  # noqa: F401  (the fixture and the runner)

CONFIG = """
menu:
  entry: main
  nodes:
    main: {type: hangup}
hours:
  warsaw: {timezone: Europe/Warsaw, weekly: {mon-fri: "08:00-20:00"}}
  newyork: {timezone: America/New_York, weekly: {mon-fri: "08:00-20:00"}}
hotlines:
  telecom: {numbers: ["0800123456"], client: acme, hours: warsaw}
  b2b: {numbers: ["0800999999"], client: acme, hours: newyork}
  energia: {numbers: ["_0680XXXXXX"], client: pannon, hours: warsaw}
"""


def _config(tmp_path, path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database: {{url: 'sqlite:///{path}'}}\n{CONFIG}")
    return cfg


def _call(uid, hotline, client, at) -> Call:
    return Call(unique_id=uid, started_at=at - timedelta(seconds=20), ended_at=at,
                hotline=hotline, client=client, outcome="queue:support")


@pytest.fixture
def scripted(db, tmp_path):
    """Queue stays on 2026-11-23 (UTC):

    uid hotline  entered (UTC)  Warsaw  New York  outcome    wait
    t1  telecom  22nd 23:30     00:30   18:30     answered      5
    t2  telecom  09:10          10:10   04:10     answered     25
    t3  telecom  09:50          10:50   04:50     abandoned    40
    n1  b2b      15:20          16:20   10:20     answered     10
    e1  energia  09:15          10:15   04:15     answered      8
    x1  (no call in the log)    10:00             answered     12
    """
    engine, path = db
    rows = [("t1", "telecom", "acme", utc(2026, 11, 22, 23, 30), "answered", 5),
            ("t2", "telecom", "acme", utc(2026, 11, 23, 9, 10), "answered", 25),
            ("t3", "telecom", "acme", utc(2026, 11, 23, 9, 50), "abandoned", 40),
            ("n1", "b2b", "acme", utc(2026, 11, 23, 15, 20), "answered", 10),
            ("e1", "energia", "pannon", utc(2026, 11, 23, 9, 15), "answered", 8)]
    with Session(engine) as s, s.begin():
        for uid, hotline, client, at, outcome, wait in rows:
            s.add(_call(uid, hotline, client, at))
            s.add(_ht(uid, "support", "alice" if outcome == "answered" else "", at, outcome, wait, 60))
        s.add(_ht("x1", "support", "bob", utc(2026, 11, 23, 9), "answered", 12, 60))
    return _config(tmp_path, path)


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_one_hotline_by_hour_in_its_zone(scripted, capsys):
    # 2026-11-23 is Warsaw's day: from 23:00 UTC on the 22nd, so t1 (00:30 Warsaw) counts
    assert run(scripted, "handle-times", "--hotline", "telecom", "--by", "hour", "--since", "2026-11-23",
               "--until", "2026-11-24") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "handle times by hour, Europe/Warsaw (hotline telecom, SL 20 s)"
    table = {line.split()[0]: line.split() for line in out[2:]}
    assert list(table) == ["2026-11-23T00:00+01:00", "2026-11-23T10:00+01:00", "total"]
    assert table["2026-11-23T10:00+01:00"][1:5] == ["2", "1", "1", "0"]   # calls, answered, abandoned, timeout
    assert table["total"][1] == "3"


def test_json_names_the_zone_and_scope(scripted, capsys):
    assert run(scripted, "handle-times", "--hotline", "b2b", "--by", "day", "--format", "json") == 0
    got = _json(capsys)
    assert (got["timezone"], got["hotline"], got["client"]) == ("America/New_York", "b2b", None)
    assert [(r["key"], r["calls"]) for r in got["rows"]] == [("2026-11-23", 1), ("total", 1)]


def test_by_hotline_puts_rows_without_a_call_under_none(scripted, capsys):
    assert run(scripted, "handle-times", "--by", "hotline", "--format", "json") == 0
    rows = {r["key"]: r for r in _json(capsys)["rows"]}
    assert {k: r["calls"] for k, r in rows.items()} == {"(none)": 1, "b2b": 1, "energia": 1, "telecom": 3,
                                                        "total": 6}
    assert rows["telecom"]["asa_s"] == 15.0          # (5 + 25) / 2 answered
    assert rows["telecom"]["abandonment_rate"] == 0.333


def test_client_in_two_zones_is_refused_for_hours(scripted, capsys):
    assert run(scripted, "handle-times", "--client", "acme", "--by", "hour") == 2
    err = capsys.readouterr().err
    assert err.startswith("ivr report: error: the hotlines of client 'acme' are in 2 time zones")
    assert "America/New_York: b2b" in err and "Europe/Warsaw: telecom" in err and "--tz" in err


def test_client_in_two_zones_with_tz_and_by_queue(scripted, capsys):
    assert run(scripted, "handle-times", "--client", "acme", "--by", "hour", "--tz", "America/New_York",
               "--format", "json") == 0
    got = _json(capsys)
    assert got["timezone"] == "America/New_York"
    assert [(r["key"], r["calls"]) for r in got["rows"]] == [
        ("2026-11-22T18:00-05:00", 1), ("2026-11-23T04:00-05:00", 2), ("2026-11-23T10:00-05:00", 1), ("total", 4)]
    # grouped by queue no zone is needed: the dates are UTC, and the heading says so
    assert run(scripted, "handle-times", "--client", "acme", "--since", "2026-11-23") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "handle times by queue, dates in UTC (client acme, SL 20 s)"
    assert out[2].split()[:2] == ["support", "3"]     # t1 started before midnight UTC


def test_one_client_in_one_zone(scripted, capsys):
    assert run(scripted, "handle-times", "--client", "pannon", "--by", "hour", "--format", "json") == 0
    got = _json(capsys)
    assert got["timezone"] == "Europe/Warsaw"
    assert [r["key"] for r in got["rows"]] == ["2026-11-23T10:00+01:00", "total"]


@pytest.mark.parametrize("argv, message", [
    (["handle-times", "--hotline", "nope"], "no hotline 'nope' (hotlines: b2b, default, energia, telecom)"),
    (["funnel", "--client", "nobody"], "no hotline serves client 'nobody' (clients: acme, pannon)"),
    (["handle-times", "--hotline", "energia", "--client", "acme"],
     "hotline 'energia' belongs to client 'pannon', not 'acme'"),
    (["handle-times", "--by", "hour", "--tz", "Mars/Olympus"], "--tz 'Mars/Olympus': not an IANA time zone"),
])
def test_unknown_hotline_client_or_zone_is_exit_1(scripted, capsys, argv, message):
    assert run(scripted, *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("ivr report: error: ") and message in err and "Traceback" not in err


def test_every_hotline_in_two_zones_is_refused_for_days(scripted, capsys):
    assert run(scripted, "handle-times", "--by", "day") == 2
    assert "the hotlines are in 2 time zones" in capsys.readouterr().err


def test_funnel_of_one_hotline(db, tmp_path, capsys):
    engine, path = db
    load_funnel(engine)
    with Session(engine) as s, s.begin():
        for c in s.query(Call).filter(Call.unique_id.in_(["c1", "c2"])):
            c.hotline, c.client = "telecom", "acme"
    cfg = _config(tmp_path, path)
    # Warsaw's 23rd: 2026-11-22T23:00Z to 2026-11-23T23:00Z, every call of the 23rd (UTC 09-14h)
    assert run(cfg, "funnel", "--hotline", "telecom", "--since", "2026-11-23", "--until", "2026-11-24") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "menu funnel, Europe/Warsaw (hotline telecom)"
    assert out[2].split() == ["main", "2", "2", "1", "0", "0"]
    assert out[-1] == "containment: 0.5"


def test_billing_keeps_its_own_options(scripted, capsys):
    assert run(scripted, "billing", "--hotline", "telecom") == 2
    assert "--client C --month YYYY-MM" in capsys.readouterr().err
