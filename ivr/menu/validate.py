"""`ivr validate`: every problem of a config.yaml, each with its line and column.

The document is read with `yaml.compose`, so each check sees the YAML nodes
(with their marks and resolved tags) rather than the Python values PyYAML
would build: that is how `01`, `no` and duplicate keys are caught. Each rule
is one small `_check_*` function that reports what it found and carries on;
the run never stops at the first problem (only a YAML syntax error stops it,
since there is no tree to check then).

Paths are relative to the config file's directory (or `base`): `prompts_dir`
(default `prompts`) and `queues.queues_conf` (default
`asterisk-conf/queues.conf`), as `ivr.config.load_settings` resolves them.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import re
import textwrap
import typing
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from yaml.nodes import MappingNode, Node as YNode, ScalarNode, SequenceNode

from ..config import NAME_RE, AMISettings, ControllerSettings, LiveSettings, QueueSettings, RecordingSettings
from ..errors import ConfigError
from ..yamlguard import check_yaml
from ..queues.conf import queue_names
from .hours import parse_days, parse_interval
# What each node type holds comes from its declaration (ivr.menu.nodes): a new type is checked too.
from .menugraph import MenuGraph
from .model import SPECIAL_TARGETS
from .nodes import REGISTRY, FieldKind, FieldSpec, NodeType
from .nodes.base import MAX_TIMEOUT
from .prompts import prompt_files


@dataclass(frozen=True)
class Problem:
    path: str
    line: int      # 1-based
    col: int       # 1-based
    severity: str  # "error" | "warning"
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"


def validate_file(path: Path | str) -> list[Problem]:
    """All problems of the config file at `path`, sorted by line."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(str(path), 1, 1, "error", f"cannot read config: {exc}")]
    return validate_text(text, str(path), Path(path).resolve().parent)


def validate_text(text: str, path: str = "config.yaml", base: Path | None = None, *,
                  require_prompts: bool = True) -> list[Problem]:
    """All problems of config text; relative paths start at `base` (default: path's directory).
    `require_prompts=False` leaves out the check that every prompt file exists (`ivr prompts`
    reads a config precisely to find and make the missing ones)."""
    doc = _Doc(path, Path(path).resolve().parent if base is None else Path(base), text.splitlines(),
               require_prompts=require_prompts)
    try:
        check_yaml(text, path)  # nesting and alias bombs, before anything composes the tree
        root = _compose(text)
    except ConfigError as exc:
        doc.at(max(exc.line - 1, 0), max(exc.col - 1, 0), "error", exc.message)
    except yaml.MarkedYAMLError as exc:
        _check_syntax_error(doc, exc)
        _check_hash_in_flow(doc)
    except yaml.YAMLError as exc:  # no mark: report it at the top
        doc.at(0, 0, "error", f"YAML syntax error: {exc}")
    else:
        doc.root = root
        for check in CHECKS:
            if require_prompts or check is not _check_prompt_files:
                check(doc)
    return sorted(set(doc.problems), key=lambda p: (p.line, p.col, p.severity, p.message))


def _compose(text: str) -> YNode | None:
    """The node tree, by libyaml when it is there (same nodes and marks, several times faster)."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.compose(text, Loader=fast)
        except yaml.YAMLError:
            pass  # parse again in Python: its error messages are the ones we document and test
    return yaml.compose(text, Loader=yaml.SafeLoader)


# --- what the document may hold ------------------------------------------------------------

TOP_KEYS = ("controller", "ami", "database", "recordings", "menu", "hours", "hotlines", "billing_plans",
            "prompts_dir", "state_dir", "queues", "data", "web", "live")
SECTION_KEYS = {
    "controller": tuple(f.name for f in dataclasses.fields(ControllerSettings)),
    "ami": tuple(f.name for f in dataclasses.fields(AMISettings)),
    "recordings": tuple(f.name for f in dataclasses.fields(RecordingSettings)),
    "queues": tuple(f.name for f in dataclasses.fields(QueueSettings)),
    "live": tuple(f.name for f in dataclasses.fields(LiveSettings)),
    "database": ("url",),
}
MENU_KEYS = ("entry", "languages", "nodes")
HOTLINE_FILE_KEYS = ("menu", "hours")
HOTLINE_KEYS = ("numbers", "client", "menu", "languages", "hours", "recording", "billing", "fallback_queue",
                "default")
BILLING_KEYS = ("plan", "currency")
HOURS_KEYS = ("timezone", "weekly", "holidays")
SAY_KEYS = ("say", "value")
DTMF = re.compile(r"^[0-9*#]+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
# An unquoted `#` key is a comment to YAML: `  #: node` in a block, `{#: node}` or `, #: node` in a flow.
HASH_KEY_LINE = re.compile(r"^\s*#\s*:\s*[\w.-]*\s*[,}]?\s*$")
HASH_KEY_FLOW = re.compile(r"[{,]\s*(#)\s*:")

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
MERGE = "tag:yaml.org,2002:merge"
_LOADER = yaml.SafeLoader("")  # only its scalar constructors are used: they keep no state


DIGIT_MAPS = (FieldKind.DIGIT_TARGETS, FieldKind.DIGIT_LANGUAGES)


# --- the document and small helpers ---------------------------------------------------------

@dataclass
class _NodeSpec:
    """One entry of menu.nodes, as YAML nodes."""

    name: str
    key: YNode
    value: YNode
    type: str | None
    fields: dict[str, tuple[YNode, YNode]]

    @property
    def where(self) -> str:
        return f"menu.nodes.{self.name}"

    @property
    def node_type(self) -> NodeType | None:
        return REGISTRY.get(self.type) if self.type else None

    def field(self, name: str) -> FieldSpec | None:
        """The declaration of one of this node's keys (None for an unknown type or key)."""
        return self.node_type.field(name) if self.node_type else None

    def kind_of(self, name: str) -> FieldKind | None:
        spec = self.field(name)
        return spec.kind if spec else None

    def fields_of(self, *kinds: FieldKind) -> list[tuple[str, YNode, YNode]]:
        """(name, key, value) of the fields given here whose kind is one of `kinds`."""
        return [(name, k, v) for name, (k, v) in self.fields.items() if self.kind_of(name) in kinds]

    # NodeView: what the node types' edges, dead ends and checks read.

    def text(self, name: str) -> str | None:
        """A field's value when it is a string; None when missing or not a string."""
        pair = self.fields.get(name)
        return _text(pair[1]) if pair else None

    def pairs(self, name: str) -> list[tuple[str, str]]:
        pair = self.fields.get(name)
        if not pair or not isinstance(pair[1], MappingNode):
            return []
        return [(k.value, t) for k, v in _pairs(pair[1]) if isinstance(k, ScalarNode) and (t := _text(v))]

    def has(self, name: str) -> bool:
        return name in self.fields

    def scalar(self, name: str) -> object:
        pair = self.fields.get(name)
        return _scalar(pair[1]) if pair and isinstance(pair[1], ScalarNode) else None


