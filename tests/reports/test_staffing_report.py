"""`ivr report staffing`: Erlang C against textbook values and the closed formula, and the
report on a generated month of queue history (SQLite and PostgreSQL)."""

from __future__ import annotations

import argparse
import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ivr.cli_support import run as run_command
from ivr.queues.records import HandleTime
from ivr.queues.store import insert_records
from ivr.reports.command import add_report_parser
from ivr.reports.staffing_erlang import agents_needed, asa, erlang_c, service_level
from ivr.store.db import open_engine


def erlang_c_closed(n: int, a: float) -> float:
    """The textbook closed form, with factorials (independent of the module's recursion):
    C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    top = a ** n / math.factorial(n) * n / (n - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(n)) + top)


@pytest.mark.parametrize("n, a", [(11, 10.0), (13, 10.0), (14, 10.0), (6, 5.0), (7, 5.0), (8, 5.0), (2, 0.5),
                                  (60, 52.3)])
def test_erlang_c_matches_the_closed_formula(n, a):
    assert erlang_c(n, a) == pytest.approx(erlang_c_closed(n, a), rel=1e-9)


def test_the_textbook_example_100_calls_per_30_min_aht_180_s_80_20():
    # A = 100 × 180 / 1800 = 10 Erlangs. Published (e.g. callcentrehelper.com's Erlang C worked
    # example, Koole ch. 5): 13 agents give P(wait) 28.5 %, SL 79.6 % (short of 80 %);
    # 14 agents give P(wait) 17.4 %, SL 88.8 %, ASA 7.8 s: the answer is 14.
    assert erlang_c(11, 10) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(13, 10) == pytest.approx(0.2853, abs=5e-5)
    assert service_level(13, 10, 180, 20) == pytest.approx(0.7956, abs=5e-5)
    assert service_level(14, 10, 180, 20) == pytest.approx(0.8884, abs=5e-5)
    staffed = agents_needed(100, 1800, 180, 0.8, 20)
    assert (staffed.traffic, staffed.agents) == (10.0, 14)
    assert staffed.asa_s == pytest.approx(7.8, abs=0.05) and staffed.occupancy == pytest.approx(10 / 14)


def test_100_calls_per_hour_aht_180_s_80_20_needs_8():
    # A = 5 Erlangs. By hand, N = 7: Σ_{k<7} 5^k/k! = 113.118, 5^7/7!·7/2 = 54.254, C = 0.3241,
    # SL = 1 − 0.3241·e^(−2·20/180) = 0.7404 (short); N = 8: Σ_{k<8} = 128.619, 5^8/8!·8/3 = 25.835,
    # C = 0.1673, SL = 1 − 0.1673·e^(−3·20/180) = 0.8801.
    assert erlang_c(7, 5) == pytest.approx(0.3241, abs=5e-5)
    assert service_level(7, 5, 180, 20) == pytest.approx(0.7404, abs=5e-5)
    assert erlang_c(8, 5) == pytest.approx(0.1673, abs=5e-5)
    assert service_level(8, 5, 180, 20) == pytest.approx(0.8801, abs=5e-5)
    assert agents_needed(100, 3600, 180).agents == 8


def test_occupancy_cap_and_edges():
    # 1000 calls/h at AHT 180 s: A = 50; the SL target alone needs 56, occupancy ≤ 85 % needs 59.
    assert agents_needed(1000, 3600, 180, 0.8, 20, 1.0).agents == 56
    assert agents_needed(1000, 3600, 180, 0.8, 20, 0.85).agents == 59
    assert agents_needed(0, 3600, 180).agents == 0
    assert asa(5, 5, 180) == math.inf and service_level(5, 5, 180, 20) == 0.0
    with pytest.raises(ValueError):
        agents_needed(10, 3600, 180, target=1.5)


CONFIG = """\
database: {{url: '{url}'}}
hours:
  office: {{timezone: Europe/Warsaw, weekly: {{mon-fri: "08:00-20:00"}}}}
