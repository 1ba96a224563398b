"""`ivr report survey --client C --month M`: mean score and responses per question, queue,
agent and week in the client's local time; only answers count (no answer is no score)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ivr.cli_support import run as run_command
from ivr.queues.records import HandleTime
from ivr.queues.store import insert_records
from ivr.reports.command import add_report_parser
from ivr.reports.survey import month_window
from ivr.store.db import open_engine
from ivr.store.surveys import SurveyAnswerItem, store_answers

CONFIG = """\
database: {{url: '{url}'}}
hours:
  office: {{timezone: Europe/Warsaw, weekly: {{mon-fri: "08:00-20:00"}}}}
  budapest: {{timezone: Europe/Budapest, weekly: {{mon-fri: "08:00-20:00"}}}}
hotlines:
  telecom: {{numbers: ["0800123456"], client: acme, hours: office}}
  energia: {{numbers: ["0800999999"], client: pannon, hours: budapest}}
"""


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def answer(uid, question, score, at, client="acme", queue="support", scale=5, agent=""):
    return SurveyAnswerItem(uid, question, score, scale, queue, "telecom" if client == "acme" else "energia",
                            client, at, agent)


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


def load(engine) -> None:
    store_answers(engine, [
        answer("c1", "agent", 5, utc(2026, 11, 2, 9), agent="Local/101@agents"),
        answer("c2", "agent", 3, utc(2026, 11, 3, 9), agent="Local/101@agents"),
        answer("c3", "agent", 4, utc(2026, 11, 4, 9)),                  # its agent from the queue record
        answer("c1", "solved", 1, utc(2026, 11, 2, 9), scale=1, agent="Local/101@agents"),
        answer("c2", "solved", 0, utc(2026, 11, 3, 9), scale=1, agent="Local/101@agents"),
        answer("c4", "agent", 1, utc(2026, 11, 9, 9), agent="Local/102@agents"),   # the next week
        # 23:30 UTC on 31 October is 00:30 on 1 November in Warsaw: November's.
        answer("c5", "agent", 2, utc(2026, 10, 31, 23, 30), agent="Local/102@agents"),
        answer("c6", "agent", 1, utc(2026, 11, 3, 9), client="pannon", agent="Local/201@agents"),
        answer("c7", "agent", 5, utc(2026, 12, 1, 9), agent="Local/101@agents"),  # December
    ])
    insert_records(engine, [HandleTime(unique_id="c3", queue="support", agent="Local/103@agents",
                                       entered_at=utc(2026, 11, 4, 8, 50).timestamp(),
                                       answered_at=utc(2026, 11, 4, 8, 51).timestamp(),
                                       ended_at=utc(2026, 11, 4, 8, 58).timestamp(), outcome="answered",
                                       reason="agent")])


def run(tmp_path: Path, url: str, *argv: str) -> int:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.format(url=url))
    parser = argparse.ArgumentParser(prog="ivr")
    parser.add_argument("--config", type=Path)
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(["--config", str(cfg), "report", *argv]))


def test_month_window_is_the_local_month():
    assert month_window("2026-11", "Europe/Warsaw") == (utc(2026, 10, 31, 23), utc(2026, 11, 30, 23))
    assert month_window("2026-12", "UTC") == (utc(2026, 12, 1), utc(2027, 1, 1))


def test_rows_per_question_queue_agent_and_week(engine, db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    load(engine)
    assert run(tmp_path, db_url, "survey", "--client", "acme", "--month", "2026-11", "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    rows = [(r["question"], r["agent"], r["week"], r["responses"], r["mean_score"], r["scale"]) for r in out["rows"]]
    assert rows == [
        ("agent", "Local/101@agents", "2026-11-02", 2, 4.0, 5),
        ("agent", "Local/102@agents", "2026-10-26", 1, 2.0, 5),   # Sunday 1 November: the week of 26 October
        ("agent", "Local/102@agents", "2026-11-09", 1, 1.0, 5),
        ("agent", "Local/103@agents", "2026-11-02", 1, 4.0, 5),
        ("solved", "Local/101@agents", "2026-11-02", 2, 0.5, 1),  # yes/no: the share of yes
    ]
    assert out["agent responses"] == 5 and out["agent mean"] == 3.0   # (5 + 3 + 4 + 1 + 2) / 5
    assert out["solved responses"] == 2


def test_unknown_client_and_bad_month_are_input_errors(engine, db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    assert run(tmp_path, db_url, "survey", "--client", "nobody", "--month", "2026-11") == 1
    assert "no hotline serves client 'nobody' (clients: acme, pannon)" in capsys.readouterr().err
    assert run(tmp_path, db_url, "survey", "--client", "acme", "--month", "11/2026") == 1
    assert "--month must be YYYY-MM" in capsys.readouterr().err


def test_the_chart(engine, db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    load(engine)
    png = tmp_path / "survey.png"
    assert run(tmp_path, db_url, "survey", "--client", "pannon", "--month", "2026-11", "--format", "png",
               "-o", str(png)) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
