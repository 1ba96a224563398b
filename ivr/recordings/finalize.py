"""Turn a finished MixMonitor file into a `recordings` row.

Asterisk sends no MixMonitorStop on hangup, so "finished" is read off the
file itself, in one of two ways:

- closed: MixMonitor writes a WAV header with zero sizes and fixes it when
  it closes the file, so a WAV is closed when its RIFF and data sizes match
  the file size and the size then stays put for a moment (STABLE_S). Other
  formats have no such header; for them only a steady size counts.
- abandoned: the header was never fixed (Asterisk killed mid-call), the
  file has not been written for ABANDONED_S, and no process holds it open
  for writing (see files.py; if that cannot be seen, UNSEEN_WRITER_S).
  Its header is then repaired from the file size and the row is marked
  `repaired`. A file still being written by a live call is never touched:
  it moves, or Asterisk holds it open.

A file with no audio (a header only, or 0 bytes) is stored as `empty`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from .files import held_for_writing, read_wav, repair_wav, wav_header_complete
from .store import EMPTY, OK, REPAIRED, NewRecording, RecordingInfo, store_row

__all__ = ["finalize", "wav_header_complete", "file_state", "wait_closed", "Finished"]

log = logging.getLogger("ivr.recordings")

POLL_S = 0.25
STABLE_S = 0.5          # the size must not move for this long
NON_WAV_STABLE_S = 2    # no header to trust: wait longer
ABANDONED_S = 30.0      # an unclosed file not written for this long, with no writer, is abandoned
UNSEEN_WRITER_S = 3600.0  # ... when whether a process writes it cannot be seen
WRITER_CHECK_S = 5.0    # look for a writer at most this often


@dataclass(frozen=True)
class FileState:
    size: int
    mtime_ns: int
    header_ok: bool   # for WAV: sizes in the header match the file; else always True


@dataclass(frozen=True)
class Finished:
    state: FileState
    abandoned: bool   # never closed by its writer: the header needs repair


def file_state(path: Path, fmt: str) -> FileState | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return FileState(st.st_size, st.st_mtime_ns, wav_header_complete(path) if fmt == "wav" else True)


def _abandoned(path: Path, state: FileState, abandoned_after: float) -> bool:
    quiet = time.time() - state.mtime_ns / 1e9
    if quiet < abandoned_after:
        return False
    held = held_for_writing(path, max_age=WRITER_CHECK_S)
    return held is False or (held is None and quiet >= max(abandoned_after, UNSEEN_WRITER_S))


async def wait_closed(path: Path, fmt: str, timeout: float,
                      abandoned_after: float = ABANDONED_S) -> Finished | None:
    """The file once closed or abandoned; None if it never appeared, or is still open at timeout."""
    stable_for = STABLE_S if fmt == "wav" else NON_WAV_STABLE_S
    deadline = time.monotonic() + timeout
    last: FileState | None = None
    since = time.monotonic()
    checked = -WRITER_CHECK_S
    while True:
        # stat, header reads and /proc are blocking file I/O: keep them off the event loop
        state = await asyncio.to_thread(file_state, path, fmt)
        now = time.monotonic()
        if state != last:
            last, since = state, now
        elif state is not None and now - since >= stable_for:
            if state.header_ok and state.size > 0:
                return Finished(state, abandoned=False)
            if now - checked >= WRITER_CHECK_S:
                checked = now
                if await asyncio.to_thread(_abandoned, path, state, abandoned_after):
                    return Finished(state, abandoned=True)
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


def _describe(engine: Engine, recordings_dir: Path, path: Path, fmt: str, done: Finished, unique_id: str,
              caller_id: str, queue: str, agent: str, started_at: datetime) -> RecordingInfo | None:
    state, duration = OK, 0.0
    if fmt == "wav":
        layout = read_wav(path)
        if done.abandoned and layout is not None and not layout.closed:
            try:
                layout = repair_wav(path)
            except (ValueError, OSError) as exc:   # it moved after all, or cannot be written: left as is
                log.error("recording %s: header not repaired: %s; not stored", path, exc, extra={"uid": unique_id})
                return None
            state = REPAIRED
            log.warning("recording %s: WAV header never finalized (its writer stopped mid-call); sizes "
                        "rewritten from the file size (%d bytes of audio)", path, layout.audio_bytes,
                        extra={"uid": unique_id})
        if layout is None:
            if path.stat().st_size >= 44:
                log.error("recording %s is not a WAV file (%d bytes); not stored", path, path.stat().st_size,
                          extra={"uid": unique_id})
                return None
            state = EMPTY               # shorter than a header: nothing was recorded
        elif layout.audio_bytes == 0:
            state = EMPTY
        else:
            duration = layout.duration_s
    elif path.stat().st_size == 0:
        state = EMPTY
    else:
        duration = duration_of(path)
    return store_row(engine, NewRecording(
        unique_id=unique_id, caller_id=caller_id or "", queue=queue or "", agent=agent or "",
        started_at=started_at, duration_s=round(duration, 3), size_bytes=path.stat().st_size,
        path=str(path.relative_to(recordings_dir)), sha256=sha256_of(path), state=state))


async def finalize(engine: Engine, recordings_dir: Path, unique_id: str, caller_id: str, queue: str,
                   agent: str, started_at: datetime, timeout: float = 30, *,
                   fmt: str = "wav", abandoned_after: float = ABANDONED_S) -> RecordingInfo | None:
    """Wait for `<recordings_dir>/<unique_id>.<fmt>` to be closed (or abandoned), then store its row.

    None (and a log line) if the file never appears, e.g. a caller who
    declined has none by design, or if it is still being written at timeout.
    Calling it twice for one call returns the row already stored.
    """
    recordings_dir = Path(recordings_dir)
    if not unique_id or "/" in unique_id or unique_id.startswith("."):
        raise ValueError(f"unique id {unique_id!r} cannot name a recording file")
    path = recordings_dir / f"{unique_id}.{fmt}"
    done = await wait_closed(path, fmt, timeout, abandoned_after)
    if done is None:
        if path.exists():
            log.warning("recording %s still being written after %s s; not stored", path, timeout,
                        extra={"uid": unique_id})
        else:
            log.info("no recording file %s (no consent, or MixMonitor never started)", path,
                     extra={"uid": unique_id})
        return None
    row = await asyncio.to_thread(_describe, engine, recordings_dir, path, fmt, done, unique_id, caller_id,
                                  queue, agent, started_at)
    if row is not None:
        log.info("recording stored: %s (%s, %.1f s, %d bytes)", row.path, row.state, row.duration_s,
                 row.size_bytes, extra={"uid": unique_id})
    return row
