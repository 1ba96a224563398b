"""The `ivr` command's convention (ivr/cli_support.py), for every command:
exit 2 on a usage error, 1 with one `ivr CMD: error: ...` line and no
traceback on an input error, and `--format json` listings that parse."""

from __future__ import annotations

import json
import wave
import subprocess
from datetime import datetime, timezone

import pytest

from ivr.cli import build_parser
from ivr.cli_support import run
from support import IVR, ROOT

CONFIG = """\
state_dir: {tmp}/var
database: {{url: 'sqlite:///{tmp}/ivr.db'}}
prompts_dir: {tmp}/prompts
menu:
  entry: main
  languages: [en]
  nodes:
    main:
      type: play
      prompt: [welcome]
      next: bye
    bye:
      type: hangup
"""


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)   # the config names its own database
    monkeypatch.delenv("IVR_WEB_PASSWORD", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(tmp=tmp_path))
    (tmp_path / "prompts" / "en").mkdir(parents=True)   # what the menu plays exists: it runs
    with wave.open(str(tmp_path / "prompts" / "en" / "welcome.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\0\0" * 800)
    return path


def ivr(config, *argv: str) -> int:
    """What `ivr --config CONFIG ARGV...` exits with, in this process (capsys sees the output)."""
    try:
        args = build_parser().parse_args(["--config", str(config), *argv])
    except SystemExit as exc:
        return exc.code
    return run(args)


def commands() -> set[str]:
    [sub] = [a for a in build_parser()._actions if a.dest == "command"]
    return set(sub.choices)


# Usage errors argparse sees (first of each command), then the ones the commands see.
USAGE = [
    ("validate", ["validate", "extra"]),
    ("simulate", ["simulate", "--digits"]),
    ("serve", ["serve", "--no-such-option"]),
    ("agi", ["agi", "extra"]),
    ("sandbox", ["sandbox", "restart"]),
    ("call", ["call", "--gap", "soon"]),
    ("graph", ["graph", "-o"]),
    ("prompts", ["prompts"]),
    ("prompts", ["prompts", "convert", "a.mp3", "-o", "x", "--lang", "en"]),
    ("report", ["report", "weekly"]),
    ("callbacks", ["callbacks", "done", "first"]),
    ("recordings", ["recordings", "play"]),
    ("web", ["web", "user", "add", "x", "--role", "root"]),
    ("say", ["say", "pl", "time", "12:00"]),
    ("data", ["data", "load"]),
    ("calls", ["calls", "list", "--format", "csv"]),
    ("systemd", ["systemd"]),   # --out DIR is required
    ("asterisk-config", ["asterisk-config"]),   # --out DIR is required
    ("doctor", ["doctor", "--agi-port", "x"]),
]
SEMANTIC_USAGE = [
    ("report", ["report", "handle-times", "--format", "png"], "--format png needs -o/--output PATH"),
    ("report", ["report", "funnel", "--by", "agent"], "--queue and --by apply to handle-times"),
    ("callbacks", ["callbacks", "done"], "which request?"),
    ("recordings", ["recordings", "show"], "show needs a recording id"),
    ("recordings", ["recordings", "export", "1"], "export needs -o/--output FILE"),
    ("recordings", ["recordings", "list", "--yes"], "--yes applies to purge"),
    ("web", ["web", "user", "add"], "user add needs a NAME"),
    ("web", ["web", "user", "list", "sam"], "user list takes no NAME"),
    ("calls", ["calls", "show"], "show needs a call id"),
    ("calls", ["calls", "list", "7"], "list takes no id"),
]


def test_every_command_has_a_usage_error_case():
    assert {name for name, _ in USAGE} == commands()


@pytest.mark.parametrize("name, argv", USAGE, ids=[" ".join(a) for _, a in USAGE])
def test_usage_error_exits_2(config, capsys, name, argv):
    assert ivr(config, *argv) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


@pytest.mark.parametrize("name, argv, message", SEMANTIC_USAGE, ids=[" ".join(a) for _, a, _ in SEMANTIC_USAGE])
def test_usage_error_the_command_sees_exits_2(config, capsys, name, argv, message):
    assert ivr(config, *argv) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"ivr {name}: error: ") and message in err, err
    assert len(err.splitlines()) == 1 and out == ""


