"""The one way a config.yaml becomes something that runs.

`ivr serve`, `ivr agi`, `ivr simulate`, `ivr graph` and the controller's
reload (on SIGHUP or a changed file) all call `load_config`: the file is
read once, `ivr validate`'s checks run on that text (ivr/menu/validate.py),
and only a text without errors is turned into settings, a menu and prompts.
Otherwise ConfigError carries every error line, `PATH:LINE:COL: error: ...`
as `ivr validate` prints them: a command exits 1 showing them, a reload
logs them and keeps the version it has.

`ivr prompts check|synth` load with `require_prompts=False`: they read the
config to find (and make) the prompt files that are missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..controller import Loaded
    from .validate import Problem


def load_config(path: Path | str, *, require_prompts: bool = True, previous: Loaded | None = None,
                kept: dict[str, list[str]] | None = None) -> Loaded:
    """Settings, hotlines and prompts of the config at `path`, if `ivr validate` finds no error.

    A reload passes the version it runs (`previous`): an error in one hotline's own file
    then keeps that hotline's last good version (its lines go into `kept`, by hotline)
    while the others are loaded anew, so one client's broken file never stops another's
    calls. An error in config.yaml itself keeps everything as it was."""
    from ..config import load_settings
    from ..controller import Loaded
    from ..hotlines.load import build_hotlines, default_menu, hotline_files
    from ..hotlines.model import DEFAULT
    from .prompts import PromptResolver
    from .validate import validate_text
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config: {getattr(exc, 'strerror', None) or exc}", str(path)) from None
    problems = validate_text(text, str(path), path.resolve().parent, require_prompts=require_prompts)
    errors = [p for p in problems if p.severity == "error"]
    broken: set[str] = set()
    if errors and previous is not None:
        try:
            settings = load_settings(path, text)
        except ConfigError:   # config.yaml itself cannot be read (a YAML bomb, nesting): all its lines below
            settings = None
        files = {str(f): name for name, f in hotline_files(settings.raw, settings.base).items()} if settings else {}
        if files and all(p.path in files and files[p.path] in previous.hotlines.by_name for p in errors):
            broken = {files[p.path] for p in errors}
            for p in errors:
                (kept if kept is not None else {}).setdefault(files[p.path], []).append(p.format())
            errors = []
    if errors:
        raise invalid_config(path, errors)
    settings = load_settings(path, text)
    rebuilt = None if not broken else {DEFAULT, *map(str, settings.raw.get("hotlines") or {})} - broken
    hotlines = build_hotlines(settings.raw, str(settings.path), settings.base, only=rebuilt,
                              previous=previous.hotlines if previous else None)
    menu = default_menu(hotlines)
    return Loaded(settings, menu, PromptResolver(settings.prompts_dir, menu.default_language), hotlines)


def invalid_config(path: Path | str, errors: list[Problem]) -> ConfigError:
    """One ConfigError for all of `errors`: its message is a count, then one line per error
    as `ivr validate` prints it; `.lines` holds those lines, path, line and col the first's."""
    lines = [p.format() for p in errors]
    exc = ConfigError(f"{path} has {len(lines)} error(s):\n" + "\n".join(lines))
    exc.path, exc.line, exc.col = str(path), errors[0].line, errors[0].col
    exc.lines = lines  # type: ignore[attr-defined]
    return exc


def error_lines(exc: ConfigError) -> list[str]:
    """The `PATH:LINE:COL: error: ...` lines of a ConfigError (one, for an error of its own)."""
    return list(getattr(exc, "lines", None) or [str(exc)])
