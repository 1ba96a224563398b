"""MixMonitor files that did not end well: empty ones, and ones whose WAV
header Asterisk never finalized (killed mid-call). Real WAVs (sox, wave),
real files, real /proc: no mocks."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
import time
import wave
from datetime import datetime, timezone

from ivr.recordings.files import held_for_writing, read_wav, wav_header_complete
from ivr.recordings.finalize import finalize
from support import ivr_cli, run

STARTED = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
HOUR_AGO = time.time() - 3600


def _header_only(path):
    """What MixMonitor leaves when a call is recorded but no audio ever came: a closed WAV with no frames."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"")
    return path


def _unfinalized(path):
    """Zero the RIFF and data sizes, as a MixMonitor killed mid-call leaves them; the samples stay."""
    data = bytearray(path.read_bytes())
    assert data[36:40] == b"data"       # sox writes a plain 44-byte header
    data[4:8] = data[40:44] = struct.pack("<I", 0)
    path.write_bytes(bytes(data))
    return bytes(data)


def _age(path, when=HOUR_AGO):
    os.utime(path, (when, when))


def _json(rec_env, *args, code=0):
    done = ivr_cli("recordings", *args, "--format", "json", config=rec_env.config)
    assert done.returncode == code, done.stderr
    return json.loads(done.stdout)


def test_header_only_wav_is_stored_empty_and_not_listed(rec_env, three):
    path = _header_only(rec_env.recordings / "1700000500.1.wav")
    assert path.stat().st_size == 44 and wav_header_complete(path)
    row = run(finalize(rec_env.engine, rec_env.recordings, "1700000500.1", "+4860", "support", "a", STARTED,
                       timeout=10))
    assert (row.state, row.duration_s, row.size_bytes) == ("empty", 0.0, 44)
    assert row.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()

    listed = [r["unique_id"] for r in _json(rec_env, "list")]
    assert "1700000500.1" not in listed and len(listed) == 3          # never a playable 0.0 s recording
    with_empty = {r["unique_id"]: r["state"] for r in _json(rec_env, "list", "--include-empty")}
    assert with_empty["1700000500.1"] == "empty" and len(with_empty) == 4
    table = ivr_cli("recordings", "list", "--include-empty", config=rec_env.config).stdout
    line = next(x for x in table.splitlines() if "1700000500.1" in x)
    assert "empty" in line and "0.0" not in line

    assert _json(rec_env, "show", "1700000500.1")["state"] == "empty"
    shown = ivr_cli("recordings", "show", "1700000500.1", config=rec_env.config)
    assert shown.returncode == 0 and "empty: the file holds no audio" in shown.stdout


def test_zero_byte_file_left_by_a_dead_writer_is_empty(rec_env):
    path = rec_env.recordings / "1700000510.1.wav"
    path.write_bytes(b"")
    _age(path)
    row = run(finalize(rec_env.engine, rec_env.recordings, "1700000510.1", "", "", "", STARTED, timeout=2))
    assert row is not None and (row.state, row.size_bytes, row.duration_s) == ("empty", 0, 0.0)


def test_unfinalized_header_is_repaired_from_the_file_size(rec_env, make_wav, caplog):
    path = make_wav(rec_env.recordings / "1700000600.7.wav", 3)
    closed = path.read_bytes()                          # what Asterisk would have written at close
    broken = _unfinalized(path)
    _age(path)
    inode = path.stat().st_ino
    assert not wav_header_complete(path)

    # timeout=2: what the controller's start-up sweep gives a call that is already over
    row = run(finalize(rec_env.engine, rec_env.recordings, "1700000600.7", "+4860", "support", "PJSIP/alice",
                       STARTED, timeout=2))
    assert row is not None and row.state == "repaired"
    fixed = path.read_bytes()
    assert fixed[44:] == broken[44:]                    # sample data byte-identical
    assert fixed == closed                              # the header Asterisk would have written
    assert struct.unpack("<I", fixed[4:8])[0] == len(fixed) - 8
    assert struct.unpack("<I", fixed[40:44])[0] == len(fixed) - 44
    assert row.sha256 == hashlib.sha256(fixed).hexdigest()
    assert row.size_bytes == len(fixed) and abs(row.duration_s - 3.0) < 0.01
    assert path.stat().st_ino != inode                  # replaced by rename, not rewritten in place
    assert path.stat().st_mtime == HOUR_AGO or abs(path.stat().st_mtime - HOUR_AGO) < 1e-3
    assert [p.name for p in rec_env.recordings.iterdir()] == [path.name]   # no temporary copy left
    assert "never finalized" in caplog.text

    listed = {r["unique_id"]: r for r in _json(rec_env, "list")}
    assert listed["1700000600.7"]["state"] == "repaired" and listed["1700000600.7"]["duration_s"] == 3.0
    shown = ivr_cli("recordings", "show", "1700000600.7", config=rec_env.config)
    assert "repaired: the WAV header was never finalized" in shown.stdout
    again = run(finalize(rec_env.engine, rec_env.recordings, "1700000600.7", "", "", "", STARTED, timeout=2))
    assert again.id == row.id and path.read_bytes() == fixed


