"""`ivr prompts check`: every prompt the config can ask for, per language,
and whether its file is there and in a format Asterisk plays without
transcoding (8 kHz 16-bit mono WAV).

What is needed comes from three places: the prompt fields of the menu's
nodes; the speech rules (the fragment vocabulary, when any node speaks a
value); and the database, for `{say: tariffs}` (tariff-*, per-*) and
`{say: billing_rules}`, when it can be reached.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Callable
from datetime import date
from pathlib import Path

from ..errors import Unplayable
from ..menu.interpreter import tariff_prompt, unit_prompt
from ..menu.model import Menu, Say
from ..menu.nodes import type_of
from ..menu.prompts import prompt_files
from .synth import PLACEHOLDER_MARK

SPEECH_RULES = "speech rules"
WANT = (1, 8000, 16, 1)  # PCM, rate, bits, channels: Asterisk's "wav" format, no transcoding
_RAW = {".gsm": 33, ".sln": 2, ".ulaw": 1, ".alaw": 1}  # Asterisk's native 8 kHz mono formats: frame bytes
_CODECS = {1: "PCM", 3: "float", 6: "A-law", 7: "mu-law", 0x11: "IMA ADPCM", 0x31: "GSM 6.10",
           0x55: "MP3", 0xFFFE: "extensible"}

MISSING, UNPLAYABLE, WRONG_FORMAT, PLACEHOLDER, OK = "missing", "unplayable", "wrong format", "placeholder", "ok"
ERRORS = (MISSING, UNPLAYABLE, WRONG_FORMAT)


@dataclass(frozen=True)
class Need:
    """A prompt name in a language, and who asks for it."""

    name: str
    language: str
    needed_by: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    need: Need
    path: Path
    status: str
    detail: str = ""

    @property
    def error(self) -> bool:
        return self.status in ERRORS


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.error for f in self.findings)


# ---------------------------------------------------------------- what is needed

@dataclass(frozen=True)
class DataPrompts:
    """Prompt names the database makes the menu ask for."""

    tariffs: dict[str, list[str]]                   # prompt name -> needed by ("tariff Basic", ...)
    billing_rules: dict[str, dict[str, list[str]]]  # language -> prompt name -> needed by


def load_data_prompts(database_url: str, today: date) -> DataPrompts:
    """Tariffs in force today or later (a future price needs its recording
    before it takes effect) and every billing rule. StoreError if the
    database cannot be read; a missing SQLite file is never created."""
    from sqlalchemy.exc import SQLAlchemyError

    from ..data.lookup import DataSource
    from ..errors import StoreError
    from ..store.db import open_engine

    if database_url.startswith("sqlite:///") and not Path(database_url[len("sqlite:///"):]).exists():
        raise StoreError(f"{database_url}: no such database file")
    try:
        engine = open_engine(database_url, create=False)   # a check reads; it never migrates
        try:
            data = DataSource(engine)
            tariffs: dict[str, list[str]] = {}
            for t in data.tariffs_from(today):
                for name in (tariff_prompt(t.name), unit_prompt(t.unit)):
                    _add(tariffs.setdefault(name, []), f"tariff {t.name}")
            rules: dict[str, dict[str, list[str]]] = {}
            for r in data.all_billing_rules():
                _add(rules.setdefault(r.language, {}).setdefault(r.prompt, []), f"billing rule {r.name}")
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read {database_url}: {exc.__class__.__name__}: "
                         f"{str(exc).splitlines()[0]}") from None
    return DataPrompts(tariffs, rules)


def _add(whom: list[str], who: str) -> None:
    if who not in whom:
        whom.append(who)


def node_items(menu: Menu):
    """(node name, prompt item) for every prompt a node can play."""
    for node in menu.nodes.values():
        for name in type_of(node).prompts_played(node):
            for item in getattr(node, name, ()) or ():
                yield node.name, item


def needed(menu: Menu, languages: list[str], data: DataPrompts | None,
           warn: Callable[[str], None]) -> list[Need]:
    """Every prompt each language needs, with who needs it."""
    from ..speech import SpeechError, fragment_vocabulary

    items = list(node_items(menu))
    speaks = any(isinstance(item, Say) for _, item in items)
    out: list[Need] = []
    for lang in languages:
        by: dict[str, list[str]] = {}

        def add(name: str, *who: str) -> None:
            for w in who:
                _add(by.setdefault(name, []), w)

        for node, item in items:
            if not isinstance(item, Say):
                add(item, f"node {node}")
            elif data is not None and item.kind == "tariffs":
                for name, who in data.tariffs.items():
                    add(name, *who)
            elif data is not None and item.kind == "billing_rules":
                for name, who in data.billing_rules.get(lang, {}).items():
                    add(name, *who)
        if speaks:
            try:
                for word in sorted(fragment_vocabulary(lang)):
                    add(f"say/{word}", SPEECH_RULES)
            except SpeechError as exc:
                warn(f"{lang}: {exc}: spoken values have no fragments to check")
        out += [Need(name, lang, tuple(who)) for name, who in by.items()]
    return out


# ---------------------------------------------------------------- the files

@dataclass(frozen=True)
class WavFormat:
    codec: int
    rate: int
    bits: int
    channels: int
    frames: int

    def describe(self) -> str:
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels}-channel")
        return f"{self.rate} Hz {self.bits}-bit {layout} {_CODECS.get(self.codec, f'codec {self.codec:#x}')} WAV"


def read_wav_format(path: Path) -> WavFormat:
    """The fmt chunk of a RIFF/WAVE file, read by hand: the `wave` module
    refuses anything but PCM, and a wrong format must be described, not
    just refused."""
    data = path.read_bytes()
    if not data:
        raise Unplayable("empty file")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise Unplayable(f"not a WAV file (starts with {data[:4]!r})")
    fmt, frames_bytes, pos = None, None, 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if chunk == b"fmt ":
            if len(body) < 16:
                raise Unplayable("truncated fmt chunk")
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif chunk == b"data":
            frames_bytes = len(body)  # a truncated data chunk plays what is there
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise Unplayable("no fmt chunk")
    if not frames_bytes:
        raise Unplayable("no audio (empty data chunk)")
    codec, channels, rate, _, align, bits = fmt
    if not channels or not rate:
        raise Unplayable("0 channels or 0 Hz in the fmt chunk")
    return WavFormat(codec, rate, bits, channels, frames_bytes // max(align, 1))


def inspect_file(path: Path) -> tuple[str, str]:
    """(status, detail) of one existing prompt file, placeholder aside."""
    suffix = path.suffix.lower()
    if suffix in _RAW:
        # Raw telephony formats are 8 kHz mono by definition; only their size can be wrong.
        size = path.stat().st_size
        if not size:
            return UNPLAYABLE, "empty file"
        if size % _RAW[suffix]:
            return UNPLAYABLE, f"{size} bytes is not a whole number of {suffix[1:]} frames"
        return OK, ""
    try:
        fmt = read_wav_format(path)
    except Unplayable as exc:
        return UNPLAYABLE, str(exc)
    except OSError as exc:
        return UNPLAYABLE, exc.strerror or str(exc)
    if (fmt.codec, fmt.rate, fmt.bits, fmt.channels) != WANT:
        return WRONG_FORMAT, f"{fmt.describe()}, want 8000 Hz 16-bit mono PCM WAV (ivr prompts convert)"
    return OK, ""


def check_need(need: Need, prompts_dir: Path) -> list[Finding]:
    """One finding per file of the prompt (any audio extension), or missing."""
    files = prompt_files(prompts_dir, need.language, need.name)
    found = [f for f in files if f.exists()]
    if not found:
        return [Finding(need, files[0], MISSING)]
    out = []
    for path in found:
        status, detail = inspect_file(path)
        if status == OK and path.with_name(path.name + PLACEHOLDER_MARK).exists():
            status, detail = PLACEHOLDER, "synthetic speech, to be recorded"
        out.append(Finding(need, path, status, detail))
    return out


def needed_by_hotlines(hotlines, languages: list[str], data: DataPrompts | None,
                       warn: Callable[[str], None]) -> list[Need]:
    """`needed` over every hotline's menu, each in the languages it offers (of `languages`);
    a prompt two hotlines use is one need, needed by both."""
    merged: dict[tuple[str, str], list[str]] = {}
    for hotline in hotlines.by_name.values():
        langs = [lang for lang in languages if lang in hotline.menu.languages]
        for need in needed(hotline.menu, langs, data, warn):
            who = merged.setdefault((need.name, need.language), [])
            for w in need.needed_by:
                _add(who, w)
    return [Need(name, lang, tuple(who)) for (name, lang), who in merged.items()]


def check(menu: Menu, prompts_dir: Path, languages: list[str], database_url: str | None,
          today: date | None = None, hotlines=None) -> Report:
    """Every prompt the menu (or, given `hotlines`, every hotline's menu) needs, checked."""
    report = Report()
    data = None
    if database_url:
        from ..errors import StoreError
        try:
            data = load_data_prompts(database_url, today or date.today())
        except StoreError as exc:
            report.warnings.append(f"database not reachable ({exc}); tariff and billing-rule prompts "
                                   f"not checked")
    needs = needed_by_hotlines(hotlines, languages, data, report.warnings.append) if hotlines is not None \
        else needed(menu, languages, data, report.warnings.append)
    for need in needs:
        report.findings += check_need(need, prompts_dir)
    return report
