"""Errors of the recordings package.

    IVRError
    └── RecordingError          a recording cannot be found, read or written
        ├── UnknownRecording    no row for this id / unique id
        ├── RecordingFileMissing the row exists, its file is not on disk
        ├── RecordingDeleted    purged: the row stays for the audit log, the file is gone
        └── ExportFailed        pydub/ffmpeg could not convert the file
"""

from __future__ import annotations

from ..errors import IVRError


class RecordingError(IVRError):
    pass


class UnknownRecording(RecordingError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(f"no recording {key!r} (give its id or the call's unique id)")


class RecordingFileMissing(RecordingError):
    def __init__(self, key: str, path: str):
        self.key, self.path = key, path
        super().__init__(f"recording {key}: file missing on disk: {path}")


class RecordingDeleted(RecordingError):
    def __init__(self, key: str, at: str):
        self.key, self.at = key, at
        super().__init__(f"recording {key} was deleted at {at}")


class ExportFailed(RecordingError):
    pass
