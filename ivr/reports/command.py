"""`ivr report handle-times|funnel|billing`: parse the options, run, print."""

from __future__ import annotations

from pathlib import Path

from ..errors import IVRError
from ..store.window import parse_when
from .output import FORMATS, deliver, render

KINDS = ("handle-times", "funnel", "billing", "survey", "staffing")


def add_report_parser(subparsers) -> None:
    s = subparsers.add_parser("report", help="handle times, menu funnel, billing minutes")
    s.set_defaults(func=cmd_report)
    s.add_argument("kind", choices=KINDS)
    s.add_argument("--since", help="ISO date or datetime, inclusive (a date is midnight UTC)")
    s.add_argument("--until", help="ISO date or datetime, exclusive (a date is midnight UTC)")
    s.add_argument("--queue", help="handle-times, survey: only this queue; staffing: the queue")
    s.add_argument("--by", choices=("queue", "agent", "hour", "day"),
                   help="handle-times: group by (default queue); hours and days are the office's local time")
    s.add_argument("--client", help="survey: only this client's hotlines")
    s.add_argument("--month", help="survey, staffing: YYYY-MM, in the hotline's local time")
    s.add_argument("--service-level", type=float, default=0.8, help="staffing: share answered within --within")
    s.add_argument("--within", type=float, default=20.0, help="staffing: seconds of the service-level target")
    s.add_argument("--max-occupancy", type=float, default=0.85, help="staffing: highest agent occupancy")
    s.add_argument("--interval", type=int, choices=(15, 30, 60), default=60, help="staffing: minutes per row")
    s.add_argument("--days", choices=("all", "weekdays", "weekend"), default="all", help="staffing: day type")
    s.add_argument("--format", choices=(*FORMATS, "html"), default="table",
                   help="html: billing --client's printable bill and annex")
    s.add_argument("-o", "--output", type=Path, help="write here (required for png)")


def cmd_report(args) -> int:
    from ..cli_support import database, settings
    if args.kind == "survey":   # by --month, in its own module
        from .survey import cmd_survey
        return cmd_survey(args)
    if args.kind == "staffing":
        from .staffing import cmd_staffing
        return cmd_staffing(args)
    if args.kind == "billing" and (args.client or args.month):   # a client's bill, by plan
        from ..billing.command import cmd_billing
        return cmd_billing(args)
    _check(args)
    try:
        since, until = parse_when("--since", args.since), parse_when("--until", args.until)
    except ValueError as exc:
        raise IVRError(str(exc)) from None
    if since and until and since >= until:
        raise IVRError(f"--since {args.since!r} must be before --until {args.until!r}")
    config = settings(args)
    with database(config) as engine:
        rows, meta, title = _run(args, engine, since, until, config.queues.service_level_s, office_timezone(config))
    text = render(rows, args.format, args.output, meta=meta, title=title)
    if args.format == "png":
        print(text)
    else:
        deliver(text, args.output)
    return 0


def _check(args) -> None:
    """Usage errors argparse cannot see (exit 2)."""
    from ..cli_support import usage
    if args.format == "html":
        usage("--format html is a client's bill: ivr report billing --client C --month YYYY-MM")
    if args.format == "png" and args.output is None:
        usage("--format png needs -o/--output PATH")
    if args.kind != "handle-times" and (args.queue is not None or args.by is not None):
        usage(f"--queue and --by apply to handle-times, not {args.kind}")


def office_timezone(config) -> str:
    """The office's zone, as the menu has it (`Menu.timezone`: the first hours entry's, UTC
    without hours), read from the config's `hours:` alone: a report needs no valid menu."""
    from ..menu.hours import parse_hours
    hours = config.raw.get("hours") or {}
    if not isinstance(hours, dict) or not hours:
        return "UTC"
    name, spec = next(iter(hours.items()))
    return parse_hours(str(name), spec or {}, str(config.path)).timezone


def _run(args, engine, since, until, sl_s: float, tz: str = "UTC") -> tuple[list, dict, str]:
    if args.kind == "handle-times":
        from .handle_times import handle_times
        by = args.by or "queue"
        rows = handle_times(engine, since, until, queue=args.queue, by=by, service_level_s=sl_s, tz=tz)
        return rows, {}, f"handle times by {by} (SL {sl_s:g} s)"
    if args.kind == "funnel":
        from .funnel import funnel
        rows, containment = funnel(engine, since, until)
        return rows, {"containment": containment}, "menu funnel"
    from .billing import billing
    return billing(engine, since, until), {}, "billing minutes"
