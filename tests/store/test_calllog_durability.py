"""The call log under faults, on SQLite and PostgreSQL: a database away, a retry of
what may have landed, a second session claiming a call, a controller that died."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import create_engine, event

from ivr.store.calllog import CallLogWriter, CallRecord, close_lost_calls
from ivr.store.calls import get_call
from ivr.store.db import open_engine


def _call(uid: str, session: str, caller: str = "48600100200", owner: str = "ctl-a") -> CallRecord:
    return CallRecord(unique_id=uid, caller_id=caller, called="800", session=session, owner=owner)


def _walk(writer: CallLogWriter, rec: CallRecord, end: bool = True) -> None:
    writer.start_call(rec)
    rec.step("main", "enter")
    rec.step("main", "input", digits="1")
    rec.step("tariffs", "enter")
    if end:
        rec.outcome = "hangup"
        writer.end_call(rec)


def test_calls_made_while_the_database_is_away_land_once_when_it_is_back(db_url, tmp_path):
    engine = open_engine(db_url)
    away = {"on": True}
    flaky = create_engine(db_url)

    @event.listens_for(flaky, "do_connect")
    def refuse(*args, **kwargs):   # as a stopped PostgreSQL or an unwritable SQLite file does
        if away["on"]:
            raise ConnectionRefusedError("connection refused")

    writer = CallLogWriter(flaky, spool_dir=tmp_path)
    for i in range(20):
        _walk(writer, _call(f"away-{i}", f"s{i}"))
    writer.flush()
    assert writer.depth > 0 and get_call(engine, "away-0") is None
    away["on"] = False
    assert writer.wait_landed(30)
    writer.close()
    for i in range(20):
        call = get_call(engine, f"away-{i}")
        assert call.outcome == "hangup" and call.digits == "1"
        assert [s.node for s in call.steps] == ["main", "main", "tariffs"]


def test_writing_the_same_records_again_doubles_nothing(db_url):
    engine = open_engine(db_url)
    rec = _call("twice", "s1")
    for _ in range(2):   # a batch whose commit was cut is written again
        w = CallLogWriter(engine)
        _walk(w, rec)
        w.close()
        rec.steps.clear()
        rec.ended_at = None
    call = get_call(engine, "twice")
    assert [s.node for s in call.steps] == ["main", "main", "tariffs"]


def test_a_second_session_claiming_a_call_writes_nothing(db_url, caplog):
    engine = open_engine(db_url)
    w = CallLogWriter(engine)
    _walk(w, _call("claimed", "real-session", caller="48600100200"))
    w.flush()
    forged = _call("claimed", "forged-session", caller="666")
    w.start_call(forged)
    forged.step("evil", "enter")
    forged.outcome = "error"
    w.end_call(forged)
    w.close()
    call = get_call(engine, "claimed")
    assert (call.caller_id, call.outcome, [s.node for s in call.steps]) == \
        ("48600100200", "hangup", ["main", "main", "tariffs"])
    assert any("refused a session claiming" in r.getMessage() for r in caplog.records)


def test_calls_a_dead_controller_left_open_are_closed_at_its_last_step(db_url):
    engine = open_engine(db_url)
    w = CallLogWriter(engine)
    mine, other = _call("lost-1", "s1", owner="ctl-a"), _call("alive-1", "s2", owner="ctl-b")
    _walk(w, mine, end=False)
    _walk(w, other, end=False)
    w.close()
    assert close_lost_calls(engine, "ctl-a") == ["lost-1"]
    lost, alive = get_call(engine, "lost-1"), get_call(engine, "alive-1")
    assert (lost.outcome, lost.hangup_cause) == ("controller-lost", "controller-lost")
    assert lost.ended_at == max(s.at for s in lost.steps)
    assert alive.ended_at is None          # another controller's call is not this one's to close
    assert close_lost_calls(engine, "ctl-a") == []


def test_a_spooled_call_survives_a_restart_of_the_writer(db_url, tmp_path):
    engine = open_engine(db_url)
    dead = create_engine("sqlite:////nonexistent/dir/ivr.db")
    w = CallLogWriter(dead, spool_dir=tmp_path)
    rec = _call("spooled", "s1")
    rec.started_at = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    _walk(w, rec)
    w.flush()
    w.close()
    again = CallLogWriter(engine, spool_dir=tmp_path)   # the next run of the controller
    assert again.wait_landed(30)
    again.close()
    call = get_call(engine, "spooled")
    assert call.started_at == rec.started_at and call.outcome == "hangup" and call.digits == "1"


def test_sqlite_files_made_unwritable_neither_kill_the_process_nor_lose_calls(tmp_path):
    """chattr +i on the database, its WAL and its shared-memory file (root ignores file
    modes): touching the mapped -shm would be SIGBUS. Writes are spooled, reads fail over,
    and everything lands once the files are writable again."""
    import subprocess

    from ivr.data.cache import ResilientData
    from ivr.data.store import DataSource
    from ivr.errors import DataUnavailable

    db = tmp_path / "ivr.db"
    engine = open_engine(f"sqlite:///{db}")
    writer = CallLogWriter(engine, spool_dir=tmp_path / "spool")
    data = ResilientData(DataSource(engine))
    data.warm()
    _walk(writer, _call("before", "s0"))
    writer.flush()
    files = [str(db), f"{db}-wal", f"{db}-shm"]
    subprocess.run(["chattr", "+i", *files], check=True)
    try:
        for i in range(10):
            _walk(writer, _call(f"during-{i}", f"s{i + 1}"))
        writer.flush()
        assert writer.depth > 0
        assert data.tariffs(datetime(2026, 11, 30).date()) == []   # from memory (none loaded)
        try:
            data.by_caller_id("48600100200")
            raise AssertionError("an account lookup cannot be answered now")
        except DataUnavailable:
            pass
    finally:
        subprocess.run(["chattr", "-i", *files], check=True)
    assert writer.wait_landed(30)
    _walk(writer, _call("after", "s99"))
    writer.close()
    for uid in ["before", *(f"during-{i}" for i in range(10)), "after"]:
        call = get_call(engine, uid)
        assert call is not None and call.outcome == "hangup" and call.digits == "1", uid