@dataclass
class _Doc:
    """A document under check: config.yaml, or a hotline's menu (a file of its own,
    kind "hotline-file", or inline in the config, kind "inline"), whose settings,
    hours and languages come from the config (`parent`)."""

    path: str
    base: Path
    lines: list[str]
    root: YNode | None = None
    problems: list[Problem] = field(default_factory=list)
    kind: str = "config"
    parent: _Doc | None = None
    recording: str = "explicit"       # the hotline's recording policy
    require_prompts: bool = True

    def at(self, line: int, col: int, severity: str, message: str) -> None:
        self.problems.append(Problem(self.path, line + 1, col + 1, severity, message))

    def error(self, node: YNode, message: str) -> None:
        self.at(node.start_mark.line, node.start_mark.column, "error", message)

    def warning(self, node: YNode, message: str) -> None:
        self.at(node.start_mark.line, node.start_mark.column, "warning", message)

    # The parts of the tree the checks share, found once.

    @cached_property
    def top(self) -> dict[str, tuple[YNode, YNode]]:
        return _mapping(self.root) if isinstance(self.root, MappingNode) else {}

    @cached_property
    def menu(self) -> dict[str, tuple[YNode, YNode]]:
        pair = self.top.get("menu")
        return _mapping(pair[1]) if pair and isinstance(pair[1], MappingNode) else {}

    @cached_property
    def nodes(self) -> dict[str, _NodeSpec]:
        pair = self.menu.get("nodes")
        if not pair or not isinstance(pair[1], MappingNode):
            return {}
        out = {}
        for name, (key, value) in _mapping(pair[1]).items():
            fields = _mapping(value) if isinstance(value, MappingNode) else {}
            kind = _text(fields["type"][1]) if "type" in fields else None
            out[name] = _NodeSpec(name, key, value, kind if kind in REGISTRY else None, fields)
        return out

    @cached_property
    def entry(self) -> str | None:
        pair = self.menu.get("entry")
        return _text(pair[1]) if pair else None

    @cached_property
    def languages(self) -> list[str]:
        pair = self.menu.get("languages")
        if not pair:
            return ["en"]  # build_menu's default
        items = pair[1].value if isinstance(pair[1], SequenceNode) else []
        return [t for t in (_text(i) for i in items) if t and LANGUAGE.match(t)]

    @cached_property
    def hours(self) -> dict[str, tuple[YNode, YNode]]:
        pair = self.top.get("hours")
        return _mapping(pair[1]) if pair and isinstance(pair[1], MappingNode) else {}

    @property
    def hour_names(self) -> set[str]:
        """The hours a node may name: its own document's and, for a hotline, the config's."""
        return set(self.hours) | (self.parent.hour_names if self.parent else set())

    def setting(self, key: str, default: str, section: str | None = None) -> str:
        if self.parent is not None:   # a hotline's menu: prompts and queues are the config's
            return self.parent.setting(key, default, section)
        table = self.top
        if section:
            pair = self.top.get(section)
            table = _mapping(pair[1]) if pair and isinstance(pair[1], MappingNode) else {}
        pair = table.get(key)
        return (_text(pair[1]) if pair else None) or default

    @cached_property
    def graph(self) -> MenuGraph:
        return MenuGraph.build(self.entry or "", {name: (spec.node_type, spec) for name, spec in self.nodes.items()})


def _pairs(node: MappingNode, _seen: frozenset = frozenset()) -> list[tuple[YNode, YNode]]:
    """The mapping's (key, value) pairs, `<<` merges expanded first as PyYAML does."""
    merged, own = [], []
    for key, value in node.value:
        if key.tag == MERGE:
            sources = value.value if isinstance(value, SequenceNode) else [value]
            for src in sources:
                if isinstance(src, MappingNode) and id(src) not in _seen:
                    merged.extend(_pairs(src, _seen | {id(node)}))
        else:
            own.append((key, value))
    return merged + own


def _mapping(node: MappingNode) -> dict[str, tuple[YNode, YNode]]:
    """Key text -> (key node, value node); the last of duplicates wins, as in PyYAML."""
    return {(k.value if isinstance(k, ScalarNode) else f"<{_reads_as(k)}>"): (k, v) for k, v in _pairs(node)}


def _text(node: YNode) -> str | None:
    """A scalar's text when YAML reads it as a string, else None."""
    return node.value if isinstance(node, ScalarNode) and node.tag == STR else None


def _scalar(node: ScalarNode) -> object:
    """The Python value YAML gives a scalar (its text when that value cannot be built)."""
    ctor = yaml.SafeLoader.yaml_constructors.get(node.tag)
    try:
        return ctor(_LOADER, node) if ctor else node.value
    except Exception:  # e.g. an impossible date 2026-02-30: keep the text
        return node.value


def _reads_as(node: YNode) -> str:
    """What YAML made of an unquoted scalar, in words: `the number 8`."""
    if not isinstance(node, ScalarNode):
        return "a list" if isinstance(node, SequenceNode) else "a mapping"
    value = _scalar(node)
    kind = node.tag.rsplit(":", 1)[-1]
    if kind == "bool":
        return f"the boolean {str(value).lower()}"
    if kind in ("int", "float"):
        return f"the number {value}"
    if kind == "null":
        return "null (no value)"
    if kind == "timestamp":
        return f"the date {value}"
    return f"a {kind}"


def _show(node: YNode) -> str:
    """A key as written: "1" stays quoted, 1 does not."""
    if not isinstance(node, ScalarNode):
        return "<complex key>"
    if node.style in ('"', "'"):
        return f"{node.style}{node.value}{node.style}"
    return node.value


def _did_you_mean(word: str, choices: Iterable[str], listed: bool = False) -> str:
    choices = list(choices)
    close = difflib.get_close_matches(word, choices, n=1)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (allowed: {', '.join(choices)})" if listed and choices else ""


def _walk(root: YNode) -> Iterator[tuple[YNode, str]]:
    """Every node of the tree once, with its dotted path; iterative, and safe on recursive aliases."""
    seen: set[int] = set()
    todo: list[tuple[YNode, str]] = [(root, "")]
    while todo:
        node, where = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node, where
        if isinstance(node, MappingNode):
            for k, v in node.value:
                todo.append((v, f"{where}.{k.value}" if where else str(k.value)))
        elif isinstance(node, SequenceNode):
            todo.extend((v, f"{where}[{i}]") for i, v in enumerate(node.value))


