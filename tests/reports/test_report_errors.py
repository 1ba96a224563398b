"""Report inputs a new user got wrong (issue 13's trial): each is one line naming what is
wrong, exit 1, no traceback, and nothing is created."""

from __future__ import annotations

import pytest

from support import ivr_cli


def _report(tmp_path, url: str, *args: str):
    return ivr_cli("report", *args, env={"IVR_DATABASE_URL": url})


@pytest.mark.parametrize("url, says", [
    ("bogus", "database URL 'bogus' (database.url or IVR_DATABASE_URL)"),
    ("/var/lib/ivr/ivr.db", "use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"),   # a bare path
    ("mysql://x@localhost/y", "its driver (MySQLdb) is not installed"),
])
def test_a_bad_database_url_is_named(tmp_path, url, says):
    res = _report(tmp_path, url, "handle-times")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert says in res.stderr and len(res.stderr.splitlines()) == 1, res.stderr


def test_a_missing_database_is_refused_not_created(tmp_path):
    path = tmp_path / "nodir" / "ivr.db"
    res = _report(tmp_path, f"sqlite:///{path}", "handle-times")
    assert res.returncode == 1 and f"no database at {path}" in res.stderr
    assert not path.parent.exists()


@pytest.mark.parametrize("args, says", [
    (["handle-times", "--until", "9999-12-31T23:00-05:00"], "--until '9999-12-31T23:00-05:00': out of range"),
    (["billing", "--month", "9999-12"], "--month '9999-12': out of range"),
    (["handle-times", "--queue", "suport"], "--queue 'suport': no such queue"),
])
def test_out_of_range_dates_and_unknown_queues_are_named(tmp_path, args, says):
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    assert ivr_cli("calls", "list", env={"IVR_DATABASE_URL": url}).returncode == 0   # the database exists
    res = _report(tmp_path, url, *args)
    assert res.returncode == 1 and says in res.stderr and "Traceback" not in res.stderr, res.stderr
