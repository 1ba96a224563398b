"""`ivr report staffing --queue Q --month M`: agents needed per interval of the day,
by Erlang C, from the load the queue actually had.

For each local interval of the day (60 or 15 min; the hotline's time zone) over
the month's days of the chosen type (all, weekdays, weekend):

- offered: calls offered in that interval per measured day (offered = answered
  + abandoned + timed out, DESIGN.md "Figures"; calls refused at the door, full
  or empty, were never offered). A measured day is a day of that type on which
  the queue was offered at least one call: a closed day does not dilute the
  load.
- AHT: talk + agent hold + wrap-up of the interval's answered calls (the
  queue's month AHT where the interval had none answered).
- agents needed: the fewest agents whose Erlang C service level reaches the
  target (answered within --within s) at occupancy no higher than
  --max-occupancy (ivr/reports/staffing_erlang.py, with its sources), with the
  service level, ASA and occupancy they would give.
- beside it, what happened: the agents who answered calls in that interval
  (a mean per measured day; agents logged in but idle are not in the handle-time
  records, so this is a lower bound of those logged in) and the service level
  reached (answered within --within s / offered).

Erlang C assumes callers never abandon; with real abandonment it errs on the
safe side (more agents). Erlang A is not implemented.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import IVRError
from ..store.staffing import QueuedCall, queued_calls
from .staffing_erlang import agents_needed
from .survey import client_timezone, month_window

OFFERED = ("answered", "abandoned", "timeout")
DAY_TYPES = ("all", "weekdays", "weekend")


@dataclass(frozen=True)
class StaffingRow:
    interval: str               # local start, HH:MM
    offered: float              # calls offered per interval, mean over measured days
    aht_s: float
    erlangs: float
    agents_needed: int
    predicted_sl: float
    predicted_asa_s: float
    occupancy: float
    agents_answering: float     # measured: distinct agents answering per interval, mean over measured days
    sl_reached: float | None    # measured: answered within --within / offered


def _handle_s(c: QueuedCall) -> float:
    return c.talk_s + c.hold_s + c.wrapup_s


def _day_fits(day: date, days: str) -> bool:
    return days == "all" or (day.weekday() >= 5) == (days == "weekend")


def staffing(calls: list[QueuedCall], tz: str, *, interval_min: int = 60, target: float = 0.8,
             within_s: float = 20.0, max_occupancy: float = 0.85, days: str = "all") -> tuple[list[StaffingRow], dict]:
    """The rows per interval of the day and the report-wide figures."""
    if interval_min not in (15, 30, 60):
        raise IVRError(f"--interval must be 15, 30 or 60 minutes, not {interval_min}")
    if days not in DAY_TYPES:
        raise IVRError(f"--days must be one of {', '.join(DAY_TYPES)}, not {days!r}")
    zone = ZoneInfo(tz)
    slots: dict[int, list[QueuedCall]] = defaultdict(list)
    agents: dict[int, set[tuple[date, str]]] = defaultdict(set)
    measured: set[date] = set()
    answered_handle: list[float] = []
    for c in calls:
        if c.outcome not in OFFERED:
            continue
        local = c.entered_at.astimezone(zone)
        if not _day_fits(local.date(), days):
            continue
        slot = (local.hour * 60 + local.minute) // interval_min
        slots[slot].append(c)
        measured.add(local.date())
        if c.outcome == "answered":
            answered_handle.append(_handle_s(c))
            if c.agent:
                agents[slot].add((local.date(), c.agent))
    n_days = len(measured)
    month_aht = sum(answered_handle) / len(answered_handle) if answered_handle else 0.0
    rows = []
    for slot in sorted(slots):
        group = slots[slot]
        answered = [c for c in group if c.outcome == "answered"]
        aht = sum(_handle_s(c) for c in answered) / len(answered) if answered else month_aht
        offered = len(group) / n_days
        need = agents_needed(offered, interval_min * 60, aht, target, within_s, max_occupancy)
        within = sum(1 for c in answered if c.wait_s <= within_s)
        rows.append(StaffingRow(f"{slot * interval_min // 60:02d}:{slot * interval_min % 60:02d}", offered, aht,
                                need.traffic, need.agents, need.service_level, need.asa_s, need.occupancy,
                                len(agents[slot]) / n_days, within / len(group)))
    meta = {"measured days": n_days, "AHT s": month_aht, "target": f"{target:g} within {within_s:g} s",
            "max occupancy": max_occupancy, "peak agents needed": max((r.agents_needed for r in rows), default=0)}
    return rows, meta


def cmd_staffing(args) -> int:
    from ..cli_support import database, settings, usage
    from .output import deliver, render
    if not args.queue or not args.month:
        usage("ivr report staffing needs --queue Q and --month YYYY-MM")
    if args.format == "png" and args.output is None:
        usage("--format png needs -o/--output PATH")
    if not 0 < args.service_level < 1:
        usage(f"--service-level must be between 0 and 1 (0.8 for 80 %), not {args.service_level:g}")
    if args.within <= 0:
        usage(f"--within must be a positive number of seconds, not {args.within:g}")
    if not 0 < args.max_occupancy <= 1:
        usage(f"--max-occupancy must be in (0, 1], not {args.max_occupancy:g}")
    config = settings(args)
    tz = client_timezone(config.raw, args.client or "")
    since, until = month_window(args.month, tz)
    with database(config, must_exist=True) as engine:
        calls = queued_calls(engine, args.queue, since, until)
    rows, meta = staffing(calls, tz, interval_min=args.interval, target=args.service_level, within_s=args.within,
                          max_occupancy=args.max_occupancy, days=args.days)
    title = f"staffing {args.queue} {args.month} ({args.days}, {args.interval} min, {tz})"
    if args.format == "png":
        chart(rows, args.output, title)
        print(f"chart written: {args.output}")
        return 0
    deliver(render(rows, args.format, meta=meta, title=title), args.output)
    return 0


def chart(rows: list[StaffingRow], path: Path, title: str) -> None:
    """Agents needed beside agents answering per interval; the service level reached as a line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(11, 5.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if not rows:
        ax.text(0.5, 0.5, "no offered calls", ha="center", va="center", transform=ax.transAxes)
    else:
        x = range(len(rows))
        ax.bar([i - 0.2 for i in x], [r.agents_needed for r in rows], 0.4, label="agents needed (Erlang C)")
        ax.bar([i + 0.2 for i in x], [r.agents_answering for r in rows], 0.4, label="agents answering")
        ax.set_xticks(list(x), [r.interval for r in rows], rotation=45 if len(rows) > 12 else 0)
        ax.set_ylabel("agents")
        sl = ax.twinx()
        sl.plot(list(x), [r.sl_reached if r.sl_reached is not None else float("nan") for r in rows], color="black",
                marker="o", label="service level reached")
        sl.set_ylim(0, 1.05)
        sl.set_ylabel("service level")
        handles, names = ax.get_legend_handles_labels()
        more, more_names = sl.get_legend_handles_labels()
        sl.legend(handles + more, names + more_names, loc="upper left", fontsize="small")
    fig.suptitle(title)
    fig.savefig(path, format="png", dpi=100)
