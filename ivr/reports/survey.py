"""`ivr report survey --client C --month M`: post-call survey scores.

The mean score and the number of responses per question, queue, agent and
week (weeks start on Monday, in the hotline's local time). Only answers count:
a caller who pressed nothing or hung up gave no response, and is not a low
score (ivr/menu/nodes/survey.py). A yes/no question's mean is the share of
yes (yes 1, no 0). The answers are stored by ivr/store/surveys.py.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import IVRError
from ..store.surveys import SurveyAnswerView, answers


@dataclass(frozen=True)
class SurveyRow:
    question: str
    queue: str
    agent: str
    week: str            # the Monday the week starts on, local time
    responses: int
    mean_score: float
    scale: int           # answers are 1..scale; 1: a yes/no question (mean = share of yes)


def month_window(month: str, tz: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of YYYY-MM in zone `tz`, in UTC."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except (TypeError, ValueError):
        raise IVRError(f"--month must be YYYY-MM, e.g. 2026-11, not {month!r}") from None
    after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    zone = ZoneInfo(tz)
    return (datetime.combine(first, datetime.min.time(), zone).astimezone(timezone.utc),
            datetime.combine(after, datetime.min.time(), zone).astimezone(timezone.utc))


def week_of(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz)).date()
    return (local - timedelta(days=local.weekday())).isoformat()


def survey_rows(found: list[SurveyAnswerView], tz: str) -> list[SurveyRow]:
    groups: dict[tuple, list[SurveyAnswerView]] = defaultdict(list)
    for a in found:
        groups[(a.question, a.queue, a.agent, week_of(a.answered_at, tz))].append(a)
    return [SurveyRow(q, queue, agent or "-", week, len(g), sum(a.score for a in g) / len(g), max(a.scale for a in g))
            for (q, queue, agent, week), g in sorted(groups.items())]


def totals(found: list[SurveyAnswerView]) -> dict:
    """Per question: responses and mean over the whole month."""
    by_q: dict[str, list[int]] = defaultdict(list)
    for a in found:
        by_q[a.question].append(a.score)
    return {f"{q} mean": sum(s) / len(s) for q, s in sorted(by_q.items())} | \
           {f"{q} responses": len(s) for q, s in sorted(by_q.items())}


def client_timezone(raw: dict, client: str = "") -> str:
    """The local zone of a client's hotlines, as a menu's (ivr.menu.model.Menu.timezone): the
    zone of the first such hotline's `hours:` entry, else of the first `hours:` entry; UTC without.
    No client: the default menu's (the first hours entry's)."""
    hours = raw.get("hours") or {}
    hotlines = raw.get("hotlines") or {}
    mine = [h for h in hotlines.values() if isinstance(h, dict) and h.get("client") == client] if client else []
    if client and not mine:
        clients = sorted({str(h.get("client")) for h in hotlines.values() if isinstance(h, dict) and h.get("client")})
        raise IVRError(f"no hotline serves client {client!r} (clients: {', '.join(clients) or 'none'})")
    chosen = hours.get(mine[0].get("hours")) if mine else None
    chosen = chosen or next(iter(hours.values()), None)
    return (chosen or {}).get("timezone") or "UTC"


def cmd_survey(args) -> int:
    from ..cli_support import database, settings, usage
    from .output import deliver, render
    if args.month is None:
        usage("ivr report survey needs --month YYYY-MM")
    if args.format == "png" and args.output is None:
        usage("--format png needs -o/--output PATH")
    config = settings(args)
    tz = client_timezone(config.raw, args.client or "")
    since, until = month_window(args.month, tz)
    with database(config, must_exist=True) as engine:
        found = answers(engine, since, until, client=args.client or "", queue=args.queue or "")
    rows = survey_rows(found, tz)
    title = f"survey {args.client or 'all clients'} {args.month}"
    if args.format == "png":
        chart(rows, args.output, title)
        print(f"chart written: {args.output}")
        return 0
    deliver(render(rows, args.format, meta=totals(found), title=title), args.output)
    return 0


def chart(rows: list[SurveyRow], path: Path, title: str) -> None:
    """Mean score per week, one line per question, queue and agent; responses as bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(10, 5.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    weeks = sorted({r.week for r in rows})
    if not rows:
        ax.text(0.5, 0.5, "no responses", ha="center", va="center", transform=ax.transAxes)
    else:
        counts = defaultdict(int)
        lines: dict[tuple, dict[str, float]] = defaultdict(dict)
        for r in rows:
            counts[r.week] += r.responses
            lines[(r.question, r.queue, r.agent)][r.week] = r.mean_score
        bars = ax.twinx()
        bars.bar(range(len(weeks)), [counts[w] for w in weeks], color="lightgrey", label="responses")
        bars.set_ylabel("responses")
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
        for (q, queue, agent), by_week in sorted(lines.items()):
            ax.plot(range(len(weeks)), [by_week.get(w, float("nan")) for w in weeks], marker="o",
                    label=f"{q} {queue} {agent}")
        ax.set_xticks(range(len(weeks)), [f"week of {w}" for w in weeks])
        ax.set_ylabel("mean score")
        ax.set_ylim(0, max(r.scale for r in rows) + 0.5)
        ax.legend(loc="upper left", fontsize="small")
    fig.suptitle(title)
    fig.savefig(path, format="png", dpi=100)
