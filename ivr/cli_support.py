"""What every `ivr` command shares: the settings, the database, JSON output,
and the one place that turns an error into a message and an exit status.

Each command lives in its package's `command.py` as a pair:
`add_<name>_parser(subparsers)`, which declares the options and sets
`func=cmd_<name>`, and `cmd_<name>(args) -> int`, which does the work. A
command module imports only the standard library at the top, so that
`ivr --help` stays fast; SQLAlchemy, the controller and the rest are
imported inside the functions that need them.

Exit status (DESIGN.md):

- 0: done.
- 1: the command line is well formed, but what it names is wrong or a check
  failed: a date that is no date, a language the menu does not have, an id
  that is not in the database, a config or data file with problems. Raise
  any IVRError.
- 2: a usage error. argparse's own (an unknown option, a missing argument,
  a value outside its choices), and the ones argparse cannot see: a missing
  id that an action needs, options that do not go together. Raise
  CommandLineError (or call `usage`).

Either way the user sees one line on stderr, `ivr CMD: error: MESSAGE`,
and no traceback; an OSError (a file named on the command line that is not
there, a port in use) is an input error too. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterable, Iterator, NoReturn

from .errors import CommandLineError, IVRError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .config import Settings
    from .controller import Loaded

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FORMATS = ("table", "json")


def usage(message: str) -> NoReturn:
    """A usage error argparse cannot see: exit status 2."""
    raise CommandLineError(message)


def error(command: str, message: object) -> None:
    print(f"ivr {command}: error: {message}", file=sys.stderr)


def add_format_option(parser, formats: Iterable[str] = FORMATS) -> None:
    """`--format table|json`: every command that lists something has it."""
    formats = tuple(formats)
    parser.add_argument("--format", choices=formats, default=formats[0])


def print_json(value: Any, indent: int | None = 2) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=indent))


def settings(args) -> Settings:
    """The settings of `--config` (environment overrides included)."""
    from .config import load_settings
    return load_settings(args.config)


# The commands that answer calls: they play every prompt, so every prompt file must exist.
ANSWER_CALLS = ("serve", "agi")


def load(args) -> Loaded:
    """Settings, menu and prompts of `--config`, only if `ivr validate` finds no error in it;
    otherwise ConfigError listing every error line (ivr/menu/loading.py). A missing prompt
    file stops only the commands that answer calls: simulate and graph play nothing, and
    `ivr prompts` reads the config to find and make the missing files."""
    from .menu.loading import load_config
    return load_config(args.config, require_prompts=getattr(args, "command", None) in ANSWER_CALLS)


@contextmanager
def database(settings: Settings, must_exist: bool = False) -> Iterator[Engine]:
    """The configured database, migrated; its connections closed at the end. `must_exist`: a
    command that only reads refuses a SQLite file that is not there (ivr.store.db.open_engine)."""
    from .store.db import open_engine
    engine = open_engine(settings.database_url, must_exist=must_exist)
    try:
        yield engine
    finally:
        engine.dispose()


def run(args) -> int:
    """Run the command parsed into `args` (its `func`); the exit status."""
    try:
        return args.func(args)
    except CommandLineError as exc:
        error(args.command, exc)
        return EXIT_USAGE
    except IVRError as exc:
        error(args.command, exc)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `ivr simulate | head`: the reader is gone; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        # A file the command line names that is not there or not writable, a port in use.
        error(args.command, f"{exc.filename}: {exc.strerror}" if exc.filename and exc.strerror else exc)
        return EXIT_FAILED
