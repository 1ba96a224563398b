"""What the reports share: arithmetic, and which hotlines and local zone a report is about.
(Time windows are in ivr.store.window.)

A report's zone (hours and days are the hotline's local time, DESIGN.md "Figures"):

- `--tz ZONE` given: that zone, whatever the hotlines' (an ops manager's explicit choice,
  e.g. a centre-wide view in the centre's own zone, or UTC).
- `--hotline H`: H's zone (`Hotline.menu.timezone`: its hours entry's, else the first).
- `--client C`: the zone C's hotlines share; hotlines in two zones are refused (a usage
  error naming each zone and its hotlines): an hour "10:00" must be one local hour.
- neither: the zone every hotline of the config shares, refused likewise when they differ
  and the report needs one (by hour or day); UTC for a config with no menu and no hotlines.

Bare dates and naive times of `--since`/`--until` are read in the report's zone when it has
one (a report of hotline H "on 2026-11-23" is H's day), else as UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import CommandLineError, IVRError
from ..store.window import in_range, parse_when, utc


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class HotlineZone:
    """A hotline as the reports see it: its client and its IANA zone."""

    name: str
    client: str
    timezone: str


def hotline_zones(config) -> dict[str, HotlineZone]:
    """Every hotline of the config (ivr.config.Settings) by name, with client and zone, from
    the hotlines the engine builds (ivr.hotlines.load). {} for a config with neither `menu:`
    nor `hotlines:` (a database-only config). ConfigError, with its file and line, if a
    hotline cannot be built."""
    raw = config.raw
    if not isinstance(raw.get("menu"), dict) and not raw.get("hotlines"):
        return {}
    from ..hotlines.load import build_hotlines
    built = build_hotlines(raw, str(config.path), config.base)
    return {name: HotlineZone(name, h.client, h.menu.timezone) for name, h in built.by_name.items()}


def check_scope(zones: Mapping[str, HotlineZone], hotline: str | None, client: str | None) -> None:
    """IVRError (exit 1) for a hotline or client the config does not name, listing those it does."""
    if hotline is not None and hotline not in zones:
        raise IVRError(f"no hotline {hotline!r} (hotlines: {', '.join(sorted(zones)) or 'none in the config'})")
    clients = sorted({z.client for z in zones.values() if z.client})
    if client is not None and client not in clients:
        raise IVRError(f"no hotline serves client {client!r} (clients: {', '.join(clients) or 'none in the config'})")
    if hotline is not None and client is not None and zones[hotline].client != client:
        raise IVRError(f"hotline {hotline!r} belongs to client {zones[hotline].client or '(none)'!r}, not {client!r}")


def valid_zone(tz: str) -> str:
    """tz if it is an IANA zone name; IVRError otherwise."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise IVRError(f"--tz {tz!r}: not an IANA time zone (e.g. Europe/Warsaw, UTC)") from None
    return tz


def report_zone(zones: Mapping[str, HotlineZone], hotline: str | None = None, client: str | None = None,
                tz: str | None = None, needed: bool = True) -> str | None:
    """The zone of a report on `hotline` / `client` (None: every hotline), see the module's
    docstring. Hotlines in several zones: CommandLineError naming them when `needed`, else None."""
    check_scope(zones, hotline, client)
    if tz is not None:
        return valid_zone(tz)
    if hotline is not None:
        return zones[hotline].timezone
    chosen = [z for z in zones.values() if client is None or z.client == client]
    found: dict[str, list[str]] = {}
    for z in chosen:
        found.setdefault(z.timezone, []).append(z.name)
    if not found:
        return "UTC"
    if len(found) == 1:
        return next(iter(found))
    if not needed:
        return None
    whose = f"the hotlines of client {client!r}" if client is not None else "the hotlines"
    listed = "; ".join(f"{zone}: {', '.join(sorted(names))}" for zone, names in sorted(found.items()))
    raise CommandLineError(f"{whose} are in {len(found)} time zones ({listed}): hours and days need one; "
                           f"give --hotline H, or --tz ZONE to group them all in one zone")


def parse_local_when(option: str, text: str | None, tz: str | None) -> datetime | None:
    """An aware UTC datetime from ISO text: a bare date is midnight, a naive time a wall-clock
    time, in zone `tz` (UTC when None); an explicit offset is kept. ValueError names the option."""
    value = parse_when(option, text)   # checks the text, names the option
    if value is None or tz is None:
        return value
    given = datetime.fromisoformat(text)
    if given.tzinfo is not None:
        return value
    return in_range(option, text, lambda: utc(given.replace(tzinfo=ZoneInfo(tz))))
