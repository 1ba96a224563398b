"""How a hotline's calls may be recorded: the consent node follows it."""

from __future__ import annotations

from enum import Enum


class RecordingPolicy(str, Enum):
    """Jurisdictions differ; each hotline says which applies (config `recording:`)."""

    EXPLICIT = "explicit"     # asked; only the accept digit consents, silence is no
    ANNOUNCED = "announced"   # a notice; recorded unless the caller presses the decline (object) digit
    NEVER = "never"           # never recorded, never asked

    def __str__(self) -> str:
        return self.value
