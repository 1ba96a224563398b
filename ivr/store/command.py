"""`ivr calls list|show ID`: the call log, as a table or JSON."""

from __future__ import annotations

import json

from ..errors import IVRError


def add_calls_parser(subparsers) -> None:
    from ..cli_support import add_format_option
    s = subparsers.add_parser("calls", help="the call log")
    s.add_argument("action", choices=["list", "show"])
    s.add_argument("id", nargs="?")
    add_format_option(s)
    s.add_argument("--limit", type=int, default=50)
    s.set_defaults(func=cmd_calls)


def cmd_calls(args) -> int:
    from ..cli_support import database, print_json, settings, usage
    from .calls import call_summary, get_call, list_calls

    if args.action == "show" and not args.id:
        usage("show needs a call id or unique id")
    if args.action == "list" and args.id:
        usage("list takes no id (use show ID)")
    with database(settings(args)) as engine:
        if args.action == "show":
            call = get_call(engine, args.id)
            if call is None:
                raise IVRError(f"no call {args.id!r} in the call log")
            summary = call_summary(call)
        else:
            summaries = [call_summary(call) for call in list_calls(engine, args.limit)]
    if args.action == "show":
        if args.format == "json":
            print_json(summary)
            return 0
        for key in ("id", "unique_id", "caller_id", "called", "hotline", "client", "language", "started_at",
                    "ended_at", "duration", "digits", "outcome", "hangup_cause", "recording_policy", "consent",
                    "error"):
            print(f"{key:>13}: {summary[key]}")
        print("         path: " + " > ".join(summary["path"] or []))
        for s in summary["steps"]:
            print(f"   {s['at'][11:23]}  {s['node']:<16} {s['action']:<12} {s['digits']:<6} {s['detail']}")
        return 0
    if args.format == "json":  # JSON Lines: one call per line, without its steps and path
        for s in summaries:
            print(json.dumps({k: v for k, v in s.items() if k not in ("steps", "path")}))
        return 0
    print(f"{'ID':>5}  {'STARTED (UTC)':<19}  {'CALLER':<14} {'CALLED':<10} {'HOTLINE':<10} {'DIGITS':<12} "
          f"{'DUR':>6}  OUTCOME")
    for s in summaries:
        dur = f"{s['duration']:.1f}" if s["duration"] is not None else "-"
        print(f"{s['id']:>5}  {s['started_at'][:19]:<19}  {s['caller_id'][:14]:<14} {s['called'][:10]:<10} "
              f"{(s['hotline'] or '-')[:10]:<10} {s['digits'][:12]:<12} {dur:>6}  {s['outcome'] or 'in progress'}")
    return 0