def _elide(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


# --- 1. syntax --------------------------------------------------------------------------------

def _check_syntax_error(doc: _Doc, exc: yaml.MarkedYAMLError) -> None:
    """The YAML does not parse: one error where the parser gave up."""
    mark = exc.problem_mark or exc.context_mark
    message = f"YAML syntax error: {exc.problem or exc.context}"
    if exc.context and exc.context_mark and exc.problem:
        message += f" ({exc.context} started on line {exc.context_mark.line + 1})"
    if exc.context == "while scanning an alias":
        message += '; an unquoted * starts a YAML alias: write "*"'
    if "'\\t'" in str(exc.problem):
        message += "; indent with spaces, not tabs"
    doc.at(mark.line if mark else 0, mark.column if mark else 0, "error", message)


def _check_hash_in_flow(doc: _Doc) -> None:
    """`{#: node}`: the # starts a comment that swallows the rest of the line."""
    for number, line in enumerate(doc.lines):
        for m in HASH_KEY_FLOW.finditer(line):
            doc.at(number, m.start(1), "error", 'unquoted # starts a YAML comment; write "#"')


# --- 2. duplicate keys --------------------------------------------------------------------------

def _key_id(node: YNode) -> object:
    """Two keys are the same when YAML builds equal values from them (`"1"` and `'1'`)."""
    if isinstance(node, ScalarNode):
        value = _scalar(node)
        try:
            hash(value)
        except TypeError:
            return (node.tag, node.value)
        return (type(value).__name__, value)
    return id(node)


def _check_duplicate_keys(doc: _Doc) -> None:
    """A key given twice in one mapping: PyYAML silently keeps the last."""
    for node, where in _walk(doc.root):
        if not isinstance(node, MappingNode):
            continue
        first: dict[object, YNode] = {}
        for key, _ in node.value:
            if key.tag == MERGE:
                continue
            ident = _key_id(key)
            if ident in first:
                doc.error(key, f"{where or 'top level'}: duplicate key {_show(key)} (first on line "
                               f"{first[ident].start_mark.line + 1}); YAML keeps only the last")
            else:
                first[ident] = key


# --- 3. unknown keys ----------------------------------------------------------------------------

def _unknown_keys(doc: _Doc, where: str, table: dict[str, tuple[YNode, YNode]], allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for name, (key, _) in table.items():
        if name not in allowed:
            doc.error(key, f"{where}: unknown key {name!r}{_did_you_mean(name, allowed, listed=True)}")


def _check_top_level(doc: _Doc) -> None:
    """The document is a mapping of known sections, and has a menu."""
    if not isinstance(doc.root, MappingNode):
        doc.at(doc.root.start_mark.line if doc.root else 0, doc.root.start_mark.column if doc.root else 0,
               "error", "the top level must be a mapping (controller:, menu:, hours:, ...)")
        return
    if doc.kind == "inline":
        return
    _unknown_keys(doc, "top level", doc.top, TOP_KEYS if doc.kind == "config" else HOTLINE_FILE_KEYS)
    if "menu" not in doc.top and not (doc.kind == "config" and "hotlines" in doc.top):
        doc.at(0, 0, "error", "no menu: section (menu: {entry: ..., nodes: {...}})")


def _check_sections(doc: _Doc) -> None:
    """controller:, ami:, ... hold only the settings ivr.config knows."""
    for section, allowed in SECTION_KEYS.items():
        pair = doc.top.get(section)
        if not pair or (isinstance(pair[1], ScalarNode) and pair[1].tag == NULL):
            continue
        if section == "ami" and isinstance(pair[1], SequenceNode):
            _check_ami_list(doc, pair[1], allowed)
            continue
        if not isinstance(pair[1], MappingNode):
            doc.error(pair[1], f"{section}: must be a mapping" + (" (one Asterisk) or a list of them (several)"
                                                                   if section == "ami" else ""))
            continue
        _unknown_keys(doc, section, _mapping(pair[1]), allowed)
    for key in ("prompts_dir", "state_dir"):
        pair = doc.top.get(key)
        if pair and _text(pair[1]) is None:
            doc.error(pair[1], f"{key}: must be a directory path (a string)")
    rec = doc.top.get("recordings")
    if rec and isinstance(rec[1], MappingNode):
        days = _mapping(rec[1]).get("retention_days")
        if days:
            _check_count(doc, "recordings.retention_days", days[1], 1, None)


def _check_ami_list(doc: _Doc, seq: SequenceNode, allowed: tuple[str, ...]) -> None:
    """`ami:` as a list: several Asterisks, each a mapping with a name of its own (its
    systemname) and an address of its own."""
    if not seq.value:
        doc.error(seq, "ami: an empty list: name at least one Asterisk")
    names: dict[str, YNode] = {}
    places: dict[tuple[str, str], str] = {}
    for i, entry in enumerate(seq.value, 1):
        if not isinstance(entry, MappingNode):
            doc.error(entry, f"ami[{i}]: must be a mapping (name, host, port, username, secret_file)")
            continue
        fields = _mapping(entry)
        _unknown_keys(doc, f"ami[{i}]", fields, allowed)
        name = _text(fields["name"][1]) if "name" in fields else None
        if not name:
            doc.error(entry, f"ami[{i}]: no name (its Asterisk's systemname, which tells the Asterisks apart)")
        elif not NAME_RE.fullmatch(name):
            doc.error(fields["name"][1], f"ami[{i}]: name {name!r} must be an Asterisk systemname: letters, "
                                         "digits, '.', '_' or '-', at most 64")
        elif name in names:
            doc.error(fields["name"][1], f"ami[{i}]: the name {name!r} is taken by the entry at line "
                                         f"{names[name].start_mark.line + 1}")
        else:
            names[name] = fields["name"][1]
        where = tuple(str(fields[k][1].value) if k in fields and isinstance(fields[k][1], ScalarNode) else default
                      for k, default in (("host", "127.0.0.1"), ("port", "5038")))
        if where in places:
            doc.error(entry, f"ami[{i}]: {where[0]}:{where[1]} is already {places[where]}'s address")
        else:
            places[where] = name or f"ami[{i}]"


def _check_menu_keys(doc: _Doc) -> None:
    """menu: holds entry, languages and a non-empty nodes mapping."""
    pair = doc.top.get("menu")
    if not pair:
        return
    if not isinstance(pair[1], MappingNode):
        doc.error(pair[1], "menu: must be a mapping with entry, languages and nodes")
        return
    _unknown_keys(doc, "menu", doc.menu, MENU_KEYS)
    if "entry" not in doc.menu:
        doc.error(pair[0], "menu: no entry (the node every call starts at)")
    elif doc.entry is None:
        doc.error(doc.menu["entry"][1], "menu.entry: must be a node name")
    nodes = doc.menu.get("nodes")
    if not nodes:
        doc.error(pair[0], "menu: no nodes")
    elif not isinstance(nodes[1], MappingNode) or not nodes[1].value:
        doc.error(nodes[1], "menu.nodes: must be a non-empty mapping of node name -> node")


def _check_node_keys(doc: _Doc) -> None:
    """Each node is a mapping whose keys belong to its type."""
    for spec in doc.nodes.values():
        if not isinstance(spec.value, MappingNode):
            doc.error(spec.value, f"{spec.where}: must be a mapping with a type, e.g. {{type: hangup}}")
        elif spec.type:
            _unknown_keys(doc, spec.where, spec.fields, ("type",) + tuple(f.name for f in spec.node_type.fields))


def _check_node_names(doc: _Doc) -> None:
    """Node names are plain names; back and repeat are taken by the special targets."""
    for spec in doc.nodes.values():
        if not isinstance(spec.key, ScalarNode):
            doc.error(spec.key, f"menu.nodes: a node name must be a plain name, not {_reads_as(spec.key)}")
        elif spec.name in SPECIAL_TARGETS:
            doc.warning(spec.key, f"{spec.where}: {spec.name!r} as a target means the special {spec.name}, "
                                  f"so this node can never be reached; rename it")


def _check_hours_keys(doc: _Doc) -> None:
    """hours: maps names to {timezone, weekly, holidays}."""
    pair = doc.top.get("hours")
    if pair and not isinstance(pair[1], MappingNode) and pair[1].tag != NULL:
        doc.error(pair[1], "hours: must be a mapping of name -> {timezone, weekly, holidays}")
    for name, (key, value) in doc.hours.items():
        if not isinstance(value, MappingNode):
            doc.error(value, f"hours.{name}: must be a mapping with timezone, weekly and holidays")
        else:
            _unknown_keys(doc, f"hours.{name}", _mapping(value), HOURS_KEYS)


# --- 4. types and ranges --------------------------------------------------------------------------

def _check_node_types(doc: _Doc) -> None:
    """Every node has a known type."""
    for spec in doc.nodes.values():
        if not isinstance(spec.value, MappingNode):
            continue
        pair = spec.fields.get("type")
        if pair is None:
            doc.error(spec.key, f"{spec.where}: no type (one of {', '.join(REGISTRY)})")
        elif spec.type is None:
            written = pair[1].value if isinstance(pair[1], ScalarNode) else "?"
            doc.error(pair[1], f"{spec.where}.type: unknown type {written!r}"
                               f"{_did_you_mean(written, REGISTRY, listed=True)}")


def _not_a_string(node: YNode, wanted: str) -> str:
    if isinstance(node, ScalarNode) and node.tag == NULL and not node.value:
        return f"is empty; write {wanted}"
    if isinstance(node, ScalarNode):
        return f"must be {wanted}: YAML reads unquoted {node.value} as {_reads_as(node)}; quote it"
    return f"must be {wanted}, not {_reads_as(node)}"


def _check_seconds(doc: _Doc, where: str, node: YNode) -> None:
    value = _scalar(node) if isinstance(node, ScalarNode) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = node.value if isinstance(node, ScalarNode) else _reads_as(node)
        doc.error(node, f"{where}: must be a number of seconds, not {shown!r}")
    elif not 0 < value <= MAX_TIMEOUT:
        doc.error(node, f"{where}: {value} s is out of range (more than 0, at most {MAX_TIMEOUT})")


def _check_count(doc: _Doc, where: str, node: YNode, low: int, high: int | None) -> None:
    value = _scalar(node) if isinstance(node, ScalarNode) else None
    if isinstance(value, bool) or not isinstance(value, int):
        shown = node.value if isinstance(node, ScalarNode) else _reads_as(node)
        doc.error(node, f"{where}: must be a whole number, not {shown!r}")
    elif value < low or (high is not None and value > high):
        limit = f"{low}..{high}" if high is not None else f"at least {low}"
        doc.error(node, f"{where}: {value} is out of range ({limit})")


def _check_prompt(doc: _Doc, where: str, node: YNode) -> None:
    """A prompt is a name, a {say: KIND, value: ...} mapping, or a list of those."""
    items = node.value if isinstance(node, SequenceNode) else [node]
    for item in items:
        if isinstance(item, MappingNode):
            table = _mapping(item)
            _unknown_keys(doc, where, table, SAY_KEYS)
            if "say" not in table:
                doc.error(item, f"{where}: a mapping item needs say: KIND, e.g. {{say: money, value: account.balance}}")
            elif _text(table["say"][1]) is None:
                doc.error(table["say"][1], f"{where}.say: {_not_a_string(table['say'][1], 'a kind, e.g. money')}")
        elif _text(item) is None:
            doc.error(item, f"{where}: {_not_a_string(item, 'a prompt name')}")
        elif not item.value.strip():
            doc.error(item, f"{where}: empty prompt name")


def _check_field_types(doc: _Doc) -> None:
    """Each field has the shape its kind asks for: seconds, counts, prompts, names, mappings."""
    for spec in doc.nodes.values():
        if spec.type is None:
            continue
        for name, (key, value) in spec.fields.items():
            fspec = spec.field(name)
            if fspec is not None:
                _check_field(doc, f"{spec.where}.{name}", fspec, value)


def _check_field(doc: _Doc, where: str, fspec: FieldSpec, value: YNode) -> None:
    kind = fspec.kind
    if kind is FieldKind.SECONDS:
        _check_seconds(doc, where, value)
    elif kind is FieldKind.COUNT:
        _check_count(doc, where, value, fspec.low, fspec.high)
    elif kind is FieldKind.PROMPT:
        _check_prompt(doc, where, value)
    elif kind in (FieldKind.TARGET, FieldKind.QUEUE, FieldKind.HOURS):
        if _text(value) is None:
            doc.error(value, f"{where}: {_not_a_string(value, 'a name')}")
    elif kind in DIGIT_MAPS:
        if not isinstance(value, MappingNode):
            doc.error(value, f'{where}: must be a mapping of digits -> target, e.g. {{"1": main}}')
    elif kind is FieldKind.TEXT:
        if _text(value) is None:
            doc.error(value, f"{where}: {_not_a_string(value, fspec.wanted)}")
    elif kind is FieldKind.WAYS:
        for item in (value.value if isinstance(value, SequenceNode) else [value]):
            way = _text(item)
            if way is None:
                doc.error(item, f"{where}: {_not_a_string(item, 'a way to identify, e.g. ' + fspec.choices[0])}")
            elif way not in fspec.choices:
                doc.error(item, f"{where}: unknown way {way!r}{_did_you_mean(way, fspec.choices, listed=True)}")


def _check_required_fields(doc: _Doc) -> None:
    """A node type's essential fields are there."""
    for spec in doc.nodes.values():
        if spec.node_type is None:
            continue
        for fspec in spec.node_type.fields:
            if fspec.required and fspec.name not in spec.fields:
                doc.error(spec.key, f"{spec.where}: a {spec.type} node needs {fspec.name}")


def _check_languages(doc: _Doc) -> None:
    """menu.languages is a non-empty list of language codes, none twice."""
    pair = doc.menu.get("languages")
    if not pair:
        return
    key, value = pair
    if not isinstance(value, SequenceNode) or not value.value:
        doc.error(value, "menu.languages: must be a non-empty list of language codes, e.g. [en, pl]")
        return
    seen: set[str] = set()
    for item in value.value:
        text = _text(item)
        if text is None or not LANGUAGE.match(text):
            shown = item.value if isinstance(item, ScalarNode) else _reads_as(item)
            extra = f" (YAML reads unquoted {shown} as {_reads_as(item)})" if text is None and \
                isinstance(item, ScalarNode) else ""
            doc.error(item, f"menu.languages: {shown!r} is not a language code like en or pt-BR{extra}")
        elif text in seen:
            doc.error(item, f"menu.languages: {text} is listed twice")
        seen.add(text or "")


# --- 5. DTMF keys ----------------------------------------------------------------------------------

def _dtmf_problem(node: YNode) -> str | None:
    """Why a node is not a quoted string of DTMF digits, said of it (None when it is)."""
    rule = 'must be a quoted string of DTMF digits [0-9*#], e.g. "1"'
    if not isinstance(node, ScalarNode):
        return f"{_reads_as(node)} {rule}"
    if node.tag == NULL and not node.value:
        return f"is empty; it {rule}"
    if node.tag != STR:
        if DTMF.match(node.value):
            return f"{node.value} must be a quoted string of DTMF digits [0-9*#]: YAML reads unquoted " \
                   f'{node.value} as {_reads_as(node)}; write "{node.value}"'
        return f"{node.value} {rule} (YAML reads unquoted {node.value} as {_reads_as(node)})"
    if not DTMF.match(node.value):
        return f"{_show(node)} is not DTMF digits: use only 0-9, * and #"
    return None


def _check_option_keys(doc: _Doc) -> None:
    """Keys of digit mappings (menu and language options) are quoted DTMF strings."""
    for spec in doc.nodes.values():
        for name, _, value in spec.fields_of(*DIGIT_MAPS):
            if not isinstance(value, MappingNode):
                continue
            for key, _ in _pairs(value):
                problem = _dtmf_problem(key)
                if problem:
                    doc.error(key, f"{spec.where}.{name}: key {problem}")


def _comment_after_colon(doc: _Doc, key: YNode) -> int | None:
    """`accept: #` reads as no value: the column of the # that made it a comment, if so."""
    line = doc.lines[key.end_mark.line] if key.end_mark.line < len(doc.lines) else ""
    m = re.match(r"\s*:\s*#", line[key.end_mark.column:])
    return key.end_mark.column + m.end() - 1 if m else None


def _check_dtmf_fields(doc: _Doc) -> None:
    """Digit fields (a consent's accept and decline) are quoted DTMF strings."""
    for spec in doc.nodes.values():
        for name, key, value in spec.fields_of(FieldKind.DTMF):
            hash_col = _comment_after_colon(doc, key) if isinstance(value, ScalarNode) and value.tag == NULL else None
            if hash_col is not None:
                doc.at(key.end_mark.line, hash_col, "error", f'{spec.where}.{name}: unquoted # starts a YAML comment; '
                                                             f'write "#"')
                continue
            problem = _dtmf_problem(value)
            if problem:
                doc.error(value, f"{spec.where}.{name}: {problem}")


def _check_type_rules(doc: _Doc) -> None:
    """The rules a node type declares of its own (e.g. accept and decline differ)."""
    for spec in doc.nodes.values():
        if spec.node_type is None or not isinstance(spec.value, MappingNode):
            continue
        for check in spec.node_type.checks:
            for name, message in check(spec):
                pair = spec.fields.get(name)
                doc.error(pair[1] if pair else spec.key, f"{spec.where}: {message}")


def _check_unquoted_hash(doc: _Doc) -> None:
    """`  #: node` under options: is a comment, not the # option."""
    for spec in doc.nodes.values():
        for name, key, _ in spec.fields_of(*DIGIT_MAPS):
            indent = key.start_mark.column
            # The block under `options:` runs while lines are indented deeper than the key.
            for number in range(key.start_mark.line + 1, len(doc.lines)):
                line = doc.lines[number]
                stripped = line.lstrip()
                if not stripped:
                    continue
                if len(line) - len(stripped) <= indent:
                    break
                if HASH_KEY_LINE.match(line):
                    doc.at(number, len(line) - len(stripped), "error",
                           f'{spec.where}.{name}: unquoted # starts a YAML comment; write "#"')
            first = doc.lines[key.start_mark.line] if key.start_mark.line < len(doc.lines) else ""
            for m in HASH_KEY_FLOW.finditer(first, key.end_mark.column):
                doc.at(key.start_mark.line, m.start(1), "error",
                       f'{spec.where}.{name}: unquoted # starts a YAML comment; write "#"')


# --- 6. references ------------------------------------------------------------------------------------

def _target_nodes(spec: _NodeSpec) -> Iterator[tuple[str, YNode, YNode]]:
    """(field path, key node, value node) of every place this node names another node."""
    for name, _, mapping in spec.fields_of(FieldKind.DIGIT_TARGETS):
        if isinstance(mapping, MappingNode):
            for key, value in _pairs(mapping):
                yield f"{spec.where}.{name}[{_show(key)}]", key, value
    for name, key, value in spec.fields_of(FieldKind.TARGET):
        yield f"{spec.where}.{name}", key, value


def _check_targets(doc: _Doc) -> None:
    """Every target names a defined node, or back/repeat."""
    # One suggestion per missing name: a big menu pointing 10,000 times at one
    # undefined node must not run difflib over every node 10,000 times.
    hints: dict[str, str] = {}
    for spec in doc.nodes.values():
        for where, _, value in _target_nodes(spec):
            target = _text(value)
            if target is not None and target not in doc.nodes and target not in SPECIAL_TARGETS:
                if target not in hints:
                    hints[target] = _did_you_mean(target, [*doc.nodes, *SPECIAL_TARGETS])
                doc.error(value, f"{where}: no node named {target!r}{hints[target]}")


def _check_entry(doc: _Doc) -> None:
    """menu.entry names a defined node."""
    if doc.entry is not None and doc.entry not in doc.nodes:
        doc.error(doc.menu["entry"][1], f"menu.entry: no node named {doc.entry!r}"
                                        f"{_did_you_mean(doc.entry, doc.nodes)}")


def _check_hours_refs(doc: _Doc) -> None:
    """Hours fields name an entry of the top-level hours:."""
    for spec in doc.nodes.values():
        for name, _, value in spec.fields_of(FieldKind.HOURS):
            hours = _text(value)
            if hours is not None and hours not in doc.hour_names:
                doc.error(value, f"{spec.where}.{name}: no hours named {hours!r} under hours:"
                                 f"{_did_you_mean(hours, doc.hour_names)}")


def _check_language_options(doc: _Doc) -> None:
    """A language choice offers only languages of menu.languages."""
    for spec in doc.nodes.values():
        for name, _, mapping in spec.fields_of(FieldKind.DIGIT_LANGUAGES):
            if not isinstance(mapping, MappingNode) or not doc.languages:
                continue
            for key, value in _pairs(mapping):
                lang = _text(value)
                if lang is None:
                    doc.error(value, f"{spec.where}.{name}[{_show(key)}]: "
                                     f"{_not_a_string(value, 'a language code')}")
                elif lang not in doc.languages:
                    doc.error(value, f"{spec.where}.{name}[{_show(key)}]: {lang!r} is not in menu.languages "
                                     f"({', '.join(doc.languages)}){_did_you_mean(lang, doc.languages)}")


# --- 7, 8, 9. the call graph ------------------------------------------------------------------------

def _check_reachable(doc: _Doc) -> None:
    """Nodes no call can get to from the entry."""
    if doc.entry not in doc.nodes:
        return
    live = doc.graph.reachable()
    for name, spec in doc.nodes.items():
        if name not in live:
            doc.warning(spec.key, f"{spec.where}: unreachable from the entry node {doc.entry!r}")


def _check_loops(doc: _Doc) -> None:
    """Reachable nodes from which no path reaches a node where the call ends: the caller is stuck.
    Each connected group of stuck nodes is reported once, at its first node in the file."""
    if doc.entry not in doc.nodes:
        return
    for names in doc.graph.stuck():
        spec = doc.nodes[names[0]]
        doc.error(spec.key, f"{spec.where}: the caller can never leave {_elide(names)}: no path from them "
                            f"reaches a hangup or queue node")


def _check_dead_ends(doc: _Doc) -> None:
    """Nodes after which the call is hung up without a hangup node saying so."""
    for spec in doc.nodes.values():
        if spec.node_type is None or not isinstance(spec.value, MappingNode):
            continue
        message = spec.node_type.dead_end(spec)
        if message:
            doc.warning(spec.key, f"{spec.where}: {message}")


def _check_ignored_fields(doc: _Doc) -> None:
    """Target fields a node type accepts but never follows (e.g. next on a menu)."""
    for spec in doc.nodes.values():
        if spec.node_type is None:
            continue
        followed = {f.field for f in spec.node_type.follows}
        for name, key, _ in spec.fields_of(FieldKind.TARGET):
            if name not in followed:
                doc.warning(key, f"{spec.where}.{name}: a {spec.type} node does not use {name}; it is ignored")


# --- 10. prompt files -----------------------------------------------------------------------------------

def _check_prompt_files(doc: _Doc) -> None:
    """Each named prompt exists as <prompts_dir>/<lang>/<name>.<ext> for every language."""
    written = doc.setting("prompts_dir", "prompts")
    directory = Path(written) if Path(written).is_absolute() else doc.base / written
    exists: dict[tuple[str, str], bool] = {}

    def found(lang: str, name: str) -> bool:
        if (lang, name) not in exists:
            exists[lang, name] = any(f.is_file() for f in prompt_files(directory, lang, name))
        return exists[lang, name]

    for spec in doc.nodes.values():
        for field_name, _, value in spec.fields_of(FieldKind.PROMPT):
            items = value.value if isinstance(value, SequenceNode) else [value]
            for item in items:
                name = _text(item)
                if not name or not name.strip():
                    continue
                for lang in doc.languages:
                    if not found(lang, name):
                        doc.error(item, f"{spec.where}.{field_name}: prompt {name!r} is missing in language "
                                        f"{lang} (expected {written.rstrip('/')}/{lang}/{name}.wav)")


# --- 11. queues -------------------------------------------------------------------------------------------

def _check_queue_names(doc: _Doc) -> None:
    """queue: names a queue of queues.conf (warn once when that file is missing)."""
    uses = [(f"{spec.where}.{name}", value) for spec in doc.nodes.values()
            for name, _, value in spec.fields_of(FieldKind.QUEUE) if _text(value)]
    if not uses:
        return
    written = doc.setting("queues_conf", "asterisk-conf/queues.conf", section="queues")
    conf = Path(written) if Path(written).is_absolute() else doc.base / written
    try:
        names = queue_names(conf)
    except OSError:
        doc.warning(uses[0][1], f"{uses[0][0]}: queue names not checked: {written} not found")
        return
    for where, value in uses:
        if value.value not in names:
            doc.error(value, f"{where}: no queue {value.value!r} in {written}"
                             f"{_did_you_mean(value.value, sorted(names))}")


# --- 12. hours ---------------------------------------------------------------------------------------------

def _hours_tables(doc: _Doc) -> Iterator[tuple[str, dict[str, tuple[YNode, YNode]]]]:
    for name, (_, value) in doc.hours.items():
        if isinstance(value, MappingNode):
            yield f"hours.{name}", _mapping(value)


def _check_timezones(doc: _Doc) -> None:
    """timezone is an IANA zone name ZoneInfo knows."""
    for where, table in _hours_tables(doc):
        if "timezone" not in table:
            continue
        value = table["timezone"][1]
        tz = _text(value)
        try:
            ZoneInfo(tz or "")
        except (ZoneInfoNotFoundError, ValueError):
            doc.error(value, f"{where}.timezone: unknown time zone "
                             f"{tz if tz is not None else getattr(value, 'value', '?')!r} (e.g. Europe/Warsaw)")


def _check_weekly(doc: _Doc) -> None:
    """weekly maps day ranges (mon-fri) to HH:MM-HH:MM intervals, or lists of them."""
    for where, table in _hours_tables(doc):
        if "weekly" not in table:
            continue
        weekly = table["weekly"][1]
        if not isinstance(weekly, MappingNode):
            doc.error(weekly, f'{where}.weekly: must be a mapping of days -> hours, e.g. {{mon-fri: "08:00-20:00"}}')
            continue
        for key, value in _pairs(weekly):
            days = key.value if isinstance(key, ScalarNode) else "?"
            try:
                parse_days(days)
            except ValueError as exc:
                doc.error(key, f"{where}.weekly: {exc}")
            for item in (value.value if isinstance(value, SequenceNode) else [value]):
                text = _text(item)
                if text is None:
                    doc.error(item, f"{where}.weekly.{days}: {_not_a_string(item, 'HH:MM-HH:MM')}")
                    continue
                try:
                    parse_interval(text)
                except ValueError as exc:
                    doc.error(item, f"{where}.weekly.{days}: {exc}")


def _check_holidays(doc: _Doc) -> None:
    """holidays is a list of YYYY-MM-DD dates."""
    for where, table in _hours_tables(doc):
        if "holidays" not in table:
            continue
        value = table["holidays"][1]
        if not isinstance(value, SequenceNode):
            doc.error(value, f'{where}.holidays: must be a list of dates, e.g. ["2026-12-25"]')
            continue
        for item in value.value:
            text = item.value if isinstance(item, ScalarNode) and item.tag.endswith(("str", "timestamp")) else None
            try:
                if text is None or len(text) != 10:
                    raise ValueError
                date.fromisoformat(text)
            except ValueError:
                if isinstance(item, ScalarNode):
                    doc.error(item, f"{where}.holidays: bad date {item.value!r} (use YYYY-MM-DD)")
                else:
                    doc.error(item, f"{where}.holidays: must be a date (YYYY-MM-DD), not {_reads_as(item)}")


# --- 13. what prompts say ------------------------------------------------------------------------
# The kinds and fields come from the code that speaks them, never from a list kept here:
# a kind the speech rules gain, data the interpreter learns to fill in, a field AccountView
# learns to answer is accepted as soon as the code has it.

ACCOUNT_PREFIX = "account."
DATA_REF = re.compile(r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$")   # account.balance, tariff.price: data, not a literal


@cache
def data_kinds() -> tuple[str, ...]:
    """The say kinds the interpreter fills in from the data (tariffs, billing_rules): the
    strings `ivr.menu.runtime.expand` compares `item.kind` with."""
    from . import runtime
    kinds: list[str] = []

    def constants(node: ast.AST) -> list[str]:
        items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
        return [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]

    def is_kind(node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr == "kind"

    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(runtime.expand)))):
        if isinstance(node, ast.Compare) and is_kind(node.left):
            for comparator in node.comparators:
                kinds += constants(comparator)
        elif isinstance(node, ast.Match) and is_kind(node.subject):
            for case in node.cases:
                for pattern in ast.walk(case.pattern):
                    if isinstance(pattern, ast.MatchValue):
                        kinds += constants(pattern.value)
    return tuple(dict.fromkeys(kinds))


@cache
def say_kinds() -> tuple[str, ...]:
    """Every kind a {say: KIND} item may name: the speech rules' kinds, then the data kinds."""
    from ..speech import KINDS
    return tuple(dict.fromkeys((*KINDS, *data_kinds())))


def _sample(hint: object) -> object:
    """A non-empty value of a type hint (the first non-None member of a union)."""
    from decimal import Decimal
    for kind in (t for t in (typing.get_args(hint) or (hint,)) if t is not type(None)):
        for base, value in ((bool, True), (int, 1), (Decimal, Decimal("1.00")), (float, 1.0), (date, date(2026, 1, 1)),
                            (str, "1")):
            if isinstance(kind, type) and issubclass(kind, base):
                return value
    return "1"


@cache
def account_fields() -> tuple[str, ...]:
    """The `account.FIELD` names a call can say: what `AccountView.value(FIELD)` answers for an
    account with every attribute filled in (its dataclass fields, and any other name its
    code compares with)."""
    from ..data.views import AccountView
    hints = typing.get_type_hints(AccountView)
    sample = AccountView(**{f.name: _sample(hints.get(f.name, str)) for f in dataclasses.fields(AccountView)})
    names = [f.name for f in dataclasses.fields(AccountView)]
    names += [n.value for n in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(AccountView.value))))
              if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.isidentifier()]

    def answers(name: str) -> bool:
        try:
            return sample.value(name) is not None
        except Exception:  # noqa: BLE001 - a name the method cannot take is one it does not answer
            return False

    return tuple(n for n in dict.fromkeys(names) if answers(n))


