"""`ivr doctor` against the sandbox Asterisk: all ok as the sandbox is set up; a queue
Asterisk does not have and a wrong AMI secret each named on a FAIL line; and the
least-privilege AMI user `ivr asterisk-config` writes is enough for every check."""

from __future__ import annotations

import re

import pytest

from support import E2E_CONFIG, ROOT, ivr_cli

pytestmark = pytest.mark.asterisk

CHECKS = ["AMI login", "version", "systemname", "AMI write permissions", "AMI read permissions", "timestampevents", "modules",
          "queues", "FastAGI round trip"]


def _lines(stdout: str) -> dict[str, tuple[str, str]]:
    out = {}
    for line in stdout.splitlines():
        m = re.fullmatch(r"(ok|FAIL)\s+([^:]+): (.*)", line)
        assert m, f"not a check line: {line!r}"
        out[m.group(2)] = (m.group(1), m.group(3))
    return out


def test_doctor_says_ok_against_the_sandbox(sandbox, e2e_settings):
    res = ivr_cli("doctor")
    lines = _lines(res.stdout)
    assert list(lines) == CHECKS, res.stdout + res.stderr
    assert all(status == "ok" for status, _ in lines.values()), res.stdout
    assert res.returncode == 0
    assert lines["queues"][1] == "support, tiny"
    assert "with the controller's token" in lines["FastAGI round trip"][1]
    assert lines["version"][1].startswith("Asterisk 22")


def test_doctor_names_a_queue_asterisk_does_not_have(sandbox, e2e_settings):
    res = ivr_cli("doctor", "--queue", "ghost-queue")
    lines = _lines(res.stdout)
    assert res.returncode == 1
    status, why = lines["queues"]
    assert status == "FAIL"
    assert why.startswith("not in Asterisk: ghost-queue ")
    assert "queues.conf" in why
    assert [name for name, (s, _) in lines.items() if s == "FAIL"] == ["queues"]


def test_doctor_names_a_wrong_ami_secret(sandbox, e2e_settings):
    res = ivr_cli("doctor", env={"IVR_AMI_SECRET": "not-the-secret"})
    assert res.returncode == 1
    lines = _lines(res.stdout)
    status, why = lines["AMI login"]
    assert status == "FAIL" and "refused login" in why and "secret" in why
    assert list(lines) == ["AMI login"]    # nothing else can be checked without a link


def test_doctor_names_a_wrong_agi_token(sandbox, e2e_settings):
    """The dialplan passes the sandbox's token; a controller with another one would refuse every call."""
    res = ivr_cli("doctor", env={"IVR_AGI_SECRET": "another-token-of-16-chars"})
    lines = _lines(res.stdout)
    assert res.returncode == 1
    status, why = lines["FastAGI round trip"]
    assert status == "FAIL" and "IVR_AGI_TOKEN" in why


def test_least_privilege_user_passes_every_check(sandbox, e2e_settings, tmp_path):
    """The AMI user `ivr asterisk-config` writes, loaded into the sandbox's manager.conf for
    the time of the test: every check is ok with it (no command, system or config rights)."""
    config = tmp_path / "config.yaml"
    text = E2E_CONFIG.read_text().replace("../../", str(ROOT) + "/")
    config.write_text(text.replace("ami:\n", "ami:\n  username: ivr-least\n", 1))
    out = tmp_path / "out"
    secret = "least-privilege-secret-0123"
    res = ivr_cli("asterisk-config", "--out", str(out), config=config, env={"IVR_AMI_SECRET": secret})
    assert res.returncode == 0, res.stderr
    manager = sandbox.root / "etc/asterisk/manager.conf"
    before = manager.read_text()
    manager.write_text(before + "\n" + (out / "ivr-manager.conf").read_text())
    try:
        assert sandbox.rx("manager reload").returncode == 0
        assert "ivr-least" in sandbox.rx("manager show users").stdout
        res = ivr_cli("doctor", config=config, env={"IVR_AMI_SECRET": secret})
    finally:
        manager.write_text(before)
        sandbox.rx("manager reload")
    lines = _lines(res.stdout)
    assert list(lines) == CHECKS, res.stdout + res.stderr
    assert all(status == "ok" for status, _ in lines.values()), res.stdout
    assert res.returncode == 0


def test_doctor_names_timestampevents_off_and_a_missing_queue_on_the_real_asterisk(sandbox, e2e_settings):
    """The sandbox's own manager.conf with timestampevents off (Asterisk's default), reloaded,
    and a queue the config asks for that Asterisk lacks: both named, nothing else."""
    conf = sandbox.root / "etc/asterisk/manager.conf"
    original = conf.read_text()
    assert "timestampevents = yes" in original
    conf.write_text(original.replace("timestampevents = yes", "timestampevents = no"))
    try:
        assert sandbox.rx("manager reload").returncode == 0
        res = ivr_cli("doctor", "--queue", "ghost-queue")
    finally:
        conf.write_text(original)
        sandbox.rx("manager reload")
    lines = _lines(res.stdout)
    failed = {name: why for name, (status, why) in lines.items() if status == "FAIL"}
    assert set(failed) == {"timestampevents", "queues"}, res.stdout
    assert "timestampevents = yes" in failed["timestampevents"]
    assert failed["queues"].startswith("not in Asterisk: ghost-queue ")
    assert res.returncode == 1
