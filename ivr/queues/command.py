"""`ivr callbacks list|done ID`: callers waiting to be called back."""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict


def add_callbacks_parser(subparsers) -> None:
    from ..cli_support import add_format_option
    s = subparsers.add_parser("callbacks", help="callers waiting to be called back")
    s.add_argument("action", choices=["list", "done"])
    s.add_argument("id", nargs="?", type=int, help="the request done (with `done`)")
    s.add_argument("--queue", default="")
    s.add_argument("--all", action="store_true", help="done ones too")
    add_format_option(s)
    s.set_defaults(func=cmd_callbacks)


def cmd_callbacks(args) -> int:
    from ..cli_support import database, settings, usage
    from .store import list_callbacks, mark_done
    if args.action == "done" and args.id is None:
        usage("done: which request? (an id from `ivr callbacks list`)")
    with database(settings(args)) as engine:
        if args.action == "done":
            done = mark_done(engine, args.id, f"cli:{getpass.getuser()}")
            print(f"callback request {done.id} ({done.caller_id}) done")
            return 0
        rows = list_callbacks(engine, args.queue, pending_only=not args.all)
    if args.format == "json":  # JSON Lines: one request per line
        for r in rows:
            print(json.dumps(asdict(r)))
        return 0
    print(f"{'id':>5}  {'requested':25}  {'queue':10}  {'caller':16}  {'account':10}  lang  done")
    for r in rows:
        print(f"{r.id:>5}  {r.requested_at:25}  {r.queue:10}  {r.caller_id:16}  {r.account:10}  "
              f"{r.language:4}  {r.done_at or '-'}")
    return 0
