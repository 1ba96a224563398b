"""`ivr recordings list|show|export|purge|audit|check`: parse the options, run, print."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from ..errors import IVRError
from . import EXPORT_FORMATS
from ..menu.policy import RecordingPolicy

ACTIONS = ("list", "show", "export", "purge", "audit", "check")


def add_recordings_parser(subparsers) -> None:
    from ..cli_support import add_format_option
    s = subparsers.add_parser("recordings", help="consented recordings: search, export, purge, audit log, "
                                                 "check the directory against the rows")
    s.set_defaults(func=cmd_recordings)
    s.add_argument("action", choices=ACTIONS)
    s.add_argument("id", nargs="?", help="show/export: recording id or the call's unique id; audit: only this call")
    s.add_argument("--since", help="ISO date or datetime, inclusive (a date is midnight UTC)")
    s.add_argument("--until", help="ISO date or datetime, exclusive")
    s.add_argument("--caller", help="caller id contains this")
    s.add_argument("--queue")
    s.add_argument("--agent")
    s.add_argument("--min-duration", type=float, metavar="SECONDS")
    s.add_argument("--include-empty", action="store_true",
                   help="list: also recordings marked empty (the file holds no audio)")
    s.add_argument("--policy", choices=[p.value for p in RecordingPolicy],
                   help="list: only calls recorded under this policy (explicit includes calls from before "
                        "hotlines, which were asked)")
    s.add_argument("--hotline", help="list: only this hotline's calls (its name in config.yaml's hotlines:)")
    s.add_argument("--client", help="list: only this client's calls")
    add_format_option(s)
    s.add_argument("--limit", type=int, default=None)
    s.add_argument("-o", "--output", type=Path, help="export: the file to write")
    s.add_argument("--to", choices=EXPORT_FORMATS, help="export: format (default from -o's suffix, else wav)")
    s.add_argument("--yes", action="store_true", help="purge: really delete (without it, only list)")


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def cmd_recordings(args) -> int:
    from ..cli_support import database, settings
    from ..store.window import parse_when
    _check(args)
    try:
        since, until = parse_when("--since", args.since), parse_when("--until", args.until)
    except ValueError as exc:
        raise IVRError(str(exc)) from None
    config = settings(args)
    with database(config) as engine:
        return _ACTIONS[args.action](args, engine, config, since, until)


def _check(args) -> None:
    """Usage errors argparse cannot see (exit 2)."""
    from ..cli_support import usage
    if args.action in ("show", "export") and not args.id:
        usage(f"{args.action} needs a recording id or unique id")
    if args.action == "export" and args.output is None:
        usage("export needs -o/--output FILE")
    if args.action != "export" and (args.output is not None or args.to is not None):
        usage("-o and --to apply to export")
    if args.yes and args.action != "purge":
        usage("--yes applies to purge")
    if args.action == "check" and args.id:
        usage("check takes no id: it looks at the whole recordings directory")
    if args.include_empty and args.action != "list":
        usage("--include-empty applies to list")
    if args.action != "list" and (args.policy or args.hotline or args.client):
        usage("--policy, --hotline and --client apply to list")


def _list(args, engine, settings, since, until) -> int:
    from .store import RecordingFilter, search
    _known_scope(settings, args.hotline, args.client)
    rows = search(engine, RecordingFilter(since, until, args.caller, args.queue, args.agent, args.min_duration,
                                          include_empty=args.include_empty, policy=args.policy,
                                          hotline=args.hotline, client=args.client), args.limit)
    if args.format == "json":
        print(json.dumps([r.to_json() for r in rows], indent=2))
        return 0
    _table(rows)
    return 0


def _known_scope(settings, hotline: str | None, client: str | None) -> None:
    """A hotline or client the config does not name is a typo, not an empty list: IVRError
    listing those it names. (Only checked when asked: listing needs no valid menu.)"""
    if hotline is None and client is None:
        return
    from ..reports._common import check_scope, hotline_zones
    check_scope(hotline_zones(settings), hotline, client)


def _table(rows) -> None:
    if not rows:
        print("(no recordings)")
        return
    print(f"{'ID':>5}  {'STARTED (UTC)':<19}  {'CALLER':<14} {'QUEUE':<10} {'AGENT':<16} {'DUR':>7}  "
          f"{'STATE':<8}  {'HOTLINE':<12} {'POLICY':<9}  UNIQUE ID")
    for r in rows:
        dur = "empty" if r.state == "empty" else f"{r.duration_s:.1f}"
        print(f"{r.id:>5}  {r.started_at.strftime('%Y-%m-%d %H:%M:%S'):<19}  {r.caller_id[:14]:<14} "
              f"{r.queue[:10]:<10} {r.agent[:16]:<16} {dur:>7}  {r.state:<8}  {r.hotline[:12] or '-':<12} "
              f"{r.recording_policy or '-':<9}  {r.unique_id}")


def _show(args, engine, settings, since, until) -> int:
    from ..errors import RecordingError
    from .store import file_of, get
    info = get(engine, args.id)
    try:
        where, present = str(file_of(settings.recordings.directory, info)), True
    except RecordingError as exc:
        where, present = str(exc), False
    if args.format == "json":
        print(json.dumps({**info.to_json(), "file": where if present else None,
                          "problem": None if present else where}, indent=2))
        return 0
    for key, value in info.to_json().items():
        print(f"{key:>11}: {value}")
    print(f"{'file':>11}: {where}")
    if info.state in _STATE_NOTES:
        print(f"{'':>11}  {_STATE_NOTES[info.state]}")
    return 0


_STATE_NOTES = {
    "empty": "empty: the file holds no audio (a WAV header only, or 0 bytes); nothing to play",
    "repaired": "repaired: the WAV header was never finalized (Asterisk stopped mid-call) and was "
                "rewritten from the file size; the audio is as recorded",
}


def _export(args, engine, settings, since, until) -> int:
    from .export import export
    from .store import get
    fmt = args.to or (args.output.suffix.lstrip(".").lower() if args.output.suffix.lstrip(".").lower()
                      in EXPORT_FORMATS else "wav")
    result = export(engine, settings.recordings.directory, get(engine, args.id), args.output, fmt, cli_actor())
    print(f"exported: {result.path} ({result.fmt}, {result.size_bytes} bytes)")
    return 0


def _purge(args, engine, settings, since, until) -> int:
    from .store import WAVEFORMS, execute_purge, purge_plan
    days = settings.recordings.retention_days
    plan = purge_plan(engine, days, recordings_dir=settings.recordings.directory)
    deleted = execute_purge(engine, settings.recordings.directory, plan, cli_actor(), yes=args.yes,
                            derived_dirs=(settings.state_dir / WAVEFORMS,))
    if args.format == "json":
        print(json.dumps({"retention_days": days, "cutoff": plan.cutoff.isoformat(), "deleted": deleted,
                          "recordings": [r.to_json() for r in plan.items],
                          "orphans": [o.to_json() for o in plan.orphans]}, indent=2))
        return 0
    _table(list(plan.items))
    for o in plan.orphans:
        print(f"orphan file (no row): {o.path} ({o.size_bytes} bytes, modified {o.modified:%Y-%m-%d %H:%M} UTC)")
    when = f"before {plan.cutoff:%Y-%m-%d %H:%M} UTC (retention {days} days)"
    if args.yes:   # every listed row is marked deleted; an orphan may have gone meanwhile
        orphans = f" and {deleted - len(plan.items)} orphan file(s) modified" if plan.orphans else ""
        print(f"deleted {len(plan.items)} recording(s) started{orphans} {when}")
    else:
        orphans = f" and {len(plan.orphans)} orphan file(s) modified" if plan.orphans else ""
        print(f"would delete {len(plan.items)} recording(s) started{orphans} {when}; "
              f"nothing deleted: run with --yes to delete")
    return 0


def _audit(args, engine, settings, since, until) -> int:
    from .store import audit_log, get
    unique_id = get(engine, args.id).unique_id if args.id else None
    rows = audit_log(engine, since, until, unique_id=unique_id, limit=args.limit)
    if args.format == "json":
        print(json.dumps([r.to_json() for r in rows], indent=2))
        return 0
    if not rows:
        print("(no audit entries)")
        return 0
    print(f"{'AT (UTC)':<19}  {'ACTOR':<20} {'ACTION':<9} {'UNIQUE ID':<24} DETAIL")
    for r in rows:
        print(f"{r.at.strftime('%Y-%m-%d %H:%M:%S'):<19}  {r.actor[:20]:<20} {r.action:<9} {r.unique_id[:24]:<24} "
              f"{r.detail}")
    return 0


def _check_dir(args, engine, settings, since, until) -> int:
    from .check import check
    folder = settings.recordings.directory
    found = check(engine, folder, settings.recordings.retention_days)
    attention = [f for f in found if f.attention]
    if args.format == "json":
        print(json.dumps({"directory": str(folder), "attention": len(attention),
                          "findings": [f.to_json() for f in found]}, indent=2))
    else:
        for f in found:
            print(f.line(folder))
        counts = {}
        for f in found:
            counts[f.kind] = counts.get(f.kind, 0) + 1
        detail = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        print(f"{len(attention)} file(s) need attention" + (f" ({detail})" if detail else "") if attention
              else "recordings directory and rows agree" + (f" ({detail})" if detail else ""))
    return 1 if attention else 0


_ACTIONS = {"list": _list, "show": _show, "export": _export, "purge": _purge, "audit": _audit,
            "check": _check_dir}
