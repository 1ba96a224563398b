"""`ivr data load FILE`: accounts, tariffs and billing rules from CSV or YAML.

A YAML file holds any of `accounts:`, `tariffs:`, `billing_rules:` (lists of
mappings); a CSV file holds one kind, told by its name (accounts*.csv,
tariffs*.csv, billing_rules*.csv). How the file is read (encodings,
delimiters, YAML's typed scalars) is ivr/data/reader.py; what a value may be
(amounts and their currency's minor unit) is ivr/data/values.py.

Every row is checked and every problem reported as `FILE:LINE: field:
message` (the first MAX_SHOWN, and how many more); only a clean file is
written, in one transaction (ivr/data/store.py `Upsert`), so nothing already
stored is lost to a bad file. The file is streamed: rows go to the database's
staging tables as they are read, in batches, and the duplicate keys are found
there by one GROUP BY each: memory stays flat whatever the size (tracemalloc
peak 9.6 MB at 20k rows, 9.4 MB at 100k; tests/data/test_import_stream.py).
`check_file` (no database; small files) keeps its keys in sets instead.

Keys: accounts by number, tariffs by (name, valid_from), rules by (name,
language); loading again updates them. A key twice in one file, or a caller
id given to two accounts, is refused naming both lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import Engine

from . import values
from .reader import KINDS, Options, Problem, Reader
from .values import Typed

__all__ = ["KINDS", "FIELDS", "MAX_SHOWN", "Loaded", "Options", "Problem", "Scan", "check_file", "load_file",
           "write"]

MAX_SHOWN = 100
FIELDS = {   # field: required
    "accounts": {"number": True, "pin": False, "currency": True, "name": False, "caller_ids": False,
                 "language": False, "balance": False, "due_date": False, "tariff": False},
    "tariffs": {"name": True, "price": True, "currency": True, "valid_from": True, "group": False,
                "unit": False, "valid_to": False},
    "billing_rules": {"name": True, "language": True, "prompt": True, "position": False},
}
_MONEY = ("balance", "price")
_DAYS = ("due_date", "valid_from", "valid_to")


def _currency(raw: Any) -> str:
    code = values.text(raw, "a currency code like PLN").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise ValueError(f"{raw!r} is not an ISO 4217 code (like PLN, EUR, HUF)")
    return code


def _digits(name: str, raw: Any) -> str:
    if isinstance(raw, Typed):
        if raw.tag == "int":
            # YAML reads 0012345 as octal 5349 and 12345 as an integer: only quoted text is what was typed.
            raise ValueError(f"{raw.value!r}: write it in quotes, e.g. '0012345' "
                             "(YAML turns unquoted digits into a number)")
        raise ValueError(raw.quote_it("digits in quotes, like '0012345'"))
    text = raw.strip()
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"{raw!r} must be digits only: callers type it on the keypad")
    if name == "pin" and not 4 <= len(text) <= 8:
        raise ValueError("a PIN has 4 to 8 digits")
    if len(text) > 32:
        raise ValueError("at most 32 digits")
    return text


def _caller_ids(raw: Any) -> list[str]:
    if isinstance(raw, list):
        if any(not isinstance(i, str) for i in raw):
            raise ValueError("write caller ids in quotes, e.g. ['48600100200'] "
                             "(YAML turns unquoted digits into numbers)")
        items = raw
    else:
        items = values.text(raw, "a list of caller ids in quotes, e.g. ['48600100200']") \
            .replace(";", " ").replace(",", " ").split()
    ids = [i.strip().lstrip("+") for i in items]
    for i in ids:
        if not i.isdigit() or not i.isascii() or len(i) > 32:
            raise ValueError(f"caller id {i!r} must be digits")
    return ids


_LIMITS = {"name": 128, "language": 8, "tariff": 64, "group": 64, "unit": 16, "prompt": 128}


def _plain(name: str, raw: Any) -> str:
    text = values.text(raw, "text in quotes" if isinstance(raw, Typed) and raw.tag == "bool" else "text").strip()
    if len(text) > _LIMITS[name]:
        raise ValueError(f"longer than {_LIMITS[name]} characters")
    return text


def _convert(name: str, raw: Any) -> Any:
    if name in _DAYS:
        return values.day(raw)
    if name in ("number", "pin"):
        return _digits(name, raw)
    if name == "caller_ids":
        return _caller_ids(raw)
    if name == "position":
        return values.whole_number(raw)
    return _plain(name, raw)


def check_row(kind: str, row: dict, path: str, line: int, decimal_mark: str | None = None
              ) -> tuple[dict, list[Problem]]:
    """A row's fields as typed values, and its problems (empty: the row is clean)."""
    known = FIELDS[kind]
    problems = [Problem(path, line, f, "unknown field (have " + ", ".join(known) + ")") for f in row if f not in known]
    clean: dict[str, Any] = {}
    money = []
    for name, required in known.items():
        raw = row.get(name)
        if raw is None or raw == "" or raw == []:
            if required:
                problems.append(Problem(path, line, name, "missing"))
            continue
        if isinstance(raw, str) and not raw.strip():
            if required:
                problems.append(Problem(path, line, name, "missing"))
            continue
        if name in _MONEY:
            money.append((name, raw))
            continue
        try:
            clean[name] = _currency(raw) if name == "currency" else _convert(name, raw)
        except ValueError as exc:
            problems.append(Problem(path, line, name, str(exc)))
    for name, raw in money:   # after the currency: it says how many decimals there may be
        try:
            clean[name] = values.amount(raw, clean.get("currency"), decimal_mark)
        except ValueError as exc:
            problems.append(Problem(path, line, name, str(exc)))
    if kind == "tariffs" and clean.get("valid_to") and clean.get("valid_from") \
            and clean["valid_to"] < clean["valid_from"]:
        problems.append(Problem(path, line, "valid_to", f"tariff {clean['name']} ends before it starts"))
    return clean, problems