INPUT = [
    ("calls", ["calls", "show", "999"], "no call '999' in the call log"),
    ("callbacks", ["callbacks", "done", "999"], "callback request 999: no such request"),
    ("recordings", ["recordings", "show", "nope.1"], "no recording 'nope.1'"),
    ("recordings", ["recordings", "list", "--since", "yesterday"], "--since 'yesterday': not an ISO date"),
    ("report", ["report", "billing", "--until", "2026-13-01"], "--until '2026-13-01': not an ISO date"),
    ("simulate", ["simulate", "--lang", "xx"], "--lang 'xx' is not one of hotline default's languages"),
    ("simulate", ["simulate", "--at", "noon"], "is not an ISO-8601 time"),
    ("prompts", ["prompts", "check", "--lang", "de"], "--lang 'de' is not one of the hotlines' languages"),
    ("say", ["say", "pl", "money", "12,3x"], "pl money: '12,3x' is not an amount"),
    ("call", ["call", "--var", "NOEQUALS"], "--var 'NOEQUALS': use NAME=VALUE"),
    ("data", ["data", "load", "{tmp}/missing.yaml"], "missing.yaml"),
]


@pytest.mark.parametrize("name, argv, message", INPUT, ids=[" ".join(a) for _, a, _ in INPUT])
def test_input_error_exits_1_with_one_line(config, capsys, name, argv, message):
    argv = [a.format(tmp=config.parent) for a in argv]
    assert ivr(config, *argv) == 1
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith(f"ivr {name}: error: ") and message in err, err


def test_a_broken_config_is_exit_1_without_traceback(tmp_path):
    """Through `python -m ivr`, as a user runs it."""
    broken = tmp_path / "config.yaml"
    broken.write_text("menu: [unclosed\n")
    for argv in (["graph", "-o", str(tmp_path / "m.svg")], ["calls", "list"], ["simulate"]):
        done = subprocess.run([*IVR, "--config", str(broken), *argv], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 1, (argv, done.stderr)
        assert done.stderr.startswith(f"ivr {argv[0]}: error: ") and "Traceback" not in done.stderr


def _seed(config) -> None:
    from ivr.config import load_settings
    from ivr.queues.store import request_callback
    from ivr.store.calllog import CallLogWriter, CallRecord
    from ivr.store.db import open_engine
    from ivr.web.users import add_user
    engine = open_engine(load_settings(config).database_url)
    writer = CallLogWriter(engine)
    writer.start_call(CallRecord(unique_id="cli.1", caller_id="48600100200", called="0680123456",
                                 hotline="energia", client="pannon-energia"))
    writer.close()
    request_callback(engine, "cli.1", "48600100200", "", "en", "support", datetime.now(timezone.utc))
    add_user(engine, "sam", "ops", "long-enough-pw")
    engine.dispose()


def test_json_listings_parse(config, capsys):
    _seed(config)

    def listed(*argv: str):
        assert ivr(config, *argv, "--format", "json") in (0, 1)   # prompts check fails: no prompt files
        return capsys.readouterr().out

    lines = lambda text: [json.loads(line) for line in text.splitlines()]  # noqa: E731 - JSON Lines
    assert [c["unique_id"] for c in lines(listed("calls", "list"))] == ["cli.1"]
    assert json.loads(listed("calls", "show", "cli.1"))["caller_id"] == "48600100200"
    assert [r["queue"] for r in lines(listed("callbacks", "list"))] == ["support"]
    assert json.loads(listed("recordings", "list")) == []
    assert json.loads(listed("recordings", "audit")) == []
    assert json.loads(listed("web", "user", "list")) == [{"name": "sam", "role": "ops"}]
    assert json.loads(listed("report", "billing"))["rows"] == []
    checked = json.loads(listed("prompts", "check"))
    assert {p["name"] for p in checked["prompts"]} >= {"welcome"}


def test_calls_tables_name_the_hotline(config, capsys):
    _seed(config)
    assert ivr(config, "calls", "list") == 0
    head, row = capsys.readouterr().out.splitlines()[:2]
    assert "HOTLINE" in head.split() and "energia" in row.split()
    assert ivr(config, "calls", "show", "cli.1") == 0
    shown = {k.strip(): v.strip() for k, v in (line.split(": ", 1) for line in capsys.readouterr().out.splitlines()
                                               if ": " in line)}
    assert (shown["hotline"], shown["client"]) == ("energia", "pannon-energia")
