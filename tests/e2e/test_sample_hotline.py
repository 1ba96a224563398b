"""The sample hotline (config.yaml, its prompts and sample data) served for
real through the sandbox Asterisk: what an admin gets out of the box."""

from __future__ import annotations

import json

import pytest

from ivr.speech import fragments
from support import ROOT, TEST_STATE, Controller, ivr_cli

pytestmark = pytest.mark.asterisk
PORT = 4597


@pytest.fixture(scope="module")
def sample(e2e_settings, tmp_path_factory):
    """config.yaml as shipped, but on a port, database and state of the tests' own."""
    state = TEST_STATE / "sample"
    state.mkdir(parents=True, exist_ok=True)
    db = state / "ivr.db"
    db.unlink(missing_ok=True)
    text = (ROOT / "config.yaml").read_text()
    text = text.replace("port: 4573", f"port: {PORT}").replace("sqlite:///var/ivr.db", f"sqlite:///{db}")
    text = text.replace("directory: var/recordings", f"directory: {TEST_STATE / 'recordings'}")
    config = tmp_path_factory.mktemp("sample") / "config.yaml"
    text = text.replace("  username: ivr\n", f"  username: ivr\n  secret_file: {ROOT / 'var/sandbox/ami-secret'}\n")
    text = text.replace("secret_file: var/sandbox/agi-secret", f"secret_file: {ROOT / 'var/sandbox/agi-secret'}")
    config.write_text(text + f"\nprompts_dir: {ROOT / 'prompts'}\nstate_dir: {state}\n"
                      f"queues:\n  queues_conf: {ROOT / 'asterisk-conf/queues.conf'}\n")
    checked = ivr_cli("validate", config=config)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert ivr_cli("data", "load", str(ROOT / "ivr/data/sample.yaml"), config=config).returncode == 0
    ctl = Controller(config, PORT, state / "controller.log")
    yield config
    ctl.stop()


def test_known_caller_switches_to_polish_and_hears_balance(sample):
    # 9: language menu, 2: Polish, then 2 at the main menu: identify (known
    # caller id) -> balance. Digits interrupt the long prompts (type-ahead).
    res = ivr_cli("call", "--digits", "9 2 2", "--caller-id", "48600100200", "--gap", "2", "--hold", "25",
                  config=sample)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["error"] == "", summary["error"]
    assert summary["path"][:5] == ["main", "language", "main", "identify", "balance"]
    assert summary["language"] == "pl"
    balance = [json.loads(s["detail"])["prompts"] for s in summary["steps"]
               if s["node"] == "balance" and s["action"] == "play"]
    assert balance == [["your-balance-is", *fragments("pl", "money", "122.05 PLN"),
                        "payment-due-on", *fragments("pl", "date", "2026-12-05")]]