def _keys(kind: str, clean: dict) -> list[tuple[str, Any, str, str]]:
    """(set, key, field, what) per key of a clean row that must be unique in a file."""
    if kind == "accounts":
        out = [("account", clean["number"], "number", f"account {clean['number']}")]
        out += [("phone", p, "caller_ids", p) for p in dict.fromkeys(clean.get("caller_ids", ()))]
        return out
    if kind == "tariffs":
        return [("tariff", (clean["name"], clean["valid_from"]), "valid_from",
                 f"tariff {clean['name']} from {clean['valid_from']}")]
    return [("rule", (clean["name"], clean["language"]), "language",
             f"billing rule {clean['name']} ({clean['language']})")]


Sink = Callable[[str, int, dict], None]


class Scan:
    """One pass over a file: every row checked, the clean ones handed to
    `sink(kind, line, row)` until the first problem (after which nothing would
    be written anyway). `problems` holds the first `keep` by line, `total` counts
    them all, `counts` the clean rows per kind."""

    def __init__(self, path: Path, options: Options = Options(), keep: int = MAX_SHOWN):
        self.path, self.options, self.keep = path, options, keep
        self.problems: list[Problem] = []
        self.total = 0
        self.counts = {k: 0 for k in KINDS}
        self.reader: Reader | None = None

    def _problem(self, p: Problem) -> None:
        self.total += 1
        if len(self.problems) < self.keep:
            self.problems.append(p)

    def duplicate(self, set_name: str, line: int, first: int | str, what: str) -> None:
        """A key already seen on line `first` (set: account, phone, tariff, rule)."""
        field_name = {"account": "number", "phone": "caller_ids", "tariff": "valid_from", "rule": "language"}[set_name]
        message = (f"{what} also belongs to the account on line {first}" if set_name == "phone"
                   else f"{what} is already on line {first}")
        self.problems.append(Problem(str(self.path), line, field_name, message))

    def run(self, sink: Sink | None = None, tick: Callable[[Reader, int], None] | None = None,
            staged: bool = False) -> "Scan":
        """Read and check every row. `staged`: the sink's staging tables find the
        duplicate keys (store.Upsert.duplicates), so no key is kept in memory."""
        name = str(self.path)
        reader = self.reader = Reader(self.path, self.options)
        seen: dict[str, set] = {"account": set(), "phone": set(), "tariff": set(), "rule": set()}
        again: list[tuple[str, Any, int, str, str]] = []
        rows = 0
        for item in reader.rows():
            if isinstance(item, Problem):
                self._problem(item)
                continue
            line, kind, row = item
            rows += 1
            if tick is not None and not rows % 4096:
                tick(reader, rows)
            clean, problems = check_row(kind, row, name, line, reader.decimal_mark)
            if problems:
                for p in problems:
                    self._problem(p)
                continue
            if staged:
                sink(kind, line, clean)
                if not self.total:
                    self.counts[kind] += 1
                continue
            fresh = True
            for set_name, key, field_name, what in _keys(kind, clean):
                if key in seen[set_name]:
                    fresh = False
                    self.total += 1
                    if len(again) < self.keep:
                        again.append((set_name, key, line, field_name, what))
                else:
                    seen[set_name].add(key)
            if fresh and not self.total:
                self.counts[kind] += 1
                if sink is not None:
                    sink(kind, line, clean)
        del seen
        if tick is not None:
            tick(reader, rows)
        if again:
            self._name_first_lines(again)
        self.problems.sort(key=lambda p: p.row)
        del self.problems[self.keep:]
        return self

    def _name_first_lines(self, again: list[tuple[str, Any, int, str, str]]) -> None:
        wanted = {(s, k) for s, k, *_ in again}
        first: dict[tuple[str, Any], int] = {}
        reader = Reader(self.path, self.options)
        for item in reader.rows():
            if isinstance(item, Problem):
                continue
            line, kind, row = item
            clean, problems = check_row(kind, row, str(self.path), line, reader.decimal_mark)
            if not problems:
                for set_name, key, *_ in _keys(kind, clean):
                    if (set_name, key) in wanted:
                        first.setdefault((set_name, key), line)
        for set_name, key, line, _, what in again:
            self.duplicate(set_name, line, first.get((set_name, key), "?"), what)