def _say_items(doc: _Doc) -> Iterator[tuple[str, dict[str, tuple[YNode, YNode]]]]:
    """(field path, keys of the item) of every {say: ...} item of every prompt field."""
    for spec in doc.nodes.values():
        for name, _, value in spec.fields_of(FieldKind.PROMPT):
            for item in (value.value if isinstance(value, SequenceNode) else [value]):
                if isinstance(item, MappingNode):
                    table = _mapping(item)
                    if "say" in table:
                        yield f"{spec.where}.{name}", table


def _check_say_kinds(doc: _Doc) -> None:
    """say: names a kind the speech rules speak (money, date, ...) or data the call fills in (tariffs)."""
    for where, table in _say_items(doc):
        node = table["say"][1]
        kind = _text(node)
        if kind is not None and kind not in say_kinds():
            doc.error(node, f"{where}.say: unknown kind {kind!r}{_did_you_mean(kind, say_kinds(), listed=True)}")


def _check_say_values(doc: _Doc) -> None:
    """value: is account.FIELD for a field an account answers, or a literal the speech rules
    can speak in every language of the menu; a data kind takes no value, a spoken kind needs one."""
    items = list(_say_items(doc))
    if not items:
        return   # and the speech rules and data model are not even imported
    from ..speech import LANGUAGES, SpeechError, words
    fields = [ACCOUNT_PREFIX + f for f in account_fields()]
    spoken = [lang for lang in doc.languages if lang.lower().replace("_", "-").split("-")[0] in LANGUAGES]
    for where, table in items:
        kind = _text(table["say"][1])
        if kind is None or kind not in say_kinds():
            continue
        pair = table.get("value")
        if kind in data_kinds():
            if pair:
                doc.warning(pair[0], f"{where}.value: say {kind} speaks the data itself; value is ignored")
            continue
        if pair is None or (isinstance(pair[1], ScalarNode) and pair[1].tag == NULL):
            doc.error(pair[1] if pair else table["say"][0],
                      f"{where}: say {kind} needs a value: account.FIELD ({', '.join(account_fields())}) or a literal")
            continue
        node = pair[1]
        if not isinstance(node, ScalarNode):
            doc.error(node, f"{where}.value: must be account.FIELD or a literal, not {_reads_as(node)}")
            continue
        value = str(_scalar(node))
        if DATA_REF.match(value) and value not in fields:
            doc.error(node, f"{where}.value: {value!r} is no value a call can say "
                            f"{_did_you_mean(value, fields, listed=True).strip()}")
        elif not DATA_REF.match(value):
            for lang in spoken:
                try:
                    words(lang, kind, value)
                except SpeechError as exc:
                    doc.error(node, f"{where}.value: cannot be spoken: {exc}")
                    break


