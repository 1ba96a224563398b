"""`ivr report` through its argparse parser and cmd_report (run as the `ivr`
command runs it, exit status and error line included), on a config file in
tmp_path whose database is a scripted SQLite file."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pytest

from ivr.cli_support import run as run_command
from ivr.reports.command import add_report_parser
from ivr.store.window import parse_when
from ivr.store.db import open_engine
from report_data import load_billing, load_funnel, load_handle_times, utc


@pytest.fixture
def db(tmp_path, monkeypatch):
    # The environment would override the config's database; tests own theirs.
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    path = tmp_path / "ivr.db"
    engine = open_engine(f"sqlite:///{path}")
    yield engine, path
    engine.dispose()


def config(tmp_path: Path, db_path: Path, extra: str = "") -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database: {{url: 'sqlite:///{db_path}'}}\n{extra}")
    return cfg


def run(cfg: Path, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="ivr")
    parser.add_argument("--config", type=Path)
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(["--config", str(cfg), "report", *argv]))


def test_handle_times_json_uses_configured_service_level(db, tmp_path, capsys):
    engine, path = db
    load_handle_times(engine)
    cfg = config(tmp_path, path, "queues: {service_level_s: 10}\n")
    assert run(cfg, "handle-times", "--by", "agent", "--format", "json") == 0
    rows = {r["key"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    # bob waited 10 and 12: with SL 10 s only the first counts -> 1/2 (it would be 2/2 at 20 s)
    assert rows["bob"]["service_level"] == 0.5
    # total: waits 5, 10 of offered 6 -> 2/6 = 0.333
    assert rows["total"]["service_level"] == 0.333
    # alice: (60 talk + 5 wrap-up) and (90 + 5): AHT 80; her callers' waits (5, 30) are ASA's, not AHT's
    assert rows["alice"]["aht_s"] == 80.0


def test_handle_times_filters(db, tmp_path, capsys):
    engine, path = db
    load_handle_times(engine)
    cfg = config(tmp_path, path)
    # a date is midnight UTC; 12:00+01:00 is 11:00 UTC: support calls entered from 10:00 to 11:00 -> u1, u2
    assert run(cfg, "handle-times", "--since", "2026-11-23", "--until", "2026-11-23T12:00+01:00",
               "--queue", "support", "--format", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # AHT = talk + agent hold + wrap-up: ((60+0+5) + (120+20+5))/2 = 105; ASA (5+10)/2 = 7.5; SL 2/2
    assert [(r["key"], r["calls"], r["aht_s"], r["asa_s"], r["service_level"]) for r in rows] == [
        ("support", "2", "105.0", "7.5", "1.0"), ("total", "2", "105.0", "7.5", "1.0")]


def test_handle_times_default_table(db, tmp_path, capsys):
    engine, path = db
    load_handle_times(engine)
    assert run(config(tmp_path, path), "handle-times") == 0
    lines = capsys.readouterr().out.splitlines()
    # A config with no hotlines: the report's zone is UTC, and the heading says so.
    assert lines[0] == "handle times by queue, UTC (SL 20 s)"
    assert [line.split()[0] for line in lines[1:]] == ["KEY", "sales", "support", "total"]


def test_funnel_table_shows_containment(db, tmp_path, capsys):
    engine, path = db
    load_funnel(engine)
    assert run(config(tmp_path, path), "funnel", "--since", "2026-11-23", "--until", "2026-11-24") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "menu funnel, UTC"
    assert out[2].split() == ["main", "7", "3", "1", "2", "2"]
    assert out[-1] == "containment: 0.8"  # 4/5, see test_funnel_report


def test_billing_json_to_file(db, tmp_path, capsys):
    engine, path = db
    load_billing(engine)
    out = tmp_path / "billing.json"
    assert run(config(tmp_path, path), "billing", "--since", "2026-11-01", "--until", "2026-12-01",
               "--format", "json", "-o", str(out)) == 0
    assert capsys.readouterr().out.strip() == f"report written: {out}"
    assert json.loads(out.read_text())["rows"] == [
        {"called": "800100", "month": "2026-11", "calls": 2, "call_min": 13.5, "talk_min": 5.83, "wait_min": 1.0},
        {"called": "800200", "month": "2026-11", "calls": 2, "call_min": 1.77, "talk_min": 0.0, "wait_min": 0.67},
    ]


def test_png(db, tmp_path, capsys):
    engine, path = db
    load_handle_times(engine)
    out = tmp_path / "hours.png"
    assert run(config(tmp_path, path), "handle-times", "--by", "hour", "--format", "png", "--output", str(out)) == 0
    assert capsys.readouterr().out.strip() == f"chart written: {out}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


@pytest.mark.parametrize("argv, message", [
    (["handle-times", "--since", "yesterday"], "--since 'yesterday': not an ISO date or datetime"),
    (["billing", "--until", "2026-13-01"], "--until '2026-13-01': not an ISO date or datetime"),
    (["funnel", "--since", "2026-11-24", "--until", "2026-11-23"],
     "--since '2026-11-24' must be before --until '2026-11-23'"),
])
def test_bad_input_exits_1(db, tmp_path, capsys, argv, message):
    _, path = db
    assert run(config(tmp_path, path), *argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("ivr report: error: ") and message in err


@pytest.mark.parametrize("argv, message", [
    (["handle-times", "--format", "png"], "--format png needs -o/--output PATH"),
    (["funnel", "--queue", "support"], "--queue and --by apply to handle-times, not funnel"),
])
def test_options_that_do_not_go_together_are_a_usage_error(db, tmp_path, capsys, argv, message):
    _, path = db
    assert run(config(tmp_path, path), *argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ivr report: error: ") and message in err


def test_unknown_choice_is_a_usage_error(db, tmp_path):
    _, path = db
    with pytest.raises(SystemExit) as exc:
        run(config(tmp_path, path), "handle-times", "--by", "week")
    assert exc.value.code == 2


def test_parse_when():
    assert parse_when("--since", None) is None
    assert parse_when("--since", "2026-11-23") == utc(2026, 11, 23)
    assert parse_when("--since", "2026-11-23T10:30") == utc(2026, 11, 23, 10, 30)  # naive is UTC
    assert parse_when("--since", "2026-11-23T10:30Z") == utc(2026, 11, 23, 10, 30)
    assert parse_when("--since", "2026-11-23T10:30-05:00") == utc(2026, 11, 23, 15, 30)
