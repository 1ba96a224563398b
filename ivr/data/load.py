"""`ivr data load FILE`: accounts, tariffs and billing rules from CSV or YAML.

A YAML file holds any of `accounts:`, `tariffs:`, `billing_rules:` (lists of
mappings); a CSV file holds one kind, told by its name (accounts*.csv,
tariffs*.csv, billing_rules*.csv). Every row is checked first and every
problem reported as FILE:ROW: field: message; only a clean file is written,
in one transaction, so nothing already stored is lost to a bad file.
Accounts are keyed by number, tariffs by (name, valid_from), rules by
(name, language): loading again updates them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.engine import Engine

from .store import upsert

KINDS = ("accounts", "tariffs", "billing_rules")
FIELDS = {
    "accounts": {"number": True, "pin": True, "currency": True, "name": False, "caller_ids": False,
                 "language": False, "balance": False, "due_date": False, "tariff": False},
    "tariffs": {"name": True, "price": True, "currency": True, "valid_from": True, "group": False,
                "unit": False, "valid_to": False},
    "billing_rules": {"name": True, "language": True, "prompt": True, "position": False},
}


@dataclass(frozen=True)
class Problem:
    path: str
    row: int      # CSV: line number; YAML: line of the item
    field: str
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.row}: {self.field}: {self.message}" if self.field else f"{self.path}:{self.row}: {self.message}"


@dataclass
class Loaded:
    accounts: list[dict]
    tariffs: list[dict]
    billing_rules: list[dict]
    problems: list[Problem]
    lines: dict[str, list[int]] = field(default_factory=dict)   # per kind, the row's line


def read_rows(path: Path) -> tuple[dict[str, list[tuple[int, dict]]], list[Problem]]:
    """Rows per kind with their line numbers."""
    name = str(path)
    if path.suffix.lower() == ".csv":
        kind = next((k for k in KINDS if path.stem.lower().startswith(k)), None)
        if kind is None:
            return {}, [Problem(name, 1, "", f"cannot tell the kind from the file name: name it {'/'.join(k + '*.csv' for k in KINDS)}")]
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = [(reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}) for row in reader]
        return {kind: rows}, []
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            return {}, [Problem(name, mark.line + 1 if mark else 1, "", f"YAML syntax: {getattr(exc, 'problem', exc)}")]
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(doc, dict):
            return {}, [Problem(name, 1, "", "the top level must be a mapping of accounts/tariffs/billing_rules")]
        out, problems = {}, []
        lines = {k.value: v for k, v in root.value} if root is not None and hasattr(root, "value") else {}
        for key, items in doc.items():
            if key not in KINDS:
                problems.append(Problem(name, lines[key].start_mark.line + 1 if key in lines else 1, str(key),
                                        f"unknown section (have {', '.join(KINDS)})"))
                continue
            nodes = lines[key].value if isinstance(lines.get(key), yaml.SequenceNode) else []
            out[key] = [(nodes[i].start_mark.line + 1 if i < len(nodes) else 0, item if isinstance(item, dict) else {})
                        for i, item in enumerate(items or [])]
        return out, problems
    return {}, [Problem(name, 1, "", "use a .csv, .yaml or .yml file")]


def _decimal(value: Any) -> Decimal:
    try:
        d = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not d.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return d.quantize(Decimal("0.01"))


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def _check(kind: str, row: dict, path: str, line: int) -> tuple[dict, list[Problem]]:
    problems = [Problem(path, line, f, "unknown field (have " + ", ".join(FIELDS[kind]) + ")")
                for f in row if f not in FIELDS[kind]]
    clean: dict[str, Any] = {}
    for name, required in FIELDS[kind].items():
        raw = row.get(name)
        if raw in (None, ""):
            if required:
                problems.append(Problem(path, line, name, "missing"))
            continue
        try:
            clean[name] = _convert(kind, name, raw)
        except ValueError as exc:
            problems.append(Problem(path, line, name, str(exc)))
    return clean, problems


def _convert(kind: str, field: str, raw: Any) -> Any:
    if field in ("balance", "price"):
        return _decimal(raw)
    if field in ("due_date", "valid_from", "valid_to"):
        return _date(raw)
    if field == "currency":
        text = str(raw).upper()
        if len(text) != 3 or not text.isalpha():
            raise ValueError(f"{raw!r} is not an ISO 4217 code (like PLN, EUR, HUF)")
        return text
    if field in ("number", "pin"):
        if not isinstance(raw, str):
            # YAML reads 0012345 as octal 5349 and 12345 as an integer: only quoted text is what was typed.
            raise ValueError(f"{raw!r}: write it in quotes, e.g. '0012345' (YAML turns unquoted digits into a number)")
        text = str(raw)
        if not text.isdigit():
            raise ValueError(f"{raw!r} must be digits only: callers type it on the keypad")
        if field == "pin" and not 4 <= len(text) <= 8:
            raise ValueError("a PIN has 4 to 8 digits")
        return text
    if field == "caller_ids":
        items = raw if isinstance(raw, list) else str(raw).replace(";", " ").replace(",", " ").split()
        if isinstance(raw, list) and any(not isinstance(i, str) for i in items):
            raise ValueError("write caller ids in quotes, e.g. ['48600100200'] (YAML turns unquoted digits into numbers)")
        ids = [str(i).strip().lstrip("+") for i in items]
        for i in ids:
            if not i.isdigit():
                raise ValueError(f"caller id {i!r} must be digits")
        return ids
    if field == "position":
        return int(raw)
    return str(raw)


def check_file(path: Path) -> Loaded:
    rows, problems = read_rows(path)
    loaded = Loaded([], [], [], problems)
    for kind, items in rows.items():
        for line, row in items:
            clean, found = _check(kind, row, str(path), line)
            loaded.problems += found
            getattr(loaded, kind).append(clean)
            loaded.lines.setdefault(kind, []).append(line)
    for t, line in zip(loaded.tariffs, loaded.lines.get("tariffs", [])):
        if t.get("valid_to") and t.get("valid_from") and t["valid_to"] < t["valid_from"]:
            loaded.problems.append(Problem(str(path), line, "valid_to", f"tariff {t['name']} ends before it starts"))
    seen: dict[str, int] = {}
    for a, line in zip(loaded.accounts, loaded.lines.get("accounts", [])):
        for phone in a.get("caller_ids", []):
            if phone in seen:
                loaded.problems.append(Problem(str(path), line, "caller_ids",
                                               f"{phone} also belongs to the account on line {seen[phone]}"))
            else:
                seen[phone] = line
    return loaded


def write(engine: Engine, loaded: Loaded) -> dict[str, int]:
    """Upsert everything in one transaction (ivr/data/store.py); return counts per kind."""
    upsert(engine, loaded.accounts, loaded.tariffs, loaded.billing_rules)
    return {k: len(getattr(loaded, k)) for k in KINDS}
