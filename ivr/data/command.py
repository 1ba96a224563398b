"""`ivr data load FILE [--encoding CODEC] [--delimiter C]`: accounts, tariffs and
billing rules into the database, all or nothing (ivr/data/load.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..errors import IVRError

_NAMED = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def add_data_parser(subparsers) -> None:
    s = subparsers.add_parser("data", help="accounts, tariffs and billing rules")
    s.add_argument("action", choices=["load"])
    s.add_argument("file", type=Path)
    s.add_argument("--encoding", help="the file's codec when it is not UTF-8, e.g. cp1250 (Excel's "
                                      "\"CSV\" in Central Europe); any Python codec name")
    s.add_argument("--delimiter", help="the CSV delimiter (one character, or tab); default: detected")
    s.set_defaults(func=cmd_data)


class Progress:
    """A one-line bar on stderr, only when stderr is a terminal (none in pipes and CI)."""

    def __init__(self, stream=sys.stderr, every_s: float = 0.2):
        self.stream, self.every_s, self.last = stream, every_s, 0.0
        self.on = stream.isatty()
        self.shown = False

    def __call__(self, reader, rows: int) -> None:
        now = time.monotonic()
        if not self.on or now - self.last < self.every_s:
            return
        self.last, self.shown = now, True
        done = min(1.0, reader.position() / reader.size) if reader.size else 1.0
        bar = "#" * int(done * 30)
        self.stream.write(f"\r[{bar:<30}] {done:4.0%} {rows:,} rows")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _options(args):
    from ..cli_support import usage
    from .reader import Options, is_text_codec
    if args.encoding is not None and not is_text_codec(args.encoding):
        usage(f"--encoding {args.encoding!r}: not a text codec Python knows (e.g. utf-8, cp1250, iso-8859-2)")
    delimiter = args.delimiter
    if delimiter is not None:
        delimiter = _NAMED.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1 or delimiter in "\"\r\n" or delimiter.isalnum():
            usage(f"--delimiter {args.delimiter!r}: one character such as ';' ',' '|' or tab")
    return Options(args.encoding, delimiter)


def cmd_data(args) -> int:
    from ..cli_support import database, settings
    from .load import load_file
    options = _options(args)
    config = settings(args)
    if not args.file.is_file():
        raise IVRError(f"{args.file}: no such file")
    progress = Progress()
    with database(config) as engine:
        try:
            result = load_file(engine, args.file, options, tick=progress)
        finally:
            progress.close()
    for p in result.problems:
        print(p.format(), file=sys.stderr)
    if result.total:
        more = result.total - len(result.problems)
        if more > 0:
            print(f"... and {more:,} more", file=sys.stderr)
        raise IVRError(f"{result.total:,} problem(s) in {args.file}; nothing was written")
    print("loaded " + (", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in result.counts.items() if n)
                       or "nothing (no rows)"))
    return 0
