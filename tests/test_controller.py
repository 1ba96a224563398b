"""`ivr serve` as a process: config hot reload with a real call in progress,
a refused broken config, and SIGTERM draining."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from support import E2E_CONFIG, IVR, ROOT, TEST_STATE, Controller

pytestmark = pytest.mark.asterisk


def wait_log(path, text: str, after: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace")[after:]:
            return
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not in {path} within {timeout} s")


@pytest.fixture
def own_controller(e2e_settings, tmp_path):
    port = 4595
    config = tmp_path / "config.yaml"
    config.write_text(E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}")
                      .replace("../../var", str(ROOT / "var")))
    log = TEST_STATE / f"controller-{tmp_path.name}.log"
    ctl = Controller(config, port, log)
    yield ctl
    ctl.stop()


def start_call(config, *args) -> subprocess.Popen:
    return subprocess.Popen([*IVR, "--config", str(config), "call", *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out)


def test_reload_keeps_calls_in_progress_on_their_version(own_controller):
    config = own_controller.config
    # Call A presses 1 after a long pause: by then the config has changed.
    a = start_call(config, "--digits", "- 1", "--gap", "6", "--hold", "4")
    time.sleep(1.5)
    mark = len(own_controller.log.read_text(errors="replace"))
    config.write_text(config.read_text().replace('"1": info,', '"1": twelve,'))
    wait_log(own_controller.log, "config reloaded (file changed)", mark)
    b = finish(start_call(config, "--digits", "1", "--hold", "4"))
    a = finish(a)
    assert a["path"][:2] == ["main", "info"]       # the menu it started on
    assert b["path"][:2] == ["main", "twelve"]     # the new menu
    assert a["config_version"] != b["config_version"]


def test_broken_config_is_refused_and_old_one_keeps_serving(own_controller):
    config = own_controller.config
    good = config.read_text()
    mark = len(own_controller.log.read_text(errors="replace"))
    config.write_text(good.replace('"2": sub,', '"2": nowhere,'))
    own_controller.proc.send_signal(signal.SIGHUP)
    wait_log(own_controller.log, "reload refused", mark)
    assert "nowhere" in own_controller.log.read_text(errors="replace")[mark:]
    call = finish(start_call(config, "--digits", "2", "--hold", "3"))
    assert call["path"][:2] == ["main", "sub"]


def test_sigterm_drains_a_call_in_progress(own_controller):
    call = start_call(own_controller.config, "--digits", "2 12", "--hold", "4")
    time.sleep(2.0)
    own_controller.proc.send_signal(signal.SIGTERM)
    summary = finish(call)
    assert own_controller.proc.wait(30) == 0
    assert summary["path"] == ["main", "sub", "twelve", "bye"]   # finished, not cut
    assert summary["outcome"] == "hangup"


def test_start_stores_recordings_left_without_a_row(e2e_settings, tmp_path):
    # A consenting call whose controller stopped before its file closed: the file
    # is there, the row is not. The next controller to start stores it.
    import uuid
    from datetime import datetime, timezone

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from ivr.store.db import open_engine
    from ivr.store.models import Call, Recording
    uid = f"swept-{uuid.uuid4().hex[:10]}"
    wav = e2e_settings.recordings.directory / f"{uid}.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(wav), "synth", "2.5", "sine", "440"],
                   check=True)
    engine = open_engine(e2e_settings.database_url)
    now = datetime.now(timezone.utc)
    with Session(engine) as s, s.begin():
        s.add(Call(unique_id=uid, caller_id="48600555000", started_at=now, consent=True, consent_at=now,
                   outcome="queue:support"))
    port = 4593
    config = tmp_path / "config.yaml"
    config.write_text(E2E_CONFIG.read_text().replace("port: 4599", f"port: {port}")
                      .replace("../../var", str(ROOT / "var")))
    ctl = Controller(config, port, TEST_STATE / "controller-sweep.log")
    try:
        deadline = time.monotonic() + 20
        row = None
        while row is None and time.monotonic() < deadline:
            with Session(engine) as s:
                row = s.scalars(select(Recording).where(Recording.unique_id == uid)).first()
            time.sleep(0.2)
    finally:
        ctl.stop()
    assert row is not None, "the sweep did not store the recording"
    assert (row.caller_id, row.path) == ("48600555000", f"{uid}.wav")
    assert abs(row.duration_s - 2.5) < 0.05 and row.size_bytes == wav.stat().st_size