# --- 14. hotlines ------------------------------------------------------------------------------------------

def _check_hotlines(doc: _Doc) -> None:
    """hotlines: maps names to hotlines: numbers (exact or _patterns) no two hotlines share, a
    client, a menu (a file checked with its own PATH:LINE, or inline), languages, hours, a
    recording policy, a billing plan; at most one default. Each hotline's menu is checked as a
    menu of its own, with the config's settings and hours."""
    if doc.kind != "config":
        return
    pair = doc.top.get("hotlines")
    if not pair:
        return
    if not isinstance(pair[1], MappingNode) or not pair[1].value:
        doc.error(pair[1], "hotlines: must be a mapping of hotline name -> {numbers, client, menu, ...}")
        return
    from ..hotlines.model import DIALPLAN_WORD
    from ..hotlines.numbers import NumberPattern
    from .policy import RecordingPolicy
    seen: dict[str, tuple[str, YNode]] = {}
    defaults: list[YNode] = []
    for name, (key, value) in _mapping(pair[1]).items():
        where = f"hotlines.{name}"
        if not DIALPLAN_WORD.fullmatch(name):
            doc.error(key, f"{where}: a hotline's name is written into the dialplan: letters, digits and "
                           "_ . + @ - only")
        if not isinstance(value, MappingNode):
            doc.error(value, f"{where}: must be a mapping with numbers, client and menu")
            continue
        table = _mapping(value)
        _unknown_keys(doc, where, table, HOTLINE_KEYS)
        for need in ("numbers", "menu"):
            if need not in table and not (need == "menu" and "menu" in doc.top):
                doc.error(key, f"{where}: a hotline needs {need} (or the config's own menu: to share)")
        numbers = table.get("numbers")
        if numbers and not isinstance(numbers[1], SequenceNode):
            doc.error(numbers[1], f'{where}.numbers: must be a list of quoted numbers, e.g. ["0800123456", "_0801XXXXXX"]')
        elif numbers:
            for item in numbers[1].value:
                text = _text(item)
                if text is None:
                    doc.error(item, f"{where}.numbers: {_not_a_string(item, 'a quoted number or _pattern')}")
                    continue
                try:
                    NumberPattern(text)
                except ConfigError as exc:
                    doc.error(item, f"{where}.numbers: {exc.message}")
                    continue
                if text in seen:
                    doc.error(item, f"{where}.numbers: {text} is also hotline {seen[text][0]}'s (line "
                                    f"{seen[text][1].start_mark.line + 1})")
                else:
                    seen[text] = (name, item)
        for field_name in ("client", "fallback_queue"):
            if field_name in table and _text(table[field_name][1]) is None:
                doc.error(table[field_name][1], f"{where}.{field_name}: {_not_a_string(table[field_name][1], 'a name')}")
        queue = _text(table["fallback_queue"][1]) if "fallback_queue" in table else None
        if queue and not DIALPLAN_WORD.fullmatch(queue):
            doc.error(table["fallback_queue"][1], f"{where}.fallback_queue: {queue!r} is written into the dialplan: "
                                                  "letters, digits and _ . + @ - only")
        recording = table.get("recording")
        policy = _text(recording[1]) if recording else "explicit"
        choices = [p.value for p in RecordingPolicy]
        if recording and policy not in choices:
            shown = policy if policy is not None else _reads_as(recording[1])
            doc.error(recording[1], f"{where}.recording: {shown!r} is not a recording policy"
                                    f"{_did_you_mean(str(shown), choices, listed=True)}")
            policy = "explicit"
        billing = table.get("billing")
        if billing and not isinstance(billing[1], MappingNode):
            doc.error(billing[1], f"{where}.billing: must be a mapping, e.g. {{plan: standard-2026, currency: PLN}}")
        elif billing:
            _check_hotline_billing(doc, where, _mapping(billing[1]))
        hours = table.get("hours")
        if hours and _text(hours[1]) not in doc.hours:
            doc.error(hours[1], f"{where}.hours: no hours named {_text(hours[1])!r} under hours:"
                                f"{_did_you_mean(_text(hours[1]) or '', doc.hours)}")
        default = table.get("default")
        if default and _scalar(default[1]) is True:
            defaults.append(default[1])
        elif default and not isinstance(_scalar(default[1]), bool):
            doc.error(default[1], f"{where}.default: must be true or false")
        menu = table.get("menu")
        if menu:
            _check_hotline_menu(doc, where, menu[1], table.get("languages"), policy or "explicit")
    for extra in defaults[1:]:
        doc.error(extra, f"hotlines: two hotlines say default: true (the first on line "
                         f"{defaults[0].start_mark.line + 1})")
    if defaults and "menu" in doc.top:
        doc.error(defaults[0], "hotlines: a default hotline and a top-level menu: both want the numbers "
                               "nobody lists; keep one")


