"""The one load path (ivr/menu/loading.py): `ivr serve`, `ivr simulate`, `ivr graph` and the
controller's reload run only a config `ivr validate` accepts, and refuse any other with every
error line `PATH:LINE:COL: error: ...`, no traceback, nothing started.

Each kind of broken config is one small change to a config that works: an option naming a
missing node, an impossible holiday, a say kind or account field with a typo, a YAML alias
bomb, nesting 10,000 deep. No Asterisk is needed: serve is refused before it listens.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from ivr.config import load_settings
from ivr.controller import Controller, load
from ivr.errors import ConfigError
from ivr.menu.loading import error_lines, load_config
from support import IVR, ROOT

PORT = 4585       # this test's own FastAGI port: serve must never listen on it with a broken config
AMI_PORT = 4584   # nothing listens here: a serve that does start keeps retrying AMI in the background

GOOD = """\
state_dir: {tmp}/var
database: {{url: 'sqlite:///{tmp}/ivr.db'}}
controller: {{host: 127.0.0.1, port: {port}, id: config-load-test}}
ami: {{port: {ami_port}}}
queues: {{queue_log: {tmp}/queue_log}}
prompts_dir: {tmp}/prompts
data: {{}}
menu:
  entry: main
  languages: [en]
  nodes:
    main:
      type: menu
      prompt: [welcome]
      options: {{"1": tariffs, "2": balance}}
      on_failure: bye
    tariffs: {{type: play, prompt: [{{say: tariffs}}], next: main}}
    balance: {{type: play, prompt: [{{say: money, value: account.balance}}], next: main}}
    bye: {{type: hangup, prompt: goodbye}}
hours:
  office:
    timezone: Europe/Warsaw
    weekly: {{mon-fri: "08:00-20:00"}}
    holidays: ["2026-12-25"]
