"""Office hours: weekly opening times in a time zone, and holidays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@dataclass(frozen=True)
class Hours:
    name: str
    timezone: str
    weekly: tuple[tuple[int, time, time], ...]  # (weekday 0=Mon, open, close)
    holidays: frozenset[date]

    def is_open(self, at: datetime) -> bool:
        """True when `at` (aware) falls in an opening interval of its local day."""
        local = at.astimezone(ZoneInfo(self.timezone))
        if local.date() in self.holidays:
            return False
        now = local.time().replace(tzinfo=None)
        return any(day == local.weekday() and start <= now < end for day, start, end in self.weekly)

    def open_seconds(self, first: date, end: date) -> int:
        """Seconds open on the local days [first, end), holidays left out; a DST change
        inside an interval counts the real elapsed time (an 08:00-20:00 day is 12 h, and
        a 00:00-24:00 day 23 h or 25 h on the change's night). `24:00` closes at the next
        midnight."""
        zone, total, day = ZoneInfo(self.timezone), 0, first
        while day < end:
            if day not in self.holidays:
                for weekday, start, stop in self.weekly:
                    if weekday == day.weekday():
                        opened = datetime.combine(day, start, zone)
                        closed = (datetime.combine(day + timedelta(days=1), time(0), zone) if stop == time.max
                                  else datetime.combine(day, stop, zone))
                        total += int(closed.timestamp() - opened.timestamp())
            day += timedelta(days=1)
        return total


def parse_days(spec: str) -> list[int]:
    """`mon-fri` -> [0..4]; `sat` -> [5]; `mon,wed` -> [0, 2]."""
    days: list[int] = []
    for part in str(spec).lower().split(","):
        part = part.strip()
        if "-" in part:
            a, b = (p.strip() for p in part.split("-", 1))
            if a not in DAYS or b not in DAYS:
                raise ValueError(f"unknown day range {part!r} (use mon..sun)")
            i, j = DAYS.index(a), DAYS.index(b)
            days.extend(range(i, j + 1) if i <= j else list(range(i, 7)) + list(range(0, j + 1)))
        elif part in DAYS:
            days.append(DAYS.index(part))
        else:
            raise ValueError(f"unknown day {part!r} (use mon..sun)")
    return days


def parse_interval(spec: str) -> tuple[time, time]:
    """`08:00-20:00` -> (08:00, 20:00); `24:00` closes at midnight."""
    try:
        a, b = str(spec).split("-", 1)
        start = time.fromisoformat(a.strip().zfill(5))
        end_text = b.strip().zfill(5)
        end = time.max if end_text == "24:00" else time.fromisoformat(end_text)
    except ValueError:
        raise ValueError(f"bad interval {spec!r} (use HH:MM-HH:MM)") from None
    if end <= start:
        raise ValueError(f"interval {spec!r} ends before it starts")
    return start, end


def parse_hours(name: str, spec: dict, where: str = "") -> Hours:
    """Build Hours from its config mapping; ConfigError names what is wrong."""
    tz = str(spec.get("timezone", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"hours.{name}: unknown timezone {tz!r}", where) from None
    weekly: list[tuple[int, time, time]] = []
    for days, intervals in (spec.get("weekly") or {}).items():
        for interval in (intervals if isinstance(intervals, list) else [intervals]):
            try:
                start, end = parse_interval(interval)
                weekly.extend((d, start, end) for d in parse_days(days))
            except ValueError as exc:
                raise ConfigError(f"hours.{name}.weekly.{days}: {exc}", where) from None
    holidays = set()
    for h in spec.get("holidays") or []:
        try:
            holidays.add(h if isinstance(h, date) else date.fromisoformat(str(h)))
        except ValueError:
            raise ConfigError(f"hours.{name}.holidays: bad date {h!r} (use YYYY-MM-DD)", where) from None
    return Hours(name, tz, tuple(weekly), frozenset(holidays))
