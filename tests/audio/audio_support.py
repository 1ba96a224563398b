"""A small config with its own prompts directory, and audio made with the
`wave` module, sox and ffmpeg (the tools the product itself uses)."""

from __future__ import annotations

import argparse
import math
import struct
import subprocess
import wave
from pathlib import Path

CONFIG = """\
database:
  url: sqlite:///{db}
menu:
  entry: main
  languages: [{languages}]
  nodes:
    main:
      type: menu
      prompt: [welcome, main-menu]
      options: {{"1": tariffs, "2": balance}}
      invalid: invalid-option
      no_input: no-input
    tariffs:
      type: play
      prompt: [tariffs-intro, {{say: tariffs}}]
      next: main
    balance:
      type: play
      prompt: [your-balance-is, {{say: money, value: account.balance}}]
      next: main
"""


def write_config(tmp_path: Path, languages: str = "en", db: str = "data.db") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(db=tmp_path / db, languages=languages))
    (tmp_path / "prompts").mkdir(exist_ok=True)
    return path


def write_wav(path: Path, rate: int = 8000, channels: int = 1, seconds: float = 0.3,
              lead: float = 0.0, tail: float = 0.0, amplitude: float = 0.5) -> Path:
    """A 440 Hz tone with optional silence before and after, 16-bit PCM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for i in range(int(rate * (lead + seconds + tail))):
        t = i / rate
        v = amplitude * math.sin(2 * math.pi * 440 * t) if lead <= t < lead + seconds else 0.0
        frames += struct.pack("<h", int(v * 32767)) * channels
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return path


def parse(config: Path, *argv: str):
    from ivr.audio.command import add_prompts_parser
    parser = argparse.ArgumentParser(prog="ivr")
    parser.add_argument("--config", type=Path)
    add_prompts_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["--config", str(config), "prompts", *argv])


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True)
