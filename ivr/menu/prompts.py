"""Turn prompt names into the files Asterisk plays: prompts/<lang>/<name>."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .model import Say

log = logging.getLogger("ivr.prompts")
AUDIO_EXTENSIONS = (".wav", ".gsm", ".sln", ".ulaw", ".alaw")


@dataclass(frozen=True)
class PromptResolver:
    directory: Path
    default_language: str = "en"

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
        base = self.directory / language / name
        return any(base.with_name(base.name + ext).exists() for ext in AUDIO_EXTENSIONS)

    def file(self, name: str, language: str) -> str:
        """Absolute path without extension (Asterisk picks the format); falls
        back to the default language when a translation is missing."""
        if not self.exists(name, language) and self.exists(name, self.default_language):
            log.warning("prompt %s missing in %s, playing %s", name, language, self.default_language)
            language = self.default_language
        return str(self.directory / language / name)
