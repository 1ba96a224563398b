"""The `ivr` command: the top-level options, and one `command.py` per package
for the commands (see ivr/cli_support.py for the convention they follow).

Exit status: 0 done, 1 the input is wrong or a check failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .cli_support import run



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
    from .ami.command import add_call_parser
    from .audio.command import add_prompts_parser
    from .data.command import add_data_parser
    from .menu.command import add_graph_parser, add_simulate_parser, add_validate_parser
    from .queues.command import add_callbacks_parser
    from .recordings.command import add_recordings_parser
    from .reports.command import add_report_parser
    from .sandbox.command import add_sandbox_parser
    from .serve.command import add_agi_parser, add_serve_parser
    from .speech.command import add_say_parser
    from .store.command import add_calls_parser
    from .web.command import add_web_parser

    p = argparse.ArgumentParser(prog="ivr", description="IVR engine on Asterisk 22")
    p.add_argument("--config", type=Path, default=None, help="config.yaml (default ./config.yaml or $IVR_CONFIG)")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # In the order `ivr --help` lists them.
    for add in (add_validate_parser, add_simulate_parser, add_serve_parser, add_agi_parser, add_sandbox_parser,
                add_call_parser, add_graph_parser, add_prompts_parser, add_report_parser, add_callbacks_parser,
                add_recordings_parser, add_web_parser, add_say_parser, add_data_parser, add_calls_parser):
        add(sub)
    from .deploy.command import add_systemd_parser; add_systemd_parser(sub)  # noqa: E702 - ivr systemd
    from .install.command import add_asterisk_config_parser; add_asterisk_config_parser(sub)  # noqa: E702
    from .install.command import add_doctor_parser; add_doctor_parser(sub)  # noqa: E702 - ivr doctor
    return p


def main(argv: list[str] | None = None) -> int:
    from .config import default_config_path
    args = build_parser().parse_args(argv)
    args.config = args.config or default_config_path()
    setup_logging(args.verbose)
    return run(args)
