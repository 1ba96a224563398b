"""Turn a finished MixMonitor file into a `recordings` row.

Asterisk sends no MixMonitorStop on hangup, so "finished" is read off the
file itself: MixMonitor writes a WAV header with zero sizes and fixes it
when it closes the file, so a WAV is closed when its RIFF and data sizes
match the file size and the size then stays put for a moment. Other formats
have no such header; for them only the steady size counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import struct
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..store.models import Recording

log = logging.getLogger("ivr.recordings")

POLL_S = 0.25
STABLE_S = 0.5        # the size must not move for this long
NON_WAV_STABLE_S = 2  # no header to trust: wait longer


@dataclass(frozen=True)
class FileState:
    size: int
    header_ok: bool   # for WAV: sizes in the header match the file; else always True


def wav_header_complete(path: Path) -> bool:
    """True if the RIFF size and the data chunk size agree with the file size."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return False
            (riff_size,) = struct.unpack("<I", head[4:8])
            if riff_size + 8 != size:
                return False
            offset = 12
            while offset + 8 <= size:   # walk the chunks to "data"
                f.seek(offset)
                cid, csize = struct.unpack("<4sI", f.read(8))
                if cid == b"data":
                    rest = size - (offset + 8)
                    return rest in (csize, csize + 1)   # +1: the pad byte of an odd-sized chunk
                offset += 8 + csize + (csize & 1)
            return False
    except OSError:
        return False


def file_state(path: Path, fmt: str) -> FileState | None:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    return FileState(size, wav_header_complete(path) if fmt == "wav" else True)


async def wait_closed(path: Path, fmt: str, timeout: float) -> FileState | None:
    """The file's state once closed; None if it never appeared or never closed in time."""
    stable_for = STABLE_S if fmt == "wav" else NON_WAV_STABLE_S
    deadline = time.monotonic() + timeout
    last: FileState | None = None
    since = time.monotonic()
    while True:
        # stat and header reads are blocking file I/O: keep them off the event loop
        state = await asyncio.to_thread(file_state, path, fmt)
        now = time.monotonic()
        if state != last:
            last, since = state, now
        elif state is not None and state.header_ok and state.size > 0 and now - since >= stable_for:
            return state
        if now >= deadline:
            return None
        await asyncio.sleep(POLL_S)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def duration_of(path: Path) -> float:
    from pydub import AudioSegment
    return len(AudioSegment.from_file(path)) / 1000.0


def store_row(engine: Engine, row: Recording) -> Recording:
    """Insert row unless one exists for its unique_id (idempotent, race-safe)."""
    with Session(engine, expire_on_commit=False) as session:
        found = session.scalars(select(Recording).where(Recording.unique_id == row.unique_id)).first()
        if found is not None:
            return found
        session.add(row)
        try:
            session.commit()
            return row
        except IntegrityError:  # another finalize() of the same call won
            session.rollback()
            return session.scalars(select(Recording).where(Recording.unique_id == row.unique_id)).one()


def _describe(engine: Engine, recordings_dir: Path, path: Path, unique_id: str, caller_id: str,
              queue: str, agent: str, started_at: datetime) -> Recording:
    return store_row(engine, Recording(
        unique_id=unique_id, caller_id=caller_id or "", queue=queue or "", agent=agent or "",
        started_at=started_at, duration_s=round(duration_of(path), 3), size_bytes=path.stat().st_size,
        path=str(path.relative_to(recordings_dir)), sha256=sha256_of(path)))


async def finalize(engine: Engine, recordings_dir: Path, unique_id: str, caller_id: str, queue: str,
                   agent: str, started_at: datetime, timeout: float = 30, *,
                   fmt: str = "wav") -> Recording | None:
    """Wait for `<recordings_dir>/<unique_id>.<fmt>` to be closed, then store its row.

    None (and a log line) if the file never appears, e.g. a caller who
    declined has none by design, or if it is still being written at timeout.
    Calling it twice for one call returns the row already stored.
    """
    recordings_dir = Path(recordings_dir)
    if not unique_id or "/" in unique_id or unique_id.startswith("."):
        raise ValueError(f"unique id {unique_id!r} cannot name a recording file")
    path = recordings_dir / f"{unique_id}.{fmt}"
    state = await wait_closed(path, fmt, timeout)
    if state is None:
        if path.exists():
            log.warning("recording %s still being written after %s s; not stored", path, timeout,
                        extra={"uid": unique_id})
        else:
            log.info("no recording file %s (no consent, or MixMonitor never started)", path,
                     extra={"uid": unique_id})
        return None
    row = await asyncio.to_thread(_describe, engine, recordings_dir, path, unique_id, caller_id,
                                  queue, agent, started_at)
    log.info("recording stored: %s (%.1f s, %d bytes)", row.path, row.duration_s, row.size_bytes,
             extra={"uid": unique_id})
    return row
