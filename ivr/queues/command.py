"""`ivr callbacks list|show ID|done ID`: callers waiting to be called back, the dialer's
attempts for one of them, and marking one done by hand."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict


def add_callbacks_parser(subparsers) -> None:
    from ..cli_support import add_format_option
    s = subparsers.add_parser("callbacks", help="callers waiting to be called back, and the dialer's attempts")
    s.add_argument("action", choices=["list", "show", "done"])
    s.add_argument("id", nargs="?", type=int, help="the request shown (show) or done (done)")
    s.add_argument("--queue", default="")
    s.add_argument("--all", action="store_true", help="done and failed ones too")
    add_format_option(s)
    s.set_defaults(func=cmd_callbacks)


def _check_queue(queue: str, queues_conf) -> None:
    """--queue names a queue of queues.conf (a misspelt one would list nothing, silently);
    when queues.conf cannot be read, any name is taken."""
    from ..cli_support import usage
    from .conf import queue_names
    try:
        known = queue_names(queues_conf)
    except OSError:
        return
    if known and queue not in known:
        usage(f"--queue {queue}: no such queue in {queues_conf} (it has: {', '.join(sorted(known))})")


def _iso(value) -> str:
    return value.isoformat() if value is not None else "-"


def cmd_callbacks(args) -> int:
    from ..cli_support import database, settings, usage
    from ..errors import IVRError
    from .store import attempts_of, list_callbacks, mark_done
    if args.action in ("done", "show") and args.id is None:
        usage(f"{args.action}: which request? (an id from `ivr callbacks list`)")
    config = settings(args)
    if args.queue:
        _check_queue(args.queue, config.queues.queues_conf)
    with database(config) as engine:
        if args.action == "done":
            done = mark_done(engine, args.id, f"cli:{getpass.getuser()}")
            print(f"callback request {done.id} ({done.caller_id}) done")
            return 0
        if args.action == "show":
            [request] = [r for r in list_callbacks(engine, pending_only=False) if r.id == args.id] or [None]
            if request is None:
                raise IVRError(f"callback request {args.id}: no such request")
            attempts = attempts_of(engine, args.id)
            if args.format == "json":
                print(json.dumps({**asdict(request), "attempts_made": [
                    {k: (_iso(v) if hasattr(v, "isoformat") else v) for k, v in asdict(a).items()}
                    for a in attempts]}))
                return 0
            print(f"callback request {request.id}: {request.caller_id} for queue {request.queue}, asked "
                  f"{request.requested_at}, {request.state} after {request.attempts} attempt(s)")
            for a in attempts:
                print(f"  #{a.attempt}  {_iso(a.started_at):32}  {a.mode:12}  {a.result:10}  "
                      f"connected {_iso(a.connected_at)}  {a.controller}  {a.detail}")
            return 0
        rows = list_callbacks(engine, args.queue, pending_only=not args.all)
    if args.format == "json":  # JSON Lines: one request per line
        for r in rows:
            print(json.dumps(asdict(r)))
        return 0
    print(f"{'id':>5}  {'requested':25}  {'queue':10}  {'caller':16}  {'account':10}  lang  "
          f"{'state':8}  tries  {'last':10}  next / done")
    for r in rows:
        print(f"{r.id:>5}  {r.requested_at:25}  {r.queue:10}  {r.caller_id:16}  {r.account:10}  "
              f"{r.language:4}  {r.state:8}  {r.attempts:>5}  {r.last_result or '-':10}  "
              f"{r.done_at or r.next_at or '-'}")
    return 0
