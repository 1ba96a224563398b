"""Placeholder prompts spoken by espeak-ng, written as 8 kHz 16-bit mono WAV."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from ..errors import IVRError

ESPEAK_VOICES = {"en": "en", "pl": "pl", "hu": "hu", "lt": "lt"}
PLACEHOLDER_MARK = ".placeholder"  # a sibling file saying "this is synthetic speech"


def load_catalog(path: Path) -> dict[str, dict[str, str]]:
    """prompts/catalog.yaml: {name: {lang: text}}."""
    data = yaml.safe_load(path.read_text()) or {}
    return {str(k): {str(lang): str(text) for lang, text in (v or {}).items()} for k, v in data.items()}


def require_tools() -> None:
    """IVRError naming the tool when espeak-ng or sox is missing; checked once per batch."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise IVRError(f"{tool} is missing: apt-get install espeak-ng sox (make run/test do this)")


def synth(text: str, language: str, target: Path) -> None:
    """Speak text into target (WAV, 8 kHz, 16-bit, mono) and mark it a placeholder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", ESPEAK_VOICES.get(language, language), "-s", "160",
                        "-w", str(raw), text], check=True, capture_output=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                        str(target), "norm", "-3",
                        # espeak-ng pads each word with silence: trimmed, values don't sound gappy
                        "silence", "1", "0.01", "-45d", "reverse", "silence", "1", "0.01", "-45d", "reverse",
                        "pad", "0", "0.05"], check=True, capture_output=True)
    target.with_name(target.name + PLACEHOLDER_MARK).write_text(f"espeak-ng {language}: {text}\n")


def synth_missing(catalog: dict[str, dict[str, str]], prompts_dir: Path, languages: list[str]) -> list[Path]:
    """Synthesize every catalog prompt that has no file yet; return what was written."""
    written = []
    require_tools()
    for name, texts in sorted(catalog.items()):
        for lang in languages:
            target = prompts_dir / lang / f"{name}.wav"
            if target.exists() or lang not in texts:
                continue
            synth(texts[lang], lang, target)
            written.append(target)
    return written