@dataclass
class Loaded:
    """A small file checked whole (tests, `write`): its clean rows per kind and all its problems."""
    accounts: list[dict]
    tariffs: list[dict]
    billing_rules: list[dict]
    problems: list[Problem]
    lines: dict[str, list[int]] = field(default_factory=dict)   # per kind, the row's line


def check_file(path: Path, options: Options = Options(), keep: int = 10_000) -> Loaded:
    """Check `path` without a database, keeping its clean rows in memory (small files)."""
    loaded = Loaded([], [], [], [])

    def collect(kind: str, line: int, row: dict) -> None:
        getattr(loaded, kind).append(row)
        loaded.lines.setdefault(kind, []).append(line)

    scan = Scan(path, options, keep).run(collect)
    loaded.problems = scan.problems
    if scan.total:
        loaded.accounts, loaded.tariffs, loaded.billing_rules = [], [], []
    return loaded


@dataclass
class Result:
    """What `load_file` did: rows written per kind, or the problems (first MAX_SHOWN) and their total."""
    counts: dict[str, int]
    problems: list[Problem]
    total: int


def load_file(engine: Engine, path: Path, options: Options = Options(),
              tick: Callable[[Reader, int], None] | None = None) -> Result:
    """Check and write `path` in one pass and one transaction; nothing is written if any row is wrong."""
    from .store import Upsert
    with Upsert(engine) as up:
        scan = Scan(path, options).run(up.add, tick, staged=True)
        dups = up.count_duplicates()
        if dups:
            scan.total += dups
            for d in up.duplicates(MAX_SHOWN):
                scan.duplicate(*d)
            scan.problems.sort(key=lambda p: p.row)
            del scan.problems[MAX_SHOWN:]
        if scan.total:
            return Result({}, scan.problems, scan.total)
        missing = up.merge()
        if missing:
            shown = [Problem(str(path), line, "pin", "missing: a new account needs a PIN")
                     for line in missing[:MAX_SHOWN]]
            return Result({}, shown, len(missing))
        up.commit()
    return Result(scan.counts, [], 0)


def write(engine: Engine, loaded: Loaded) -> dict[str, int]:
    """Upsert rows of `check_file` in one transaction (ivr/data/store.py); counts per kind.
    ValueError if new accounts come without a PIN (nothing is then written)."""
    from .store import upsert
    missing = upsert(engine, loaded.accounts, loaded.tariffs, loaded.billing_rules)
    if missing:
        raise ValueError(f"new accounts without a PIN (rows {', '.join(map(str, missing[:10]))})")
    return {k: len(getattr(loaded, k)) for k in KINDS}