def test_a_growing_file_is_never_repaired(rec_env, make_wav):
    """Quiet-for-a-while set to 0: only the moving size tells a live call's file apart."""
    path = make_wav(rec_env.recordings / "1700000700.2.wav", 1)
    _unfinalized(path)
    inode, stop = path.stat().st_ino, threading.Event()

    def writer():                                       # MixMonitor: 20 ms of silence every 0.1 s
        with open(path, "ab") as f:
            while not stop.wait(0.1):
                f.write(b"\0" * 320)
                f.flush()

    t = threading.Thread(target=writer)
    t.start()
    try:
        row = run(finalize(rec_env.engine, rec_env.recordings, "1700000700.2", "", "", "", STARTED, timeout=3,
                           abandoned_after=0))
    finally:
        stop.set()
        t.join()
    assert row is None
    assert path.stat().st_ino == inode and path.read_bytes()[4:8] == b"\0\0\0\0"


def test_a_quiet_file_held_open_for_writing_is_never_repaired(rec_env, make_wav):
    """A live call that sends no audio: the size stands still, but Asterisk still has the file open."""
    path = make_wav(rec_env.recordings / "1700000800.3.wav", 1)
    broken = _unfinalized(path)
    with open(path, "ab") as live:                      # as MixMonitor holds it
        _age(path)
        assert held_for_writing(path) is True
        row = run(finalize(rec_env.engine, rec_env.recordings, "1700000800.3", "", "", "", STARTED, timeout=2))
        assert row is None and path.read_bytes() == broken
        assert not live.closed
    assert held_for_writing(path) is False
    with open(path, "rb"):                              # a reader (the console replaying it) is no writer
        assert held_for_writing(path) is False
        row = run(finalize(rec_env.engine, rec_env.recordings, "1700000800.3", "", "", "", STARTED, timeout=2))
    assert row.state == "repaired" and read_wav(path).closed


def test_a_recently_written_file_waits(rec_env, make_wav):
    """Not written for less than ABANDONED_S: maybe a live call between two bursts; left alone."""
    path = make_wav(rec_env.recordings / "1700000900.4.wav", 1)
    broken = _unfinalized(path)
    row = run(finalize(rec_env.engine, rec_env.recordings, "1700000900.4", "", "", "", STARTED, timeout=1.5))
    assert row is None and path.read_bytes() == broken


def _setup_check(rec_env, three, make_wav):
    a, b, old = three
    (rec_env.recordings / b.path).unlink()                                  # missing
    orphan = make_wav(rec_env.recordings / "1600000000.9.wav", 1)           # no row, 200 days old
    _age(orphan, time.time() - 200 * 86400)
    young = make_wav(rec_env.recordings / "1700001000.5.wav", 1)            # no row, a day old
    _age(young, time.time() - 86400)
    live = make_wav(rec_env.recordings / "1700001100.6.wav", 1)             # no row, being written now
    _unfinalized(live)
    _header_only(rec_env.recordings / "1700001200.7.wav")
    run(finalize(rec_env.engine, rec_env.recordings, "1700001200.7", "", "", "", STARTED, timeout=10))
    rep = make_wav(rec_env.recordings / "1700001300.8.wav", 2)
    _unfinalized(rep)
    _age(rep)
    run(finalize(rec_env.engine, rec_env.recordings, "1700001300.8", "", "", "", STARTED, timeout=2))
    return a, b, old


