"""MixMonitor files on disk: the WAV header, its repair, and who still writes them.

MixMonitor writes a WAV header with RIFF and data sizes of 0 when it opens
the file and fills them in when Asterisk closes it. A file whose Asterisk
died mid-call keeps the zeros for ever; its samples are all there. Such a
file is repaired by rewriting those two sizes from the file size, in a copy
that then replaces the file (rename), so the sample bytes never change and
a crash leaves either the old file or the new one.

A file counts as abandoned (nobody will ever close it) only when its size
has not moved for a while and no process on this host holds it open for
writing (read from /proc). When that cannot be read (Asterisk runs as
another user, or elsewhere), only a much longer silence counts: a live call
may send no audio for a while, and a file rewritten under a live
MixMonitor loses what it writes next.
"""

from __future__ import annotations

import os
import shutil
import stat
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# Processes that write recordings: /proc/PID/comm of Asterisk's main process.
WRITER_NAMES = frozenset({"asterisk"})
_MAX_CHUNKS = 64     # before "data": fmt, fact, LIST ... a real header has two or three


@dataclass(frozen=True)
class WavLayout:
    """Where a WAV's samples lie, and what its header says about them."""

    size: int           # the file's size
    riff_size: int      # as written in the header
    data_offset: int    # the first sample byte
    data_size: int      # as written in the data chunk's header
    byte_rate: int      # from the fmt chunk (0 if it has none)

    @property
    def audio_bytes(self) -> int:
        return self.size - self.data_offset

    @property
    def closed(self) -> bool:
        """The header's sizes agree with the file (+1: the pad byte of an odd-sized chunk)."""
        return self.riff_size + 8 == self.size and self.audio_bytes in (self.data_size, self.data_size + 1)

    @property
    def duration_s(self) -> float:
        return self.audio_bytes / self.byte_rate if self.byte_rate else 0.0


