"""`ivr data load FILE`: accounts, tariffs and billing rules into the database, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import IVRError


def add_data_parser(subparsers) -> None:
    s = subparsers.add_parser("data", help="accounts, tariffs and billing rules")
    s.add_argument("action", choices=["load"])
    s.add_argument("file", type=Path)
    s.set_defaults(func=cmd_data)


def cmd_data(args) -> int:
    from ..cli_support import database, settings
    from .load import check_file, write
    config = settings(args)
    loaded = check_file(args.file)
    for p in loaded.problems:
        print(p.format(), file=sys.stderr)
    if loaded.problems:
        raise IVRError(f"{len(loaded.problems)} problem(s) in {args.file}; nothing was written")
    with database(config) as engine:
        counts = write(engine, loaded)
    print("loaded " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n))
    return 0
