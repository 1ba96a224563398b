"""Hotlines: one engine answering many clients' numbers, each with its own menu,
languages, hours (and so time zone), recording policy, client and billing plan.

Built from config.yaml's `hotlines:` section (DESIGN.md, "Hotlines"):

    hotlines:
      telecom:
        numbers: ["0800123456", "_0801XXXXXX"]
        client: acme-telecom
        menu: hotlines/telecom.yaml   # a file of its own (menu: and hours:), a menu mapping inline,
                                      # or left out: the config's own menu: under these numbers
        languages: [pl, en]           # overrides the menu's languages (first is the default)
        hours: office                 # whose time zone is the hotline's day
        recording: explicit           # explicit | announced | never
        billing: {plan: standard-2026, currency: PLN}
        fallback_queue: support       # where the dialplan sends callers if the controller is lost
        default: true                 # answers numbers no hotline lists (at most one)

A config with only the single `menu:` of old is one hotline, `default`, that
answers every number. A config with both has the top-level menu as the
default hotline unless one entry says `default: true`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from ..errors import ConfigError
from ..menu.model import Menu
from ..menu.policy import RecordingPolicy
from .numbers import NumberPattern, best_match

__all__ = ["DEFAULT", "BillingPlanRef", "Hotline", "Hotlines", "RecordingPolicy"]

DEFAULT = "default"
# What a hotline's name or fallback queue may hold: both are written into the dialplan
# (Set(IVR_HOTLINE=...), Queue(...)), where `,` `)` `;` or a space would change the call.
DIALPLAN_WORD = re.compile(r"[A-Za-z0-9_.+@-]+")


@dataclass(frozen=True)
class BillingPlanRef:
    plan: str
    currency: str


@dataclass(frozen=True)
class Hotline:
    name: str
    client: str
    numbers: tuple[NumberPattern, ...]
    menu: Menu
    recording: RecordingPolicy = RecordingPolicy.EXPLICIT
    billing: BillingPlanRef | None = None
    fallback_queue: str = ""
    source: str = ""          # the file its menu came from (its errors name it)


@dataclass(frozen=True)
class Hotlines:
    """Every hotline by name, and which answers numbers nobody lists."""

    by_name: Mapping[str, Hotline]
    default: str

    def route(self, called: str) -> Hotline:
        """The hotline for a called number (exact, then the most specific pattern; else the default)."""
        table = [(p, h.name) for h in self.by_name.values() for p in h.numbers]
        return self.by_name[best_match(called.strip(), table) or self.default]

    def get(self, name: str) -> Hotline:
        """A hotline by name; ConfigError naming the ones there are."""
        try:
            return self.by_name[name]
        except KeyError:
            raise ConfigError(f"no hotline {name!r} (hotlines: {', '.join(self.by_name)})") from None
