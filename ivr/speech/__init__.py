"""Speaking values as prompt fragments, per language."""

from __future__ import annotations

from ..errors import ConfigError


def expand(item, language: str) -> list[str]:
    """Fragments for a {say: KIND, value: ...} prompt item."""
    raise ConfigError(f"say: {item.kind} is not supported yet (language {language})")
