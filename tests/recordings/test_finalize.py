"""finalize(): a MixMonitor file becomes a row only once it is closed."""

from __future__ import annotations

import asyncio
import hashlib
import struct
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.recordings.finalize import finalize, wav_header_complete
from ivr.store.models import Recording
from support import run

STARTED = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def _open_header(path):
    """Zero the RIFF and data sizes, as MixMonitor leaves them while writing."""
    data = bytearray(path.read_bytes())
    data[4:8] = struct.pack("<I", 0)
    data[40:44] = struct.pack("<I", 0)    # sox writes a plain 44-byte header
    assert data[36:40] == b"data"
    path.write_bytes(bytes(data))
    return data


def test_header_check(tmp_path, make_wav):
    path = make_wav(tmp_path / "a.wav", 1)
    assert wav_header_complete(path)
    _open_header(path)
    assert not wav_header_complete(path)
    with open(path, "ab") as f:        # more audio after a closed header: open again
        f.write(b"\0\0")
    assert not wav_header_complete(path)
    assert not wav_header_complete(tmp_path / "missing.wav")


def test_waits_while_written_then_stores(rec_env, make_wav):
    path = make_wav(rec_env.recordings / "1700000100.5.wav", 3)
    good = path.read_bytes()
    _open_header(path)

    async def scenario():
        task = asyncio.create_task(finalize(rec_env.engine, rec_env.recordings, "1700000100.5", "+4860",
                                            "support", "PJSIP/alice", STARTED, timeout=60))
        await asyncio.sleep(1.5)
        still_open = not task.done()
        path.write_bytes(good)             # MixMonitor closes the file: header fixed
        return still_open, await task

    still_open, row = run(scenario())
    assert still_open, "finalize() stored a file whose WAV header was still open"
    assert row is not None
    assert abs(row.duration_s - 3.0) < 0.05
    assert row.size_bytes == len(good)
    assert row.sha256 == hashlib.sha256(good).hexdigest()
    assert row.path == "1700000100.5.wav"
    assert (row.caller_id, row.queue, row.agent) == ("+4860", "support", "PJSIP/alice")


def test_no_file_gives_none_and_no_row(rec_env, caplog):
    caplog.set_level("INFO", logger="ivr.recordings")
    row = run(finalize(rec_env.engine, rec_env.recordings, "1700000200.9", "", "", "", STARTED, timeout=1))
    assert row is None
    assert "no recording file" in caplog.text
    with Session(rec_env.engine) as s:
        assert s.scalar(select(func.count()).select_from(Recording)) == 0


def test_never_closed_gives_none(rec_env, caplog, make_wav):
    path = make_wav(rec_env.recordings / "1700000300.1.wav", 1)
    _open_header(path)
    row = run(finalize(rec_env.engine, rec_env.recordings, "1700000300.1", "", "", "", STARTED, timeout=1.5))
    assert row is None
    assert "still being written" in caplog.text


def test_idempotent(rec_env, make_wav):
    make_wav(rec_env.recordings / "1700000400.2.wav", 1)
    first = run(finalize(rec_env.engine, rec_env.recordings, "1700000400.2", "1", "q", "a", STARTED, timeout=10))
    again = run(finalize(rec_env.engine, rec_env.recordings, "1700000400.2", "1", "q", "a", STARTED, timeout=10))
    assert first.id == again.id
    with Session(rec_env.engine) as s:
        assert s.scalar(select(func.count()).select_from(Recording)) == 1


def test_refuses_a_path_for_unique_id(rec_env):
    with pytest.raises(ValueError):
        run(finalize(rec_env.engine, rec_env.recordings, "../etc/passwd", "", "", "", STARTED, timeout=1))
