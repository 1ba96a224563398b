"""`ivr recordings check`: the recordings directory against the rows.

What needs attention (the command exits 1):
- orphan: a file that no row names, and that nobody is writing (a live
  call's file is `recording` until its row is stored, and needs nothing);
  retention deletes orphans by their modification time;
- missing: a row whose file is not on disk;
- changed: a row whose file's size is not the size stored.
What is only noted: rows marked `empty` (no audio) and `repaired`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from .files import held_for_writing
from .store import EMPTY, REPAIRED, live_rows, orphan_files

ATTENTION = ("orphan", "missing", "changed")
NOTES = ("recording", EMPTY, REPAIRED)


@dataclass(frozen=True)
class Finding:
    kind: str            # one of ATTENTION or NOTES
    path: str            # relative to the recordings directory
    message: str
    id: int | None = None
    unique_id: str = ""

    @property
    def attention(self) -> bool:
        return self.kind in ATTENTION

    def line(self, recordings_dir: Path) -> str:
        return f"{Path(recordings_dir) / self.path}: {self.kind}: {self.message}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "attention": self.attention, "path": self.path, "id": self.id,
                "unique_id": self.unique_id, "message": self.message}


def check(engine: Engine, recordings_dir: Path, retention_days: int, quiet_s: float | None = None) -> list[Finding]:
    """Findings, by path. A file without a row counts as a live call's while it
    is held open for writing or was written in the last quiet_s seconds."""
    from .finalize import ABANDONED_S
    quiet_s = ABANDONED_S if quiet_s is None else quiet_s
    base = Path(recordings_dir)
    found: list[Finding] = []
    for r in live_rows(engine):
        path = base / r.path
        ref = dict(id=r.id, unique_id=r.unique_id)
        try:
            size = path.stat().st_size if path.is_file() else None
        except OSError:
            size = None
        if size is None:
            found.append(Finding("missing", r.path, f"recording {r.id} (call {r.unique_id}) has no file on disk",
                                 **ref))
            continue
        if size != r.size_bytes:
            found.append(Finding("changed", r.path, f"recording {r.id} (call {r.unique_id}): file is {size} bytes, "
                                 f"{r.size_bytes} when stored", **ref))
        if r.state == EMPTY:
            found.append(Finding(EMPTY, r.path, f"recording {r.id} (call {r.unique_id}) holds no audio "
                                 f"({r.size_bytes} bytes: a header only, or nothing)", **ref))
        elif r.state == REPAIRED:
            found.append(Finding(REPAIRED, r.path, f"recording {r.id} (call {r.unique_id}): WAV header was never "
                                 f"finalized and was rewritten from the file size ({r.duration_s:.1f} s)", **ref))
    now = time.time()
    for o in orphan_files(engine, recordings_dir):
        age = now - o.modified.timestamp()
        if age < quiet_s or held_for_writing(base / o.path, max_age=60):
            found.append(Finding("recording", o.path, f"no row yet: being written "
                                 f"({o.size_bytes} bytes, last written {age:.0f} s ago)"))
            continue
        due = o.modified.timestamp() + retention_days * 86400
        when = ("past retention: `ivr recordings purge --yes` deletes it" if due <= now else
                f"retention deletes it after {time.strftime('%Y-%m-%d %H:%M', time.gmtime(due))} UTC")
        found.append(Finding("orphan", o.path, f"no recordings row ({o.size_bytes} bytes, modified "
                             f"{o.modified:%Y-%m-%d %H:%M} UTC); {when}"))
    return sorted(found, key=lambda f: (f.path, f.kind))