def _plain(node: YNode) -> object:
    """A node as Python, for rules written over plain values (a mapping or a scalar)."""
    if isinstance(node, MappingNode):
        return {k: _plain(v) for k, (_, v) in _mapping(node).items()}
    return _scalar(node) if isinstance(node, ScalarNode) else [_plain(v) for v in node.value]


def _check_hotline_billing(doc: _Doc, where: str, table: dict[str, tuple[YNode, YNode]]) -> None:
    """A hotline's billing: a plan billing_plans: names; a currency, if given, the plan's."""
    _unknown_keys(doc, f"{where}.billing", table, BILLING_KEYS)
    plans = doc.top.get("billing_plans")
    plan_table = _mapping(plans[1]) if plans and isinstance(plans[1], MappingNode) else {}
    if "plan" not in table:
        first = next(iter(table.values()), None)
        if first is not None:
            doc.error(first[0], f"{where}.billing: needs a plan (a name under billing_plans:)")
        return
    name = _text(table["plan"][1])
    if name not in plan_table:
        doc.error(table["plan"][1], f"{where}.billing.plan: no plan named {name!r} under billing_plans:"
                                    f"{_did_you_mean(name or '', plan_table, listed=True)}")
        return
    from ..billing.plans import is_currency
    spec = _plain(plan_table[name][1])
    currency = table.get("currency")
    theirs = spec.get("currency") if isinstance(spec, dict) else None
    # A plan without a valid currency is reported at the plan: no second error here.
    if currency and is_currency(theirs) and _text(currency[1]) != theirs:
        doc.error(currency[1], f"{where}.billing.currency: {_text(currency[1])!r} is not plan {name}'s currency "
                               f"({theirs!r}); the plan's currency is the bill's")


