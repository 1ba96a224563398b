"""Turn prompt names into the files Asterisk plays: prompts/<lang>/<name>."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .items import Say

log = logging.getLogger("ivr.prompts")
AUDIO_EXTENSIONS = (".wav", ".gsm", ".sln", ".ulaw", ".alaw")


def prompt_files(directory: Path | str, language: str, name: str) -> list[Path]:
    """Every file that can play prompt `name` in `language` (one per format), first choice first."""
    base = f"{directory}/{language}/{name}"
    return [Path(base + ext) for ext in AUDIO_EXTENSIONS]


# How long a prompt's presence is trusted: every call plays the same prompts, and
# a stat per extension per prompt per call was a fifth of the IVR path's CPU. A
# recording added or removed is seen within this many seconds.
EXISTS_TTL_S = 10.0


@dataclass(frozen=True)
class PromptResolver:
    directory: Path
    default_language: str = "en"
    _seen: dict = field(default_factory=dict, compare=False, repr=False)

    def names(self, items: tuple, language: str) -> list[str]:
        """Prompt names in order, `say` items expanded into their fragments."""
        out: list[str] = []
        for item in items:
            if isinstance(item, Say):
                from ..speech import expand  # the speech rules are optional at import time
                out.extend(expand(item, language))
            else:
                out.append(item)
        return out

    def exists(self, name: str, language: str) -> bool:
        now = time.monotonic()
        seen = self._seen.get((name, language))
        if seen is not None and now - seen[1] < EXISTS_TTL_S:
            return seen[0]
        found = any(os.path.exists(f) for f in prompt_files(self.directory, language, name))
        self._seen[(name, language)] = (found, now)
        return found

    def file(self, name: str, language: str) -> str:
        """Absolute path without extension (Asterisk picks the format); falls
        back to the default language when a translation is missing."""
        if not self.exists(name, language) and self.exists(name, self.default_language):
            log.warning("prompt %s missing in %s, playing %s", name, language, self.default_language)
            language = self.default_language
        return f"{self.directory}/{language}/{name}"
