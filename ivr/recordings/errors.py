"""The recordings package's errors, defined with the rest of the tree in
ivr/errors.py and named here too so the package's modules import them from
one short place.

    IVRError
    └── RecordingError          a recording cannot be found, read or written
        ├── UnknownRecording    no row for this id / unique id
        ├── RecordingFileMissing the row exists, its file is not on disk
        ├── RecordingDeleted    purged: the row stays for the audit log, the file is gone
        └── ExportFailed        pydub/ffmpeg could not convert the file
"""

from __future__ import annotations

from ..errors import ExportFailed, RecordingDeleted, RecordingError, RecordingFileMissing, UnknownRecording

__all__ = ["ExportFailed", "RecordingDeleted", "RecordingError", "RecordingFileMissing", "UnknownRecording"]