def _check_hotline_menu(doc: _Doc, where: str, menu: YNode, languages: tuple[YNode, YNode] | None,
                        policy: str) -> None:
    """A hotline's menu, checked like the config's with the config's settings and hours."""
    if isinstance(menu, MappingNode):
        sub = _Doc(doc.path, doc.base, doc.lines, root=doc.root, kind="inline", parent=doc, recording=policy,
                   require_prompts=doc.require_prompts)
        sub.__dict__["top"] = {"menu": (menu, menu)}
    elif _text(menu) is not None:
        file = Path(menu.value) if Path(menu.value).is_absolute() else doc.base / menu.value
        try:
            text = file.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            doc.error(menu, f"{where}.menu: cannot read {menu.value}: {getattr(exc, 'strerror', None) or exc}")
            return
        sub = _Doc(str(file), doc.base, text.splitlines(), kind="hotline-file", parent=doc, recording=policy,
                   require_prompts=doc.require_prompts)
        try:
            check_yaml(text, str(file))
            sub.root = _compose(text)
        except ConfigError as exc:
            sub.at(max(exc.line - 1, 0), max(exc.col - 1, 0), "error", exc.message)
        except yaml.MarkedYAMLError as exc:
            _check_syntax_error(sub, exc)
        if sub.root is None:
            if not sub.problems:   # empty, or comments only: serve would refuse it
                sub.at(0, 0, "error", f"{where}.menu: {menu.value} is empty: a hotline file holds a menu: "
                                      "mapping (and may hold hours:)")
            doc.problems += sub.problems
            return
    else:
        doc.error(menu, f"{where}.menu: a file name (hotlines/telecom.yaml) or a menu mapping")
        return
    if languages is not None:
        items = languages[1].value if isinstance(languages[1], SequenceNode) else []
        sub.__dict__["languages"] = [t for t in (_text(i) for i in items) if t and LANGUAGE.match(t)]
    for check in CHECKS:
        if check in _CONFIG_ONLY or (sub.kind == "inline" and check in _INLINE_SKIPS) or \
                (check is _check_prompt_files and not sub.require_prompts):
            continue
        check(sub)
    doc.problems += sub.problems


