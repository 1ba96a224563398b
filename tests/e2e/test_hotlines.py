"""Two hotlines through the sandbox Asterisk at once: each caller reaches their own
client's menu, in its language, and the announced recording policy holds."""

from __future__ import annotations

import json
import subprocess
import wave

import pytest

from support import E2E_CONFIG, IVR, ROOT
from ivr.store.db import open_engine

pytestmark = pytest.mark.asterisk


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([*IVR, "--config", str(E2E_CONFIG), "call", "--gap", "2", "--hold", "12",
                             "--var", "__AGENT_TALK_SECONDS=3", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return json.loads(out)


def played(call: dict) -> list[list[str]]:
    return [json.loads(s["detail"])["prompts"] for s in call["steps"] if s["action"] == "play"]


def test_two_clients_are_served_at_once_each_by_its_own_hotline(controller, e2e_settings):
    telecom = start("--digits", "1", "--caller-id", "48600500001")
    energia = start("--called", "0680123456", "--digits", "-", "--caller-id", "36301234567")
    telecom, energia = finish(telecom), finish(energia)
    assert (telecom["hotline"], telecom["client"], telecom["language"]) == ("default", "", "en")
    assert telecom["path"][:2] == ["main", "info"]
    assert (energia["hotline"], energia["client"], energia["recording_policy"]) == \
        ("energia", "pannon-energia", "announced")
    assert energia["language"] == "pl" and energia["path"][:3] == ["hello", "notice", "desk"]
    assert energia["called"] == "0680123456"


def _recording(engine, uid: str):
    from test_consent import recording_row
    return recording_row(engine, uid, wait=40)


def test_announced_recording_records_the_silent_caller_and_not_the_one_who_objects(controller, e2e_settings):
    silent = start("--called", "0680123456", "--digits", "-", "--caller-id", "36301234568")
    objects = start("--called", "0680123456", "--digits", "2", "--caller-id", "36301234569")
    silent, objects = finish(silent), finish(objects)
    assert (silent["consent"], objects["consent"]) == (True, False)
    assert silent["recording_policy"] == objects["recording_policy"] == "announced"
    assert ["recording-notice"] in played(silent)
    engine = open_engine(e2e_settings.database_url)
    row = _recording(engine, silent["unique_id"])
    assert row is not None, "the silent caller's call was recorded"
    with wave.open(str(e2e_settings.recordings.directory / row.path)) as w:
        assert w.getnframes() / w.getframerate() >= 2
    assert not (e2e_settings.recordings.directory / f"{objects['unique_id']}.wav").exists()