def read_wav(path: Path) -> WavLayout | None:
    """The layout of a RIFF/WAVE file, trusting the sizes of the chunks before
    "data" (written once, at open) but not the RIFF and data sizes; None if
    the file is missing, not a WAV, or too short to hold a data chunk header."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            (riff_size,) = struct.unpack("<I", head[4:8])
            offset, byte_rate = 12, 0
            for _ in range(_MAX_CHUNKS):
                if offset + 8 > size:
                    return None
                f.seek(offset)
                cid, csize = struct.unpack("<4sI", f.read(8))
                if cid == b"data":
                    return WavLayout(size, riff_size, offset + 8, csize, byte_rate)
                if cid == b"fmt " and csize >= 16:
                    fmt = f.read(16)
                    if len(fmt) == 16:
                        byte_rate = struct.unpack("<HHIIHH", fmt)[3]
                offset += 8 + csize + (csize & 1)
            return None
    except OSError:
        return None


def wav_header_complete(path: Path) -> bool:
    """True if the RIFF size and the data chunk size agree with the file size."""
    layout = read_wav(path)
    return layout is not None and layout.closed


def repair_wav(path: Path) -> WavLayout:
    """Rewrite the RIFF and data sizes from the file size; the sample bytes stay
    as they are. Atomic: a fixed copy beside the file replaces it by rename.
    ValueError if the file is no WAV or changed while being repaired."""
    path = Path(path)
    before = os.stat(path)
    layout = read_wav(path)
    if layout is None:
        raise ValueError(f"{path}: not a WAV file with a data chunk; cannot repair its header")
    tmp = path.with_name(f".{path.name}.repairing")
    try:
        shutil.copyfile(path, tmp)
        shutil.copystat(path, tmp)       # mode and times: the recording ended when it was last written
        with open(tmp, "r+b") as f:
            if os.fstat(f.fileno()).st_size != layout.size:
                raise ValueError(f"{path}: changed while being copied; not repaired")
            f.seek(4)
            f.write(struct.pack("<I", layout.size - 8))
            f.seek(layout.data_offset - 4)
            f.write(struct.pack("<I", layout.audio_bytes))
            f.flush()
            os.fsync(f.fileno())
        os.utime(tmp, ns=(before.st_atime_ns, before.st_mtime_ns))
        now = os.stat(path)
        if (now.st_size, now.st_mtime_ns, now.st_ino) != (before.st_size, before.st_mtime_ns, before.st_ino):
            raise ValueError(f"{path}: changed while being repaired; not repaired")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    fixed = read_wav(path)
    assert fixed is not None and fixed.closed, f"{path}: header still wrong after repair"
    return fixed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Writers:
    """Files open for writing on this host, by (device, inode), as seen at `at`."""

    at: float                          # time.monotonic()
    files: frozenset[tuple[int, int]]
    unsure: bool                       # an Asterisk process whose descriptors we may not read
    readable: bool = True              # False: no /proc at all


_last = Writers(float("-inf"), frozenset(), True, False)
_lock = threading.Lock()


def open_for_writing(max_age: float = 0.0, proc: Path = Path("/proc")) -> Writers:
    """One scan of every process's descriptors, shared by all callers for max_age
    seconds (many calls waiting on their files cost one scan, not one each)."""
    global _last
    with _lock:
        if time.monotonic() - _last.at <= max_age and proc == Path("/proc"):
            return _last
        found, unsure = set(), False
        try:
            pids = [p for p in os.listdir(proc) if p.isdigit()]
        except OSError:
            return Writers(time.monotonic(), frozenset(), True, False)
        for pid in pids:
            fd_dir = proc / pid / "fd"
            try:
                fds = os.listdir(fd_dir)
            except FileNotFoundError:
                continue                      # the process is gone
            except OSError:
                unsure = unsure or _comm(proc, pid) in WRITER_NAMES
                continue
            for fd in fds:
                try:
                    target = os.stat(fd_dir / fd)
                except OSError:
                    continue
                if stat.S_ISREG(target.st_mode) and _writable(proc, pid, fd):
                    found.add((target.st_dev, target.st_ino))
        seen = Writers(time.monotonic(), frozenset(found), unsure)
        if proc == Path("/proc"):
            _last = seen
        return seen


def held_for_writing(path: Path, max_age: float = 0.0, proc: Path = Path("/proc")) -> bool | None:
    """Whether a process on this host has the file open for writing (matched
    by device and inode, so a chroot's other path to it counts): True or
    False; None if that cannot be told (no /proc, or an Asterisk process
    whose descriptors we may not read)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    seen = open_for_writing(max_age, proc)
    if (st.st_dev, st.st_ino) in seen.files:
        return True
    return None if seen.unsure or not seen.readable else False


def _comm(proc: Path, pid: str) -> str:
    try:
        return (proc / pid / "comm").read_text().strip()
    except OSError:
        return ""


def _writable(proc: Path, pid: str, fd: str) -> bool:
    """Open for writing (or unknown: counted as a writer, to be safe)."""
    try:
        for line in (proc / pid / "fdinfo" / fd).read_text().splitlines():
            if line.startswith("flags:"):
                return int(line.split()[1], 8) & os.O_ACCMODE != os.O_RDONLY
    except (OSError, ValueError, IndexError):
        pass
    return True


@dataclass(frozen=True)
class DiskFile:
    """A regular file under the recordings directory."""

    path: str           # relative to the directory
    size_bytes: int
    mtime: float        # seconds since the epoch


def files_in(recordings_dir: Path) -> list[DiskFile]:
    """Every regular file under the directory (symbolic links are not followed), sorted by path."""
    base = Path(recordings_dir)
    found: list[DiskFile] = []
    stack = [base]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                stack.append(Path(entry.path))
            elif stat.S_ISREG(st.st_mode):
                found.append(DiskFile(Path(entry.path).relative_to(base).as_posix(), st.st_size, st.st_mtime))
    return sorted(found, key=lambda f: f.path)