def _check_announced_notice(doc: _Doc) -> None:
    """A hotline whose calls are recorded unless the caller objects plays a notice, not the question."""
    if doc.recording != "announced":
        return
    for spec in doc.nodes.values():
        if spec.node_type is not None and "notice" in {f.name for f in spec.node_type.fields} \
                and not spec.has("notice"):
            doc.error(spec.key, f"{spec.where}: the hotline's recording is announced: give this node a notice "
                                f"(\"this call may be recorded; press {spec.text('decline') or '2'} to object\")")



# --- 15. billing plans -------------------------------------------------------------------------------------

def _check_billing_plans(doc: _Doc) -> None:
    """billing_plans: name -> a plan (ivr/billing/plans.py: currency, what is billed, rounding per
    call, monthly fee, included minutes, rate per minute, readiness per open hour)."""
    if doc.kind != "config" or "billing_plans" not in doc.top:
        return
    from ..billing.plans import plan_problems
    node = doc.top["billing_plans"][1]
    if not isinstance(node, MappingNode):
        doc.error(node, "billing_plans: must be a mapping of plan name -> {currency, rounding, ...}")
        return
    for name, (name_node, value) in _mapping(node).items():
        given = _mapping(value) if isinstance(value, MappingNode) else {}
        for key, message in plan_problems(_plain(value)):
            at = given[key][1] if key in given else name_node
            doc.error(at, f"billing_plans.{name}{'.' + key if key else ''}: {message}")


# --- 16. the callback dialer ------------------------------------------------------------------------------

def _check_queue_callbacks(doc: _Doc) -> None:
    """queues.callbacks: QUEUE -> the dialer's settings (ivr/config.py CallbackSettings, whose
    own checks say what is wrong), each at its queue's line; `hours:` names an hours entry."""
    queues = doc.top.get("queues")
    if doc.kind != "config" or not queues or not isinstance(queues[1], MappingNode):
        return
    pair = _mapping(queues[1]).get("callbacks")
    if not pair or (isinstance(pair[1], ScalarNode) and pair[1].tag == NULL):
        return
    from ..config import _callbacks
    if not isinstance(pair[1], MappingNode):
        doc.error(pair[1], "queues.callbacks: must be a mapping of queue names to their callback settings")
        return
    written = doc.setting("queues_conf", "asterisk-conf/queues.conf", section="queues")
    conf = Path(written) if Path(written).is_absolute() else doc.base / written
    try:
        known = queue_names(conf)
    except OSError:   # said once by _check_queue_names where the menu uses a queue
        known = None
    for queue, (key, value) in _mapping(pair[1]).items():
        if known is not None and queue not in known:
            doc.error(key, f"queues.callbacks.{queue}: no queue {queue!r} in {written}"
                           f"{_did_you_mean(queue, sorted(known))}")
        try:
            settings = _callbacks({queue: _plain(value)})[queue]
        except ValueError as exc:
            doc.error(value if isinstance(value, MappingNode) else key, str(exc))
            continue
        if settings.hours and settings.hours not in doc.hours:
            doc.error(_mapping(value)["hours"][1], f"queues.callbacks.{queue}.hours: no hours named "
                                                   f"{settings.hours!r} under hours:{_did_you_mean(settings.hours, doc.hours)}")


# Run in this order; each reports and carries on.
CHECKS: tuple[Callable[[_Doc], None], ...] = (
    _check_duplicate_keys,
    _check_top_level, _check_sections, _check_menu_keys, _check_node_names, _check_node_keys, _check_hours_keys,
    _check_node_types, _check_field_types, _check_required_fields, _check_languages,
    _check_option_keys, _check_dtmf_fields, _check_type_rules, _check_unquoted_hash,
    _check_targets, _check_entry, _check_hours_refs, _check_language_options,
    _check_reachable, _check_loops, _check_dead_ends, _check_ignored_fields,
    _check_prompt_files,
    _check_queue_names,
    _check_timezones, _check_weekly, _check_holidays,
    _check_say_kinds, _check_say_values,
    _check_hotlines, _check_announced_notice, _check_billing_plans, _check_queue_callbacks,
)
# What a hotline's menu does not repeat: the config's sections are checked once, with the config;
# an inline menu's keys and hours were checked with it too.
_CONFIG_ONLY = (_check_sections, _check_hotlines)
_INLINE_SKIPS = (_check_duplicate_keys, _check_hours_keys, _check_timezones, _check_weekly, _check_holidays)
