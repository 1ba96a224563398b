"""Reading an import file into rows: `(line, kind, {field: value})` per row, or a
`Problem` where the file itself is wrong. No values are checked here.

CSV (streamed: one row in memory at a time):
- bytes: UTF-8, with or without the BOM Excel's "CSV UTF-8" writes, unless
  the user names another codec (`--encoding cp1250`). Bytes that are not
  valid in it, NUL and other C0 control bytes (but tab, CR, LF) are refused
  as `FILE:LINE: not UTF-8 text (save as CSV UTF-8)`: a binary file (an
  .xlsx renamed .csv) fails on its first line.
- dialect: the delimiter is `--delimiter`, or what csv.Sniffer finds among
  `,` `;` tab `|` in the first 16 KiB (the header line decides when it
  cannot tell). Quotes are Excel's (`"`, doubled inside). A `;` file is
  written by Excel in the pl/hu/lt locales, whose decimal mark is `,`:
  `decimal_mark` tells values.amount.
- shape: the first line names the fields (case and spaces ignored); a row
  with more or fewer fields than the header is refused, naming its line.
  Rows with every field empty are skipped (Excel writes `;;;` for them).

YAML (read whole; large imports belong in CSV): `accounts:`, `tariffs:`,
`billing_rules:`, each a list of mappings. yaml.compose gives every
scalar's tag and line, so a value YAML did not read as a string arrives as
values.Typed (`name: NO` is a boolean, `price: 5.10` the float 5.1) and the
checks refuse it with its line.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator, Union

import yaml

from .values import Typed

KINDS = ("accounts", "tariffs", "billing_rules")
DELIMITERS = ",;\t|"
SNIFF_BYTES = 16 * 1024
FIELD_LIMIT = 1 << 20
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
_YAML_TAG = "tag:yaml.org,2002:"


@dataclass(frozen=True)
class Problem:
    path: str
    row: int      # the line in the file (CSV: where the row starts; YAML: the item's first line)
    field: str
    message: str

    def format(self) -> str:
        where = f"{self.path}:{self.row}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


Row = tuple[int, str, dict]   # (line, kind, {field: value})
Item = Union[Row, Problem]


@dataclass(frozen=True)
class Options:
    """How to read the file: `encoding` a Python codec name (None: UTF-8, BOM
    or not), `delimiter` one character (None: sniffed)."""
    encoding: str | None = None
    delimiter: str | None = None


def is_text_codec(name: str) -> bool:
    """Whether `name` is a codec that turns bytes into text (not rot13, not base64)."""
    try:
        return codecs.lookup(name)._is_text_encoding
    except LookupError:
        return False


def kind_of(path: Path) -> str | None:
    """The kind a CSV holds, by its name: accounts*.csv, tariffs*.csv, billing_rules*.csv."""
    return next((k for k in KINDS if path.stem.lower().startswith(k)), None)


class Reader:
    """What one pass over the file yields: `rows()`, then `decimal_mark` and
    `kinds` describe what was read. `position()` / `size` (bytes) drive a
    progress bar."""

    def __init__(self, path: Path, options: Options = Options()):
        self.path, self.name, self.options = path, str(path), options
        self.size = path.stat().st_size
        self.decimal_mark: str | None = None
        self._raw: IO[bytes] | None = None

    def _not_text(self, line: int) -> Problem:
        enc = self.options.encoding
        if enc is None or codecs.lookup(enc).name == "utf-8":
            return Problem(self.name, line, "", "not UTF-8 text (save as CSV UTF-8)")
        return Problem(self.name, line, "", f"not {enc} text")

    def _codec(self) -> str:
        enc = self.options.encoding
        return "utf-8-sig" if enc is None or codecs.lookup(enc).name == "utf-8" else enc

    def position(self) -> int:
        try:
            return self._raw.tell() if self._raw is not None else 0
        except (OSError, ValueError):
            return 0

    def rows(self) -> Iterator[Item]:
        suffix = self.path.suffix.lower()
        if suffix == ".csv":
            kind = kind_of(self.path)
            if kind is None:
                yield Problem(self.name, 1, "", "cannot tell the kind from the file name: name it "
                              + "/".join(k + "*.csv" for k in KINDS))
                return
            self.kinds = (kind,)
            yield from self._csv(kind)
        elif suffix in (".yaml", ".yml"):
            yield from self._yaml()
        else:
            yield Problem(self.name, 1, "", "use a .csv, .yaml or .yml file")

    # -- CSV

    def _text(self, raw: IO[bytes]) -> io.TextIOWrapper:
        # surrogateescape: a byte the codec refuses becomes U+DC80..U+DCFF and is
        # found by _NOT_TEXT with the line csv counted, instead of a traceback.
        return io.TextIOWrapper(raw, encoding=self._codec(), errors="surrogateescape", newline="")

    def _delimiter(self, raw: IO[bytes]) -> str:
        if self.options.delimiter:
            return self.options.delimiter
        wrapper = self._text(raw)
        try:
            sample = wrapper.read(SNIFF_BYTES)
        finally:
            wrapper.detach()   # closing the wrapper would close the file
            raw.seek(0)
        header = sample.split("\n", 1)[0]
        if "\n" in sample:
            sample = sample[:sample.rindex("\n") + 1]
        try:
            found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            found = ""
        if found and found in header:
            return found
        counts = sorted(((header.count(d), -i, d) for i, d in enumerate(DELIMITERS)), reverse=True)
        return counts[0][2] if counts[0][0] else ","

    def _csv(self, kind: str) -> Iterator[Item]:
        csv.field_size_limit(FIELD_LIMIT)
        with open(self.path, "rb") as raw:
            self._raw = raw
            try:
                delimiter = self._delimiter(raw)
            except UnicodeDecodeError:
                yield self._not_text(1)
                return
            self.decimal_mark = {";": ",", ",": "."}.get(delimiter)
            reader = csv.reader(self._text(raw), delimiter=delimiter, quotechar='"', doublequote=True,
                                strict=False)
            header: list[str] | None = None
            end = 0
            while True:
                start = end + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except UnicodeDecodeError:
                    yield self._not_text(reader.line_num + 1)
                    return
                except csv.Error as exc:
                    yield Problem(self.name, reader.line_num, "", f"not CSV: {exc}")
                    return
                end = reader.line_num
                joined = "\t".join(cells)
                bad = _NOT_TEXT.search(joined)
                if bad:
                    yield self._not_text(start + joined[:bad.start()].count("\n"))
                    return
                if header is None:
                    header = [c.strip().lstrip("\ufeff").lower() for c in cells]
                    problems = list(self._check_header(header))
                    yield from problems
                    if problems:
                        return
                    continue
                if not any(cells) or all(not c.strip() for c in cells):
                    continue
                if len(cells) != len(header):
                    yield Problem(self.name, start, "", f"{len(cells)} fields where the header (line 1) has "
                                  f"{len(header)}: a delimiter inside an unquoted value, or a missing one?")
                    continue
                yield start, kind, dict(zip(header, cells))
            if header is None:
                yield Problem(self.name, 1, "", "empty file: the first line must name the fields")

    def _check_header(self, header: list[str]) -> Iterator[Problem]:
        seen: set[str] = set()
        for i, name in enumerate(header, 1):
            if not name:
                yield Problem(self.name, 1, "", f"column {i} of the header has no name")
            elif name in seen:
                yield Problem(self.name, 1, name, "named twice in the header")
            seen.add(name)

    # -- YAML

    def _yaml(self) -> Iterator[Item]:
        data = self.path.read_bytes()
        try:
            text = data.decode(self._codec())
        except UnicodeDecodeError as exc:
            yield self._not_text(data[:exc.start].count(b"\n") + 1)
            return
        bad = _NOT_TEXT.search(text)
        if bad:
            yield self._not_text(text[:bad.start()].count("\n") + 1)
            return
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            yield Problem(self.name, mark.line + 1 if mark else 1, "", f"YAML syntax: {getattr(exc, 'problem', exc)}")
            return
        except RecursionError:
            yield Problem(self.name, 1, "", "nesting too deep")
            return
        if root is None:
            self.kinds = ()
            return
        if not isinstance(root, yaml.MappingNode):
            yield Problem(self.name, root.start_mark.line + 1, "",
                          "the top level must be a mapping of accounts/tariffs/billing_rules")
            return
        self.kinds = ()
        for key, items in root.value:
            line = key.start_mark.line + 1
            if not (isinstance(key, yaml.ScalarNode) and key.tag == _YAML_TAG + "str" and key.value in KINDS):
                yield Problem(self.name, line, str(key.value), f"unknown section (have {', '.join(KINDS)})")
                continue
            self.kinds += (key.value,)
            if isinstance(items, yaml.ScalarNode) and items.tag == _YAML_TAG + "null":
                continue
            if not isinstance(items, yaml.SequenceNode):
                yield Problem(self.name, line, key.value, "must be a list of mappings")
                continue
            for item in items.value:
                yield from self._yaml_item(key.value, item)

    def _yaml_item(self, kind: str, item: yaml.Node) -> Iterator[Item]:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            yield Problem(self.name, line, kind, "each item must be a mapping of field: value")
            return
        row: dict = {}
        seen: dict[str, int] = {}
        for k, v in item.value:
            name = str(k.value).strip().lower() if isinstance(k, yaml.ScalarNode) else "?"
            if name in seen:
                yield Problem(self.name, k.start_mark.line + 1, name, f"given twice (also on line {seen[name]})")
                continue
            seen[name] = k.start_mark.line + 1
            row[name] = _value(v)
        yield line, kind, row


def _value(node: yaml.Node) -> object:
    """A str for a YAML string, a list for a flat list, else a values.Typed."""
    if isinstance(node, yaml.ScalarNode):
        tag = node.tag[len(_YAML_TAG):] if node.tag.startswith(_YAML_TAG) else node.tag
        if tag == "str":
            return node.value
        if tag == "null":
            return ""
        ctor = yaml.SafeLoader.yaml_constructors.get(node.tag)
        try:
            value = ctor(yaml.SafeLoader(""), node) if ctor else node.value
        except Exception:  # an impossible date 2026-02-30: keep the text
            value = node.value
        return Typed(node.value, tag, value)
    if isinstance(node, yaml.SequenceNode):
        if all(isinstance(n, yaml.ScalarNode) for n in node.value):
            return [_value(n) for n in node.value]
        return Typed("[...]", "list", None)
    return Typed("{...}", "mapping", None)
