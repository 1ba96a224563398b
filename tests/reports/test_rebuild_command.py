"""`ivr report rebuild` as the command runs it: one line out, exit 0; the handle-time report
reads the summary afterwards and shows the same figures; options it does not take are a
usage error (exit 2); a database that refuses is exit 1 with the error line, no traceback."""

from __future__ import annotations

import json

from report_data import load_callbacks, load_handle_times
from test_report_command import config, db, run  # noqa: F401  (db: the fixture)

from ivr.reports.summary.store import summary_figures


def test_rebuild_then_the_report_reads_the_summary(db, tmp_path, capsys):  # noqa: F811
    engine, path = db
    load_handle_times(engine)
    load_callbacks(engine)
    cfg = config(tmp_path, path, "queues: {service_level_s: 10}\n")
    assert run(cfg, "handle-times", "--by", "agent", "--format", "json") == 0
    before = json.loads(capsys.readouterr().out)["rows"]
    assert summary_figures(engine, None, None, None, "agent", "UTC", 10.0) is None

    assert run(cfg, "rebuild") == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("report summary rebuilt: ") and "(SL 10 s)" in out and len(out.splitlines()) == 1
    assert summary_figures(engine, None, None, None, "agent", "UTC", 10.0) is not None
    assert run(cfg, "handle-times", "--by", "agent", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["rows"] == before


def test_rebuild_takes_no_report_options(db, tmp_path, capsys):  # noqa: F811
    _, path = db
    assert run(config(tmp_path, path), "rebuild", "--since", "2026-01-01", "--format", "json") == 2
    err = capsys.readouterr().err
    assert err.startswith("ivr report: error: ") and "--since, --format do not apply" in err


def test_a_database_that_refuses_is_exit_1(db, tmp_path, capsys):  # noqa: F811
    engine, path = db
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE report_hours")
    assert run(config(tmp_path, path), "rebuild") == 1
    err = capsys.readouterr().err
    assert err.startswith("ivr report: error: the report summary could not be rebuilt: ")
    assert "Traceback" not in err
