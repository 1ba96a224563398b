"""`ivr report handle-times|funnel|billing|rebuild`: parse the options, run, print.

`rebuild` recomputes the handle-time summary (report_hours: sums per UTC hour, queue and
agent; ivr/reports/summary/__init__.py) for the configured `queues.service_level_s`. The
writers keep it up to date as records land; rebuild once after the upgrade that adds it
(until then the reports read the detail rows), after changing `queues.service_level_s`, and
after rows were written around the engine (an import, a hand edit).

`--hotline H` / `--client C` narrow handle-times and funnel to one hotline's or client's
calls, `--by hotline` groups handle times per hotline; hours, days and dates are in the
hotline's zone (ivr/reports/_common.py says which zone, and when hotlines in several zones
are refused). survey, staffing and a client's bill (billing with --client/--month) have
their own modules.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import IVRError
from ._common import hotline_zones, parse_local_when, report_zone
from .output import FORMATS, deliver, render

KINDS = ("handle-times", "funnel", "billing", "survey", "staffing", "rebuild")


def add_report_parser(subparsers) -> None:
    s = subparsers.add_parser("report", help="handle times, menu funnel, billing minutes; rebuild the summary")
    s.set_defaults(func=cmd_report)
    s.add_argument("kind", choices=KINDS)
    s.add_argument("--since", help="ISO date or datetime, inclusive (without an offset: the report's zone, "
                                   "see --tz; UTC when it has none)")
    s.add_argument("--until", help="ISO date or datetime, exclusive (as --since)")
    s.add_argument("--queue", help="handle-times, survey: only this queue; staffing: the queue")
    s.add_argument("--by", choices=("queue", "agent", "hotline", "hour", "day"),
                   help="handle-times: group by (default queue); hours and days are the hotline's local time")
    s.add_argument("--hotline", help="handle-times, funnel, billing: only this hotline's calls (its name in "
                                     "hotlines:); hours, days and dates in its zone")
    s.add_argument("--client", help="handle-times, funnel, survey, billing: only this client's hotlines")
    s.add_argument("--tz", metavar="ZONE", help="handle-times, funnel: group hours and days and read dates in "
                                                "this IANA zone (for hotlines in several zones)")
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
    if args.kind == "rebuild":
        return _rebuild(args)
    config = settings(args)
    zones = hotline_zones(config)
    tz = report_zone(zones, args.hotline, args.client, args.tz, needed=args.by in ("hour", "day"))
    try:
        since = parse_local_when("--since", args.since, tz)
        until = parse_local_when("--until", args.until, tz)
    except ValueError as exc:
        raise IVRError(str(exc)) from None
    if since and until and since >= until:
        raise IVRError(f"--since {args.since!r} must be before --until {args.until!r}")
    with database(config, must_exist=True) as engine:
        if args.queue is not None:
            _check_queue(engine, args.queue, config.queues.queues_conf)
        rows, meta, title, notes = _run(args, engine, since, until, config.queues.service_level_s, tz or "UTC")
    heading = report_heading(title, tz, args.hotline, args.client, notes)
    if args.format == "json":
        meta = {**meta, "timezone": tz, "hotline": args.hotline, "client": args.client}
    text = render(rows, args.format, args.output, meta=meta, title=heading)
    if args.format == "png":
        print(text)
    else:
        # The table says what it is and in which zone its hours are; JSON carries the zone in
        # "timezone"; CSV stays one table (its hour keys carry their UTC offset).
        deliver(f"{heading}\n{text}" if args.format == "table" else text, args.output)
    return 0


def report_heading(title: str, tz: str | None, hotline: str | None = None, client: str | None = None,
                   notes: tuple[str, ...] = ()) -> str:
    """"handle times by hour, Europe/Warsaw (hotline telecom, SL 20 s)": what a report covers
    and the zone its hours, days and dates are in ("dates in UTC" when the hotlines share none)."""
    scope = [f"hotline {hotline}" if hotline else "", f"client {client}" if client else "", *notes]
    scope = [x for x in scope if x]
    return f"{title}, {tz or 'dates in UTC'}" + (f" ({', '.join(scope)})" if scope else "")


def _check(args) -> None:
    """Usage errors argparse cannot see (exit 2)."""
    from ..cli_support import usage
    if args.format == "html":
        usage("--format html is a client's bill: ivr report billing --client C --month YYYY-MM")
    if args.format == "png" and args.output is None:
        usage("--format png needs -o/--output PATH")
    if args.kind != "handle-times" and (args.queue is not None or args.by is not None):
        usage(f"--queue and --by apply to handle-times, not {args.kind}")
    if args.kind == "billing" and (args.hotline is not None or args.tz is not None):
        usage("billing by --hotline is a client's bill: give --client C --month YYYY-MM")
    if args.month is not None:
        usage(f"--month applies to survey, staffing and billing, not {args.kind}")
    if args.kind == "rebuild":
        given = [f"--{name.replace('_', '-')}" for name in ("since", "until", "hotline", "client", "tz", "output")
                 if getattr(args, name) is not None] + (["--format"] if args.format != "table" else [])
        if given:
            usage(f"rebuild recomputes the whole summary and prints one line: {', '.join(given)} do not apply")


def _check_queue(engine, queue: str, queues_conf) -> None:
    """--queue names a queue of queues.conf or of the stored records (a queue since removed):
    a misspelt one would report zeros. IVRError (exit 1, as an unknown --hotline) naming the
    queues.conf ones."""
    from ..queues.conf import queue_names
    from ..queues.store import has_records_of
    try:
        known = queue_names(queues_conf)
    except OSError:
        known = set()
    if queue in known or has_records_of(engine, queue):
        return
    raise IVRError(f"--queue {queue!r}: no such queue in queues.conf or in the records"
                   + (f" (queues.conf has: {', '.join(sorted(known))})" if known else ""))


def _rebuild(args) -> int:
    """`ivr report rebuild`: recompute the handle-time summary (every UTC hour, ivr/reports/summary)
    for the configured `queues.service_level_s`; one line out. StoreError (exit 1) if the
    database refuses."""
    from ..cli_support import database, settings
    from .summary.store import rebuild
    config = settings(args)
    with database(config, must_exist=True) as engine:
        done = rebuild(engine, config.queues.service_level_s)
    print(f"report summary rebuilt: {done.hour_rows:,} hour rows from {done.handle_time_rows:,} handle-time rows "
          f"(SL {done.service_level_s:g} s) in {done.seconds:.1f} s")
    return 0


def _run(args, engine, since, until, sl_s: float, tz: str = "UTC") -> tuple[list, dict, str, tuple]:
    """(rows, meta, title, notes for the heading)."""
    if args.kind == "handle-times":
        from .handle_times import handle_times
        by = args.by or "queue"
        rows = handle_times(engine, since, until, queue=args.queue, by=by, service_level_s=sl_s, tz=tz,
                            hotline=args.hotline, client=args.client)
        return rows, {}, f"handle times by {by}", (f"SL {sl_s:g} s",)
    if args.kind == "funnel":
        from .funnel import funnel
        rows, containment = funnel(engine, since, until, hotline=args.hotline, client=args.client)
        return rows, {"containment": containment}, "menu funnel", ()
    from .billing import billing
    return billing(engine, since, until), {}, "billing minutes", ()
