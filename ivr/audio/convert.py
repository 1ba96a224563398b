"""Recordings (WAV, MP3, OGG, anything ffmpeg reads) to what Asterisk plays
without transcoding: 8 kHz 16-bit mono WAV, silence trimmed, loudness
normalised so every prompt of a menu sounds equally loud."""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConvertError
from .synth import PLACEHOLDER_MARK

RATE, CHANNELS = 8000, 1


@dataclass(frozen=True)
class ConvertOptions:
    target_dbfs: float = -18.0      # average loudness; a common level for telephony prompts
    peak_dbfs: float = -1.0         # never louder than this at a peak: no clipping after the gain
    silence_dbfs: float = -50.0     # quieter than this at the ends is trimmed
    keep_ms: int = 50               # silence kept at each end so onsets and tails are not cut


@dataclass(frozen=True)
class Converted:
    source: Path
    target: Path
    seconds: float
    replaced_placeholder: bool


def _pydub():
    with warnings.catch_warnings():
        # pydub imports audioop, deprecated in 3.11 (removed in 3.13; pydub then uses audioop-lts)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment, silence
    return AudioSegment, silence


def _trim(sound, opts: ConvertOptions):
    _, silence = _pydub()
    start = silence.detect_leading_silence(sound, silence_threshold=opts.silence_dbfs, chunk_size=10)
    end = silence.detect_leading_silence(sound.reverse(), silence_threshold=opts.silence_dbfs, chunk_size=10)
    if start >= len(sound):
        return None
    return sound[max(start - opts.keep_ms, 0):len(sound) - max(end - opts.keep_ms, 0)]


def convert(source: Path, target: Path, opts: ConvertOptions = ConvertOptions()) -> Converted:
    """Convert one file; the target is replaced atomically, so Asterisk never
    plays a half-written prompt, and its placeholder marker is removed."""
    AudioSegment, _ = _pydub()
    from pydub.exceptions import CouldntDecodeError

    if not source.is_file():
        raise ConvertError("no such file", source)
    try:
        sound = AudioSegment.from_file(str(source)).set_channels(1)
    except (CouldntDecodeError, IndexError, OSError, ValueError) as exc:
        # pydub says CouldntDecodeError with ffmpeg's whole stderr; its last line is the reason
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__
        reason = reason.replace(f"{source}: ", "")
        raise ConvertError(f"cannot decode: {reason}", source) from None
    trimmed = _trim(sound, opts)
    if trimmed is None:
        raise ConvertError(f"nothing louder than {opts.silence_dbfs:g} dBFS: silence only?", source)
    gain = min(opts.target_dbfs - trimmed.dBFS, opts.peak_dbfs - trimmed.max_dBFS)
    loud = trimmed.apply_gain(gain)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".convert-", suffix=".wav", dir=target.parent)
    os.close(fd)
    try:
        # ffmpeg resamples (with an anti-alias filter, unlike audioop) and writes s16le
        loud.export(tmp, format="wav", parameters=["-ar", str(RATE), "-ac", str(CHANNELS),
                                                   "-acodec", "pcm_s16le", "-map_metadata", "-1",
                                                   "-fflags", "+bitexact"])
        os.replace(tmp, target)
    except Exception as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConvertError(f"cannot write {target}: {exc}", source) from None
    marker = target.with_name(target.name + PLACEHOLDER_MARK)
    replaced = marker.exists()
    marker.unlink(missing_ok=True)
    return Converted(source, target, len(loud) / 1000, replaced)


def target_for(source: Path, out_dir: Path | None) -> Path:
    """OUTDIR/<stem>.wav, or beside the source (in place for a .wav)."""
    return (out_dir or source.parent) / (source.stem + ".wav")
