"""Building the hotlines of a config document (ivr/hotlines/model.py says what they are).

`ivr validate` has already checked every file involved (the config and each
hotline's menu file, each with its own PATH:LINE); this builds what it
accepted and raises ConfigError on the first thing it cannot use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from ..errors import ConfigError
from ..menu.model import Menu, build_menu
from ..yamlguard import check_yaml
from .model import DEFAULT, BillingPlanRef, Hotline, Hotlines, RecordingPolicy
from .numbers import NumberPattern


def hotline_files(doc: Mapping[str, Any], base: Path) -> dict[str, Path]:
    """Hotline name -> the menu file it includes (only those given as a file name)."""
    out = {}
    for name, spec in (doc.get("hotlines") or {}).items():
        if isinstance(spec, dict) and isinstance(spec.get("menu"), str):
            path = Path(spec["menu"])
            out[str(name)] = path if path.is_absolute() else base / path
    return out


def read_menu_file(path: Path) -> dict:
    """A hotline's file: a mapping with `menu:` and optionally `hours:`."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read hotline file: {getattr(exc, 'strerror', None) or exc}", str(path)) from None
    check_yaml(text, str(path))
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("menu"), dict):
        raise ConfigError("a hotline file holds a `menu:` mapping (and may hold `hours:`)", str(path), 1, 1)
    return doc


def build_hotline(name: str, spec: Mapping[str, Any], doc: Mapping[str, Any], base: Path,
                  config_path: str) -> Hotline:
    """One hotline of `hotlines:`; its menu from its own file or inline."""
    menu_spec = spec.get("menu")
    hours = dict(doc.get("hours") or {})
    office = str(spec.get("hours") or "")   # whose time zone is the hotline's day
    source = config_path
    if isinstance(menu_spec, str):
        path = Path(menu_spec) if Path(menu_spec).is_absolute() else base / menu_spec
        file_doc = read_menu_file(path)
        hours.update(file_doc.get("hours") or {})
        office = office or next(iter(file_doc.get("hours") or {}), "")
        menu_doc, source = dict(file_doc["menu"]), str(path)
    elif isinstance(menu_spec, dict):
        menu_doc = dict(menu_spec)
    elif menu_spec is None and isinstance(doc.get("menu"), dict):
        menu_doc = dict(doc["menu"])   # the config's own menu, under this hotline's numbers and client
    else:
        raise ConfigError(f"hotlines.{name}.menu: a file name or a menu mapping", config_path)
    if spec.get("languages"):
        menu_doc["languages"] = list(spec["languages"])
    menu = build_menu({"menu": menu_doc, "hours": hours}, source, timezone_of=office)
    billing = spec.get("billing")
    return Hotline(
        name=name, client=str(spec.get("client") or ""),
        numbers=tuple(NumberPattern(str(n)) for n in spec.get("numbers") or ()),
        menu=menu, recording=RecordingPolicy(spec.get("recording") or "explicit"),
        billing=BillingPlanRef(str(billing.get("plan", "")), str(billing.get("currency", ""))) if billing else None,
        fallback_queue=str(spec.get("fallback_queue") or ""), source=source)


def build_hotlines(doc: Mapping[str, Any], config_path: str, base: Path,
                   only: set[str] | None = None, previous: Hotlines | None = None) -> Hotlines:
    """Every hotline of the document. With `only`, build just those names and take the
    others from `previous` (a reload that keeps a broken hotline's last good version)."""
    by_name: dict[str, Hotline] = {}
    default = ""
    if isinstance(doc.get("menu"), dict):
        by_name[DEFAULT] = Hotline(DEFAULT, "", (), build_menu(doc, config_path), source=config_path)
        default = DEFAULT
    for name, spec in (doc.get("hotlines") or {}).items():
        name = str(name)
        if only is not None and name not in only and previous is not None and name in previous.by_name:
            by_name[name] = previous.by_name[name]
        else:
            by_name[name] = build_hotline(name, spec or {}, doc, base, config_path)
        if (spec or {}).get("default"):
            default = name
    if not by_name:
        raise ConfigError("no menu: and no hotlines: nothing to answer calls with", config_path)
    return Hotlines(by_name, default or next(iter(by_name)))


def default_menu(hotlines: Hotlines) -> Menu:
    return hotlines.by_name[hotlines.default].menu