"""


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


def history(engine) -> None:
    """November 2026, Warsaw (UTC+1): every weekday, 100 calls offered 09:00-10:00 local with
    AHT 180 s (talk 150 + hold 10 + wrap-up 20), 90 answered within 20 s by 6 agents and 10
    abandoned; every weekday 10:00-11:00, 10 calls, all answered at 30 s by 2 agents, AHT 240 s;
    a full queue call and a call in another queue that are never counted."""
    rows = []
    day = datetime(2026, 11, 1, tzinfo=timezone.utc)
    while day.month == 11:
        if day.weekday() < 5:
            base = day + timedelta(hours=8)   # 09:00 Warsaw
            for i in range(100):
                at = (base + timedelta(seconds=i * 36)).timestamp()
                answered = i % 10 != 9
                rows.append(HandleTime(unique_id=f"{day:%d}-a{i}", queue="support", entered_at=at,
                                       agent=f"Local/10{i % 6}@agents" if answered else "",
                                       answered_at=at + 15 if answered else None, ended_at=at + 200,
                                       wait_s=15 if answered else 40, talk_s=150 if answered else 0,
                                       hold_s=10 if answered else 0, wrapup_s=20 if answered else 0,
                                       outcome="answered" if answered else "abandoned"))
            for i in range(10):
                at = (base + timedelta(hours=1, minutes=i * 5)).timestamp()
                rows.append(HandleTime(unique_id=f"{day:%d}-b{i}", queue="support", entered_at=at,
                                       agent=f"Local/10{i % 2}@agents", answered_at=at + 30, ended_at=at + 300,
                                       wait_s=30, talk_s=200, wrapup_s=40, outcome="answered"))
            at = (base + timedelta(minutes=1)).timestamp()
            rows.append(HandleTime(unique_id=f"{day:%d}-full", queue="support", entered_at=at, outcome="full"))
            rows.append(HandleTime(unique_id=f"{day:%d}-other", queue="sales", entered_at=at, agent="Local/9@x",
                                   answered_at=at + 1, ended_at=at + 100, talk_s=99, outcome="answered"))
        day += timedelta(days=1)
    insert_records(engine, rows)


def run(tmp_path: Path, url: str, *argv: str) -> int:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG.format(url=url))
    parser = argparse.ArgumentParser(prog="ivr")
    parser.add_argument("--config", type=Path)
    add_report_parser(parser.add_subparsers(dest="command", required=True))
    return run_command(parser.parse_args(["--config", str(cfg), "report", *argv]))


def test_staffing_from_a_generated_month(engine, db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    history(engine)
    assert run(tmp_path, db_url, "staffing", "--queue", "support", "--month", "2026-11", "--format", "json") == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["interval"]: r for r in out["rows"]}
    assert list(rows) == ["09:00", "10:00"]
    nine, ten = rows["09:00"], rows["10:00"]
    # 100 offered an hour at AHT 180 s: 5 Erlangs, 8 agents for 80/20 (the hand-checked case above).
    assert (nine["offered"], nine["aht_s"], nine["erlangs"], nine["agents_needed"]) == (100, 180, 5, 8)
    assert (nine["agents_answering"], nine["sl_reached"]) == (6, 0.9)
    # 10 an hour at 240 s: 0.667 Erlangs; 2 agents reach 80/20 (1 would give 1 − (2/3)·e^(−1/36) = 35 %).
    assert (ten["offered"], ten["aht_s"], ten["agents_needed"], ten["agents_answering"], ten["sl_reached"]) == \
        (10, 240, 2, 2, 0.0)
    assert out["measured days"] == 21 and out["peak agents needed"] == 8


def test_a_stricter_target_weekend_and_the_chart(engine, db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    history(engine)
    assert run(tmp_path, db_url, "staffing", "--queue", "support", "--month", "2026-11", "--service-level", "0.9",
               "--within", "10", "--format", "json") == 0
    nine = json.loads(capsys.readouterr().out)["rows"][0]
    assert nine["agents_needed"] == 9 and nine["predicted_sl"] >= 0.9
    assert run(tmp_path, db_url, "staffing", "--queue", "support", "--month", "2026-11", "--days", "weekend",
               "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["rows"] == []
    png = tmp_path / "staffing.png"
    assert run(tmp_path, db_url, "staffing", "--queue", "support", "--month", "2026-11", "--format", "png",
               "-o", str(png)) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_usage_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    assert run(tmp_path, url, "staffing", "--month", "2026-11") == 2
    assert "needs --queue Q and --month" in capsys.readouterr().err
    assert run(tmp_path, url, "staffing", "--queue", "support", "--month", "2026-11", "--service-level", "80") == 2
    assert "between 0 and 1" in capsys.readouterr().err