"""

BOMB = "".join([
    'data:\n  lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n',
    *(f"  lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10)),
    "  all: *l9\n",
])

# name -> (what to replace in GOOD, with what, where the error is (a unique piece of the broken
# text, the error's column is where it starts), the error message)
BROKEN = {
    "missing node": ('"1": tariffs', '"1": tarifs', "tarifs",
                     "menu.nodes.main.options[\"1\"]: no node named 'tarifs' (did you mean 'tariffs'?)"),
    "impossible holiday": ('["2026-12-25"]', '["2026-12-25", "2026-02-30"]', '"2026-02-30"',
                           "hours.office.holidays: bad date '2026-02-30' (use YYYY-MM-DD)"),
    "say kind typo": ("{say: money, value", "{say: mony, value", "mony",
                      "menu.nodes.balance.prompt.say: unknown kind 'mony' (did you mean 'money'?)"),
    "account field typo": ("account.balance", "account.balanse", "account.balanse",
                           "menu.nodes.balance.prompt.value: 'account.balanse' is no value a call can say "
                           "(did you mean 'account.balance'?)"),
    "alias bomb": ("data: {}\n", BOMB, "*l5",
                   "aliases expand to more than 1,000,000 nodes (at *l5); is this a YAML bomb? Write the values out"),
    "deep flow nesting": ("data: {}\n", "data: " + "[" * 10_000 + "]" * 10_000 + "\n", None,
                          "nesting too deep: more than 100 levels of lists and mappings"),
    "deep block nesting": ("data: {}\n", "data:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(3_000)),
                           "k99:", "nesting too deep: more than 100 levels of lists and mappings"),
}


def write_good(tmp_path: Path) -> Path:
    for name in ("welcome", "goodbye"):
        (tmp_path / "prompts" / "en").mkdir(parents=True, exist_ok=True)
        (tmp_path / "prompts" / "en" / f"{name}.wav").write_bytes(b"")
    config = tmp_path / "config.yaml"
    config.write_text(GOOD.format(tmp=tmp_path, port=PORT, ami_port=AMI_PORT))
    return config


def write_broken(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """The good config with one fault of `kind`, and the error line `ivr validate` gives for it."""
    config = write_good(tmp_path)
    old, new, at, message = BROKEN[kind]
    text = config.read_text()
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    config.write_text(text)
    if at is None:   # libyaml gives up at its own limit: the line, not the column, is ours to state
        line = next(n for n, s in enumerate(text.splitlines(), 1) if s.startswith("data: ["))
        return config, f"{config}:{line}:"
    before = text[:text.index(at)]
    line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
    return config, f"{config}:{line}:{col}: error: {message}"


def env() -> dict:
    e = {**os.environ, "IVR_AMI_SECRET": "not-used-here"}
    for name in ("IVR_DATABASE_URL", "IVR_CONFIG", "IVR_AGI_SECRET", "NOTIFY_SOCKET", "WATCHDOG_USEC"):
        e.pop(name, None)
    return e


def ivr(config: Path, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*IVR, "--config", str(config), *argv], cwd=ROOT, env=env(), capture_output=True,
                          text=True, timeout=timeout)


def listens(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


KINDS = sorted(BROKEN)


# --- the good config runs --------------------------------------------------------------------------

def test_the_good_config_validates_and_loads(tmp_path):
    config = write_good(tmp_path)
    done = ivr(config, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    loaded = load_config(config)
    assert set(loaded.menu.nodes) == {"main", "tariffs", "balance", "bye"}


def test_serve_starts_on_the_good_config(tmp_path):
    """The control for the refusals below: the same config, unbroken, listens."""
    assert not listens(PORT), f"something else listens on {PORT}"
    config = write_good(tmp_path)
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([*IVR, "--config", str(config), "serve"], cwd=ROOT, env=env(),
                            stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not listens(PORT):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- every command refuses every kind ----------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_validate_reports_the_line(tmp_path, kind):
    config, line = write_broken(tmp_path, kind)
    start = time.monotonic()
    done = ivr(config, "validate")
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(out.startswith(line) for out in done.stdout.splitlines()), (line, done.stdout[-2000:])
    assert "Traceback" not in done.stderr
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("kind", KINDS)
def test_serve_refuses_and_never_listens(tmp_path, kind):
    assert not listens(PORT), f"something else listens on {PORT}"
    config, line = write_broken(tmp_path, kind)
    proc = subprocess.Popen([*IVR, "--config", str(config), "serve"], cwd=ROOT, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None:
            assert not listens(PORT), "serve listened on a config validate refuses"
            assert time.monotonic() < deadline, "serve did not stop on a broken config"
            time.sleep(0.05)
        out, err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, err
    lines = err.splitlines()
    assert lines[0].startswith(f"ivr serve: error: {config} has ") and "error(s)" in lines[0], err
    assert any(out.startswith(line) for out in lines[1:]), (line, err[-2000:])
    assert "Traceback" not in err


@pytest.mark.parametrize("kind", KINDS)
def test_simulate_refuses_without_a_traceback(tmp_path, kind):
    config, line = write_broken(tmp_path, kind)
    done = ivr(config, "simulate", "--digits", "1")
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""   # not a single step was walked
    assert done.stderr.startswith("ivr simulate: error: ") and "Traceback" not in done.stderr
    assert any(out.startswith(line) for out in done.stderr.splitlines()), (line, done.stderr[-2000:])


@pytest.mark.parametrize("kind", ["missing node", "alias bomb", "deep block nesting"])
def test_graph_refuses(tmp_path, kind):
    config, line = write_broken(tmp_path, kind)
    done = ivr(config, "graph", "-o", str(tmp_path / "menu.dot"))
    assert done.returncode == 1 and not (tmp_path / "menu.dot").exists(), done.stderr
    assert any(out.startswith(line) for out in done.stderr.splitlines()), (line, done.stderr[-2000:])


@pytest.mark.parametrize("kind", ["alias bomb", "deep flow nesting", "deep block nesting"])
def test_every_other_reader_of_the_config_refuses_bombs_and_depth(tmp_path, kind):
    """`ivr calls list` and the rest read only the settings (load_settings): the same bounds."""
    config, line = write_broken(tmp_path, kind)
    done = ivr(config, "calls", "list", timeout=30)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    location = line.split(": error: ")[0]
    assert done.stderr.startswith(f"ivr calls: error: {location}"), done.stderr[-2000:]
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    assert raised.value.path == str(config) and raised.value.line > 0


# --- the one path, in-process ------------------------------------------------------------------------

def test_load_raises_one_config_error_with_every_line(tmp_path):
    config = write_good(tmp_path)
    text = config.read_text().replace('"1": tariffs', '"1": tarifs').replace('"2026-12-25"]', '"2026-02-30"]')
    config.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load(config)
    lines = error_lines(raised.value)
    assert len(lines) == 2 and all(f"{config}:" in s and ": error: " in s for s in lines), lines
    assert "no node named 'tarifs'" in lines[0] and "bad date '2026-02-30'" in lines[1]
    assert (raised.value.path, raised.value.line) == (str(config), int(lines[0].split(":")[1]))


def test_missing_prompt_files_stop_only_what_answers_calls(tmp_path):
    config = write_good(tmp_path)
    (tmp_path / "prompts" / "en" / "goodbye.wav").unlink()
    assert load(config).menu.entry == "main"            # ivr prompts reads it to find what is missing
    with pytest.raises(ConfigError, match="prompt 'goodbye' is missing"):
        load_config(config)                              # serve and reload do not run without it


# --- reload keeps the version it has -----------------------------------------------------------------

def test_reload_keeps_the_old_config_and_logs_every_line(tmp_path, caplog):
    config = write_good(tmp_path)
    controller = SimpleNamespace(current=load_config(config))   # reload reads and sets only .current
    old = controller.current
    for kind in KINDS:
        broken, line = write_broken(tmp_path, kind)
        assert broken == config
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="ivr.controller"):
            assert Controller.reload(controller, "test") is False
        assert controller.current is old, kind
        logged = [r.getMessage() for r in caplog.records]
        assert any(m.startswith("reload refused (test): " + line) for m in logged), (kind, logged)
    write_good(tmp_path)
    config.write_text(config.read_text().replace("on_failure: bye", "on_failure: bye\n      retries: 2"))
    assert Controller.reload(controller, "test") is True
    assert controller.current is not old and controller.current.menu.version != old.menu.version
