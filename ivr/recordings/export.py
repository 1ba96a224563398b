"""Export a recording to WAV, MP3 or OGG (pydub, which runs ffmpeg); audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from ..errors import ExportFailed
from . import EXPORT_FORMATS
from .store import RecordingInfo, audit, file_of

FORMATS = EXPORT_FORMATS
# ffmpeg picks no Vorbis encoder for .ogg by itself on every build: name it.
_CODECS = {"wav": None, "mp3": "libmp3lame", "ogg": "libvorbis"}
MEDIA_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg"}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    fmt: str
    size_bytes: int


def export(engine: Engine, recordings_dir: Path, info: RecordingInfo, out: Path, fmt: str,
           actor: str) -> ExportResult:
    """Convert the recording into out; the audit row is written once the file exists."""
    if fmt not in FORMATS:
        raise ExportFailed(f"export format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    src = file_of(recordings_dir, info)
    from pydub import AudioSegment
    try:
        audio = AudioSegment.from_file(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        audio.export(out, format=fmt, codec=_CODECS[fmt]).close()
    except Exception as exc:  # pydub raises CouldntEncodeError, OSError, ... with ffmpeg's output
        raise ExportFailed(f"recording {info.id}: export to {fmt} at {out} failed: "
                           f"{str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__}") from None
    result = ExportResult(out, fmt, out.stat().st_size)
    audit(engine, actor, "export", info.unique_id, f"recording {info.id} as {fmt}, {result.size_bytes} bytes -> {out}")
    return result
