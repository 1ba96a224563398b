"""Reading Asterisk's queues.conf: the one parser, for `ivr validate` (which
queue names exist) and the AMI consumer (each queue's wrap-up time).

The syntax is Asterisk's: `[section]` headers, `key = value` or
`key => value` lines, `;` comments. `[name](!)` is a template, not a queue;
`[name](tmpl, ...)` inherits the settings of those sections (in order, the
section's own lines last). `[general]` holds defaults, not a queue.
`#include` and `#exec` lines are not followed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_HEADER = re.compile(r"\[([^\]]+)\]\s*(?:\(([^)]*)\))?")
_SETTING = re.compile(r"([A-Za-z0-9_-]+)\s*=>?\s*(.*)")


@dataclass(frozen=True)
class QueueConf:
    """One queue of queues.conf, templates applied."""

    name: str
    line: int                                   # of its [name] header
    wrapuptime: float = 0.0                     # seconds; [general]'s when the queue sets none
    settings: dict[str, str] = field(default_factory=dict)   # last value of each key, as written


@dataclass
class _Section:
    name: str
    line: int
    template: bool
    parents: list[str]
    settings: dict[str, str]


def parse_queues_conf(text: str) -> dict[str, QueueConf]:
    """The queues of a queues.conf text, in file order."""
    sections: list[_Section] = []
    current: _Section | None = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split(";", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and (m := _HEADER.match(line)):
            opts = [o.strip() for o in (m.group(2) or "").split(",") if o.strip()]
            current = _Section(m.group(1).strip(), n, "!" in opts, [o for o in opts if o != "!"], {})
            sections.append(current)
        elif current is not None and (m := _SETTING.fullmatch(line)):
            current.settings[m.group(1).lower()] = m.group(2).strip()
    by_name = {s.name: s for s in sections}   # a section may inherit from any other, template or not
    general: dict[str, str] = {}
    for s in sections:
        if s.name == "general":
            general.update(s.settings)
    default_wrapup = _seconds(general.get("wrapuptime")) or 0.0
    queues: dict[str, QueueConf] = {}
    for s in sections:
        if s.template or s.name == "general":
            continue
        settings = _inherited(s, by_name, set())
        wrapup = _seconds(settings.get("wrapuptime"))
        queues[s.name] = QueueConf(s.name, s.line, default_wrapup if wrapup is None else wrapup, settings)
    return queues


def read_queues_conf(path: Path) -> dict[str, QueueConf]:
    """The queues of the file at path; OSError if it cannot be read."""
    return parse_queues_conf(Path(path).read_text(errors="replace"))


def queue_names(path: Path) -> set[str]:
    """The queue names of queues.conf (not [general], not templates); OSError if it cannot be read."""
    return set(read_queues_conf(path))


def wrapup_times(path: Path) -> dict[str, float]:
    """wrapuptime per queue ([general]'s for a queue that sets none); {} if the file cannot be read."""
    try:
        queues = read_queues_conf(path)
    except OSError:
        return {}
    return {q.name: q.wrapuptime for q in queues.values()}


def _inherited(section: _Section, by_name: dict[str, _Section], seen: set[str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for parent in section.parents:
        if parent in by_name and parent not in seen:   # an unknown parent is Asterisk's error, not ours
            settings.update(_inherited(by_name[parent], by_name, seen | {section.name}))
    settings.update(section.settings)
    return settings


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
