"""A broken file for hotline B while hotline A's calls run (issue 12, Tests): through the
sandbox Asterisk, a controller serves the default menu (A) and Pannon Energia's hotline (B),
whose menu lives in its own file, hotlines/energia.yaml. While an A caller talks to an agent,
B's file breaks (a YAML error; a validation error) and the controller is told to reload:
A's call goes on and ends with its rows complete, a new A call is served, a new B call still
hears B's last good menu, and the log and `ivr validate` name B's file and line. B's file
fixed, the reload takes the new version."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import time
from pathlib import Path

import pytest

from support import E2E_CONFIG, IVR, ROOT, TEST_STATE, Controller

pytestmark = pytest.mark.asterisk

PORT = 4575                                 # no other test's controller listens here
A_CALLER = "48600700001"                    # the A caller who is talking to an agent during the reloads

B_GOOD = """\
# Pannon Energia's menu: a file of its own, included by config.yaml.
menu:
  entry: hello
  nodes:
    hello: {type: play, prompt: [welcome], next: bye}
    bye: {type: hangup, prompt: [goodbye]}
"""
B_FIXED = B_GOOD.replace("prompt: [welcome]", "prompt: [info]")        # the version after the fix
BROKEN = {
    # line 5: the flow sequence is never closed
    "yaml": (B_GOOD.replace("[welcome]", "[welcome"), 5, "YAML syntax error"),
    # line 5: next names no node
    "validation": (B_GOOD.replace("next: bye", "next: byee"), 5, "menu.nodes.hello.next: no node named 'byee'"),
}


def _config(folder: Path) -> Path:
    """tests/e2e/config.yaml's menu (A, the default hotline) and B in hotlines/energia.yaml."""
    text = E2E_CONFIG.read_text()
    text = text[:text.index("\nhotlines:")].replace("../../", f"{ROOT}/")
    text = text.replace("port: 4599", f"port: {PORT}\n  id: hotline-reload\n  metrics_port: 0")
    text += ("\nhotlines:\n  energia:\n    numbers: [\"_0680XXXXXX\"]\n    client: pannon-energia\n"
             "    languages: [pl, en]\n    recording: never\n    menu: hotlines/energia.yaml\n")
    (folder / "hotlines").mkdir()
    (folder / "hotlines/energia.yaml").write_text(B_GOOD)
    config = folder / "config.yaml"
    config.write_text(text)
    return config


