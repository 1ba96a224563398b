"""Data access lives in store modules.

A module may build or run queries (import SQLAlchemy's query API: select,
insert, update, delete, text, func, Session, ...) only if it is a store
module: under ivr/store/ (migrations included), named store.py in any
package, or under ivr/bench/ (benchmarks poke the database on purpose).
Everyone else may import from SQLAlchemy only `sqlalchemy.engine` (the
Engine type, to pass an engine along) and `sqlalchemy.exc` (to turn a
database error into an IVR one): pages, commands and the engine get frozen
views from the store modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ivr"

# Neither the query API nor ORM: a type to pass along and the errors to catch.
HARMLESS = {"sqlalchemy.engine": {"Engine"}, "sqlalchemy.exc": None}   # None: any name

# Modules that still query outside a store module, each with its reason. Shrink this list; never grow it.
# None is left: every query lives in a store module.
EXCEPTIONS: dict[str, str] = {}


def is_store_module(rel: str) -> bool:
    return rel.startswith(("ivr/store/", "ivr/bench/")) or rel.endswith("/store.py")


def query_imports(path: Path) -> list[str]:
    """Imports of SQLAlchemy other than the harmless ones, as 'line: module.name'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] == "sqlalchemy" and a.name not in HARMLESS]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "sqlalchemy":
            allowed = HARMLESS.get(node.module, set())
            found += [f"{node.lineno}: {node.module}.{a.name}" for a in node.names
                      if allowed is not None and a.name not in allowed]
    return found


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, path.relative_to(PACKAGE.parent).as_posix()


def test_only_store_modules_query_the_database():
    offenders = {rel: imports for path, rel in modules()
                 if not is_store_module(rel) and rel not in EXCEPTIONS and (imports := query_imports(path))}
    assert not offenders, ("SQL outside a store module (move the query into a store module and return "
                           f"frozen views): {offenders}")


def test_the_exceptions_are_still_needed():
    """An exception that no longer queries, or that became a store module, must leave the list."""
    stale = [rel for rel in EXCEPTIONS
             if not (PACKAGE.parent / rel).exists() or is_store_module(rel)
             or not query_imports(PACKAGE.parent / rel)]
    assert not stale, f"remove from EXCEPTIONS: {stale}"


def test_the_rule_sees_a_query_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from sqlalchemy import select\nfrom sqlalchemy.orm import Session\nimport sqlalchemy\n"
                   "from sqlalchemy.engine import Engine\nfrom sqlalchemy.exc import SQLAlchemyError\n"
                   "def f():\n    from sqlalchemy.dialects import sqlite\n")
    assert query_imports(bad) == ["1: sqlalchemy.select", "2: sqlalchemy.orm.Session", "3: import sqlalchemy",
                                  "7: sqlalchemy.dialects.sqlite"]
