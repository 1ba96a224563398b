"""A waveform picture of a recording (PNG, matplotlib), cached by content hash."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

BINS = 1200   # columns of min/max: enough for a page-wide picture


def waveform_png(src: Path, cache_dir: Path, sha256: str) -> Path:
    out = cache_dir / f"{sha256}.png"
    if out.exists():
        return out
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from pydub import AudioSegment

    audio = AudioSegment.from_file(src).set_channels(1)
    samples = audio.get_array_of_samples()
    peak = float(1 << (8 * audio.sample_width - 1))
    step = max(1, len(samples) // BINS)
    lows, highs = [], []
    for i in range(0, len(samples), step):
        chunk = samples[i:i + step]
        lows.append(min(chunk) / peak)
        highs.append(max(chunk) / peak)
    seconds = [i * step / audio.frame_rate for i in range(len(lows))]
    fig = Figure(figsize=(10, 1.6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.fill_between(seconds, lows, highs, color="#246", linewidth=0)
    ax.set_ylim(-1, 1)
    ax.set_xlim(0, max(len(audio) / 1000, 0.001))
    ax.set_yticks([])
    ax.set_xlabel("seconds")
    cache_dir.mkdir(parents=True, exist_ok=True)
    # write then rename: a request in parallel never reads half a PNG
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".png")
    with os.fdopen(fd, "wb") as f:
        fig.savefig(f, format="png", dpi=100)
    os.replace(tmp, out)
    return out