async def _ivr(config: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(*IVR, "--config", str(config), *args, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _call(config: Path, *args: str) -> dict:
    proc = await _ivr(config, "call", "--gap", "2", "--hold", "20", *args)
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode == 0, err.decode()
    return json.loads(out)


def _played(call: dict) -> list[list[str]]:
    return [json.loads(s["detail"])["prompts"] for s in call["steps"] if s["action"] == "play"]


def _hangup_cause(settings, unique_id: str) -> str:
    """Who ended a queued call: stored once the queue's record says (after `ivr call` prints)."""
    from ivr.store.calls import call_summary, get_call
    from ivr.store.db import open_engine
    engine = open_engine(settings.database_url)
    try:
        deadline = time.monotonic() + 30
        while True:
            cause = call_summary(get_call(engine, unique_id))["hangup_cause"]
            if cause or time.monotonic() > deadline:
                return cause
            time.sleep(0.2)
    finally:
        engine.dispose()


class Log:
    """The controller's log from a point on: wait for a line, never a fixed sleep."""

    def __init__(self, path: Path):
        self.path = path
        self.mark()

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    async def line(self, pattern: str, timeout: float = 30) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with open(self.path, errors="replace") as fh:
                fh.seek(self.offset)
                for line in fh:
                    if re.search(pattern, line):
                        return line
            if loop.time() > deadline:
                raise AssertionError(f"no log line matching {pattern!r} in {self.path} after {timeout:g} s")
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_broken_file_for_hotline_b_while_a_calls_run(e2e_settings, tmp_path, kind):
    from ivr.ami.client import AMIClient

    config = _config(tmp_path)
    b_file = tmp_path / "hotlines/energia.yaml"
    broken, line, message = BROKEN[kind]
    log_path = TEST_STATE / "controller-hotline-reload.log"
    ctl = Controller(config, PORT, log_path)
    log = Log(log_path)

    async def scenario() -> tuple[dict, ...]:
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            # A: the default hotline's operator queue; the agent talks until the test hangs up.
            connected = ami.wait_for(lambda e: e.event == "AgentConnect" and e.get("CallerIDNum") == A_CALLER)
            a_proc = await _ivr(config, "call", "--digits", "0", "--caller-id", A_CALLER, "--hold", "300",
                                "--timeout", "400", "--var", "__AGENT_TALK_SECONDS=300")
            agent = await asyncio.wait_for(connected, 60)
            a_ended = ami.wait_for(lambda e: e.event == "Hangup" and e.get("Uniqueid") == agent["Uniqueid"])
            b_before = await _call(config, "--called", "0680123456", "--caller-id", "36301230001")

            # B's file breaks; the admin reloads (systemctl reload = SIGHUP; the file watcher may be first).
            log.mark()
            b_file.write_text(broken)
            ctl.proc.send_signal(signal.SIGHUP)
            kept = await log.line(r"hotline energia keeps its last good version")
            checked = await _ivr(config, "validate")
            validate_out, _ = await checked.communicate()

            # A's call is still on: a new A call and a new B call are served meanwhile.
            assert not a_ended.done(), "A's call ended before the reload: the test proves nothing"
            a_new = await _call(config, "--digits", "2 12", "--caller-id", "48600700002")
            b_kept = await _call(config, "--called", "0680123457", "--caller-id", "36301230002")

            # B fixed: the next reload takes its new version.
            log.mark()
            b_file.write_text(B_FIXED)
            ctl.proc.send_signal(signal.SIGHUP)
            reloaded = await log.line(r"config reloaded \(.*\): hotline energia menu version")
            b_fixed = await _call(config, "--called", "0680123458", "--caller-id", "36301230003")

            # A's agent hangs up: A's call, in progress through both reloads, ends normally.
            assert not a_ended.done(), "A's call ended before its agent hung up"
            # The agent's phone hangs up: the Local agent's own half (;2, where ivr-agents runs).
            await ami.action({"Action": "Hangup", "Channel": agent["DestChannel"].replace(";1", ";2")})
            out, err = await asyncio.wait_for(a_proc.communicate(), 120)
            assert a_proc.returncode == 0, err.decode()
            a_call = json.loads(out)
            assert a_call["unique_id"] == agent["Uniqueid"]
            return (a_call, a_new, b_before, b_kept, b_fixed, kept, reloaded,
                    (checked.returncode, validate_out.decode()))
        finally:
            ami.close()

    try:
        a_call, a_new, b_before, b_kept, b_fixed, kept, reloaded, validate = asyncio.run(scenario())
    finally:
        stopped = ctl.stop()
    assert stopped == 0, "the controller did not stop cleanly after SIGTERM"

    # The log and `ivr validate` name B's file and line.
    where = f"{b_file}:{line}:"
    assert where in kept and message in kept, kept
    code, out = validate
    assert code == 1
    assert any(l.startswith(where) and ": error: " in l and message in l for l in out.splitlines()), out

    # A: the call that ran through both reloads has all its rows, ended by the agent.
    assert (a_call["hotline"], a_call["path"], a_call["outcome"]) == ("default", ["main", "operator"],
                                                                      "queue:support")
    assert a_call["ended_at"] and a_call["error"] == ""
    assert [s["action"] for s in a_call["steps"] if s["node"] == "operator"][0] == "enter"
    assert _hangup_cause(e2e_settings, a_call["unique_id"]) == "agent"
    assert a_new["hotline"] == "default" and a_new["path"] == ["main", "sub", "twelve", "bye"]
    assert a_new["config_version"] == a_call["config_version"]    # A's menu never changed

    # B: its last good menu while the file was broken, the new one once fixed.
    for call in (b_before, b_kept, b_fixed):
        assert (call["hotline"], call["language"], call["path"]) == ("energia", "pl", ["hello", "bye"])
    assert _played(b_before) == _played(b_kept) == [["welcome"], ["goodbye"]]
    assert b_kept["config_version"] == b_before["config_version"]
    assert _played(b_fixed) == [["info"], ["goodbye"]]
    assert b_fixed["config_version"] != b_before["config_version"]
    assert f"-> {b_fixed['config_version']}" in reloaded
