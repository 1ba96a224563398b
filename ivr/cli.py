"""The `ivr` command: argument parsing and dispatch to one module per command.

Exit status: 0 done, 1 the input is wrong or a check failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .config import default_config_path
from .errors import IVRError


class _UidFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "uid"):
            record.uid = "-"
        return True


def setup_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_UidFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(uid)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("ivr.ami.panoramisk").setLevel(logging.WARNING)
    logging.getLogger("panoramisk").setLevel(logging.WARNING)
    # One line per migration step on every command is noise; upgrades still log a warning on failure.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ivr", description="IVR engine on Asterisk 22")
    p.add_argument("--config", type=Path, default=None, help="config.yaml (default ./config.yaml or $IVR_CONFIG)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("validate", help="check config.yaml")

    s = sub.add_parser("simulate", help="walk the menus with a fake channel, print JSON lines")
    s.add_argument("--digits", default="", help='presses separated by spaces, e.g. "1 2 #"; - is silence')
    s.add_argument("--caller-id", default="")
    s.add_argument("--at", default=None, help="ISO-8601 time of the call (hours, holidays)")
    s.add_argument("--lang", default=None)
    s.add_argument("--queue-status", default="", help="what a Queue() returns (TIMEOUT, FULL, ...)")

    sub.add_parser("serve", help="FastAGI server + call logging; SIGTERM drains calls")
    sub.add_parser("agi", help="serve one call over classic AGI (stdin/stdout), as AGI(ivr-agi.sh) runs it")

    s = sub.add_parser("sandbox", help="real Asterisk 22 in a chroot")
    s.add_argument("action", choices=["up", "down", "status"])

    s = sub.add_parser("call", help="place a test call through Asterisk and print its summary")
    s.add_argument("--digits", default="")
    s.add_argument("--caller-id", default="")
    s.add_argument("--called", default="")
    s.add_argument("--gap", type=float, default=3.0, help="seconds between presses")
    s.add_argument("--hold", type=float, default=60.0, help="seconds the caller listens after its last press")
    s.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                   help="a channel variable for the call (e.g. __AGENT_TALK_SECONDS=5 for test agents)")
    s.add_argument("--timeout", type=float, default=300.0)

    s = sub.add_parser("graph", help="the menu as a picture")
    s.add_argument("-o", "--output", type=Path, default=Path("menu.svg"), help="menu.svg, menu.png or menu.dot")

    from .audio.command import add_prompts_parser
    add_prompts_parser(sub)

    from .queues.callbacks import add_callbacks_parser
    from .recordings.command import add_recordings_parser
    from .reports.command import add_report_parser
    from .speech.command import add_say_parser
    from .web.command import add_web_parser
    add_report_parser(sub)
    add_callbacks_parser(sub)
    add_recordings_parser(sub)
    add_web_parser(sub)
    add_say_parser(sub)

    s = sub.add_parser("data", help="accounts, tariffs and billing rules")
    s.add_argument("action", choices=["load"])
    s.add_argument("file", type=Path)

    s = sub.add_parser("calls", help="the call log")
    s.add_argument("action", choices=["list", "show"])
    s.add_argument("id", nargs="?")
    s.add_argument("--format", choices=["table", "json"], default="table")
    s.add_argument("--limit", type=int, default=50)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.config = args.config or default_config_path()
    setup_logging(args.verbose)
    from . import commands
    try:
        return getattr(commands, "cmd_" + args.command)(args)
    except IVRError as exc:
        print(f"ivr {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `ivr simulate | head`: the reader is gone; say nothing more.
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