def test_check_reports_each_file_and_exits_1(rec_env, three, make_wav):
    clean = ivr_cli("recordings", "check", config=rec_env.config)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip() == "recordings directory and rows agree"

    a, b, old = _setup_check(rec_env, three, make_wav)
    done = ivr_cli("recordings", "check", config=rec_env.config)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    by_file = {line.split(": ", 1)[0]: line for line in lines[:-1]}
    d = rec_env.recordings
    assert ": orphan: no recordings row" in by_file[f"{d}/1600000000.9.wav"]
    assert "past retention" in by_file[f"{d}/1600000000.9.wav"]
    assert ": orphan: " in by_file[f"{d}/1700001000.5.wav"] and "retention deletes it after" \
        in by_file[f"{d}/1700001000.5.wav"]
    assert ": recording: no row yet" in by_file[f"{d}/1700001100.6.wav"]
    assert f": missing: recording {b.id} (call {b.unique_id}) has no file" in by_file[f"{d}/{b.path}"]
    assert ": empty: " in by_file[f"{d}/1700001200.7.wav"]
    assert ": repaired: " in by_file[f"{d}/1700001300.8.wav"]
    assert len(lines) == 7
    assert lines[-1] == "3 file(s) need attention (1 empty, 1 missing, 2 orphan, 1 recording, 1 repaired)"

    report = _json(rec_env, "check", code=1)
    assert report["attention"] == 3 and report["directory"] == str(d)
    kinds = {f["path"]: (f["kind"], f["attention"]) for f in report["findings"]}
    assert kinds == {"1600000000.9.wav": ("orphan", True), "1700001000.5.wav": ("orphan", True),
                     "1700001100.6.wav": ("recording", False), b.path: ("missing", True),
                     "1700001200.7.wav": ("empty", False), "1700001300.8.wav": ("repaired", False)}

    (d / "1600000000.9.wav").unlink()
    (d / "1700001000.5.wav").unlink()
    assert ivr_cli("recordings", "check", config=rec_env.config).returncode == 1        # b is still missing


def test_check_notes_alone_exit_0(rec_env, make_wav):
    _header_only(rec_env.recordings / "1700001200.7.wav")
    run(finalize(rec_env.engine, rec_env.recordings, "1700001200.7", "", "", "", STARTED, timeout=10))
    done = ivr_cli("recordings", "check", config=rec_env.config)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1] == "recordings directory and rows agree (1 empty)"
    assert ivr_cli("recordings", "check", "x", config=rec_env.config).returncode == 2


def test_retention_purges_orphan_files_only_with_yes(rec_env, three, make_wav):
    a, b, old = three
    orphan = make_wav(rec_env.recordings / "1600000000.9.wav", 1)
    _age(orphan, time.time() - 200 * 86400)
    young = make_wav(rec_env.recordings / "1700001000.5.wav", 1)
    _age(young, time.time() - 86400)

    plan = _json(rec_env, "purge")
    assert [o["path"] for o in plan["orphans"]] == ["1600000000.9.wav"] and plan["deleted"] == 0
    assert [r["unique_id"] for r in plan["recordings"]] == [old.unique_id]
    assert orphan.exists() and _json(rec_env, "audit") == []
    text = ivr_cli("recordings", "purge", config=rec_env.config).stdout
    assert "would delete 1 recording(s) started and 1 orphan file(s) modified before" in text
    assert "orphan file (no row): 1600000000.9.wav" in text

    done = ivr_cli("recordings", "purge", "--yes", config=rec_env.config)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 recording(s) started and 1 orphan file(s) modified before" in done.stdout
    assert not orphan.exists() and young.exists() and (rec_env.recordings / a.path).exists()
    audit = {e["unique_id"]: e for e in _json(rec_env, "audit")}
    assert audit["1600000000.9"]["action"] == "delete" and "orphan file" in audit["1600000000.9"]["detail"]
    assert "1600000000.9.wav" in audit["1600000000.9"]["detail"]
    assert audit[old.unique_id]["action"] == "delete"
    assert _json(rec_env, "purge", "--yes")["orphans"] == []


def test_retention_purges_empty_recordings_too(rec_env):
    from ivr.recordings.store import purge_plan
    _header_only(rec_env.recordings / "1600000100.1.wav")
    old = datetime(2020, 1, 1, tzinfo=timezone.utc)
    run(finalize(rec_env.engine, rec_env.recordings, "1600000100.1", "", "", "", old, timeout=10))
    assert [r.unique_id for r in purge_plan(rec_env.engine, 90).items] == ["1600000100.1"]
