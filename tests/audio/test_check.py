"""`ivr prompts check` on a temporary prompts directory: missing, unplayable,
wrong format and placeholder prompts; data-driven prompts from a database."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from audio_support import parse, write_config, write_wav

from ivr.audio.check import PLACEHOLDER, check, inspect_file, read_wav_format
from ivr.audio.command import cmd_prompts
from ivr.controller import load
from ivr.speech import fragment_vocabulary


def _fill_speech(prompts: Path, lang: str) -> None:
    for word in fragment_vocabulary(lang):
        write_wav(prompts / lang / "say" / f"{word}.wav", seconds=0.01)


@pytest.fixture
def catalog(tmp_path):
    """en: welcome missing, main-menu corrupt, invalid-option 44.1 kHz stereo,
    no-input a placeholder, the rest (and every say fragment) fine."""
    config = write_config(tmp_path)
    en = tmp_path / "prompts" / "en"
    _fill_speech(tmp_path / "prompts", "en")
    (en / "main-menu.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    write_wav(en / "invalid-option.wav", rate=44100, channels=2)
    write_wav(en / "no-input.wav")
    (en / "no-input.wav.placeholder").write_text("espeak-ng en: We did not receive your choice.\n")
    write_wav(en / "tariffs-intro.wav")
    write_wav(en / "your-balance-is.wav")
    return config


def _by_name(report):
    return {f.need.name: f for f in report.findings}


def test_each_kind_of_problem_is_found(catalog):
    loaded = load(catalog)
    report = check(loaded.menu, loaded.settings.prompts_dir, ["en"], loaded.settings.database_url)
    found = _by_name(report)
    assert found["welcome"].status == "missing"
    assert found["welcome"].need.needed_by == ("node main",)
    assert found["main-menu"].status == "unplayable"
    assert found["main-menu"].detail == "no fmt chunk"
    assert found["invalid-option"].status == "wrong format"
    assert found["invalid-option"].detail.startswith("44100 Hz 16-bit stereo PCM WAV, want 8000 Hz 16-bit mono")
    assert found["no-input"].status == PLACEHOLDER and not found["no-input"].error
    assert found["tariffs-intro"].status == "ok"
    assert found["say/twelve"].status == "ok" and found["say/twelve"].need.needed_by == ("speech rules",)
    assert report.failed
    # no database file: a warning, and no tariff prompts are asked for
    assert len(report.warnings) == 1 and "tariff and billing-rule prompts not checked" in report.warnings[0]
    assert not any(name.startswith("tariff-") for name in found)


def test_table_lines_name_the_file_and_who_needs_it(catalog, capsys, monkeypatch):
    monkeypatch.chdir(catalog.parent)
    assert cmd_prompts(parse(catalog, "check")) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("warning: database not reachable")
    assert "prompts/en/welcome.wav: missing (needed by node main)" in lines
    assert "prompts/en/main-menu.wav: unplayable: no fmt chunk (needed by node main)" in lines
    assert any(line.startswith("prompts/en/invalid-option.wav: wrong format: 44100 Hz 16-bit stereo")
               and line.endswith("(needed by node main)") for line in lines)
    assert "prompts/en/no-input.wav: placeholder (needed by node main)" in lines
    assert lines[-1] == "en: 108 prompts needed: 1 missing, 1 unplayable, 1 wrong format, 1 placeholder"


def test_json_and_exit_0_when_only_placeholders_remain(catalog, capsys):
    en = catalog.parent / "prompts" / "en"
    for name in ("welcome", "main-menu", "invalid-option"):
        write_wav(en / f"{name}.wav")
    (en / "welcome.wav.placeholder").write_text("synthetic\n")
    assert cmd_prompts(parse(catalog, "check", "--format", "json")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True
    statuses = {p["name"]: p["status"] for p in doc["prompts"]}
    assert statuses["welcome"] == statuses["no-input"] == "placeholder"
    assert statuses["say/euros"] == "ok"


def test_missing_speech_fragment_names_the_file(tmp_path, capsys, monkeypatch):
    config = write_config(tmp_path, languages="en, pl")
    monkeypatch.chdir(tmp_path)
    assert cmd_prompts(parse(config, "check", "--lang", "pl")) == 1
    out = capsys.readouterr().out.splitlines()
    assert "prompts/pl/say/złote.wav: missing (needed by speech rules)" in out
    assert not any(line.startswith("prompts/en/") for line in out)


def test_unknown_language_is_refused(catalog):
    from ivr.errors import IVRError
    with pytest.raises(IVRError, match="--lang 'de' is not one of the hotlines' languages"):
        cmd_prompts(parse(catalog, "check", "--lang", "de"))


def test_data_driven_prompts_come_from_the_database(catalog):
    from sqlalchemy.orm import Session

    from ivr.store.db import open_engine
    from ivr.store.models import BillingRule, Tariff
    loaded = load(catalog)
    engine = open_engine(loaded.settings.database_url)
    with Session(engine) as s, s.begin():
        s.add_all([
            Tariff(name="Basic Plus", price=Decimal("29.00"), currency="PLN", unit="month",
                   valid_from=date(2025, 1, 1)),
            Tariff(name="Old", price=Decimal("9.00"), currency="PLN", unit="day",
                   valid_from=date(2020, 1, 1), valid_to=date(2021, 1, 1)),  # expired: not needed
            BillingRule(name="invoices", language="en", prompt="billing-rule-invoices"),
        ])
    report = check(loaded.menu, loaded.settings.prompts_dir, ["en"], loaded.settings.database_url,
                   today=date(2026, 1, 1))
    found = _by_name(report)
    assert not report.warnings
    assert found["tariff-basic-plus"].status == "missing"
    assert found["tariff-basic-plus"].need.needed_by == ("tariff Basic Plus",)
    assert found["per-month"].need.needed_by == ("tariff Basic Plus",)
    assert "tariff-old" not in found and "per-day" not in found
    # the menu has no {say: billing_rules}: the rules' prompts are not asked for
    assert "billing-rule-invoices" not in found


@pytest.mark.parametrize("content, detail", [
    (b"", "empty file"),
    (b"ID3\x03\x00mp3 data", "not a WAV file (starts with b'ID3\\x03')"),
])
def test_unreadable_files_say_why(tmp_path, content, detail):
    path = tmp_path / "x.wav"
    path.write_bytes(content)
    assert inspect_file(path) == ("unplayable", detail)


def test_header_only_wav_is_unplayable(tmp_path):
    path = write_wav(tmp_path / "x.wav", seconds=0)
    assert inspect_file(path) == ("unplayable", "no audio (empty data chunk)")


def test_raw_gsm_is_checked_by_frame_size(tmp_path):
    good, bad = tmp_path / "a.gsm", tmp_path / "b.gsm"
    good.write_bytes(b"\xd0" * 66)
    bad.write_bytes(b"\xd0" * 40)
    assert inspect_file(good) == ("ok", "")
    assert inspect_file(bad)[0] == "unplayable"


def test_wav_format_is_described(tmp_path):
    fmt = read_wav_format(write_wav(tmp_path / "x.wav", rate=16000, seconds=0.5))
    assert (fmt.rate, fmt.bits, fmt.channels, fmt.frames) == (16000, 16, 1, 8000)
    assert fmt.describe() == "16000 Hz 16-bit mono PCM WAV"
