"""`ivr asterisk-config --out DIR`: what a user adds to their own Asterisk. The files'
content, without Asterisk (tests/install/test_doctor.py loads the AMI user into the sandbox)."""

from __future__ import annotations

import os
import re
import stat

from support import E2E_CONFIG, ROOT, ivr_cli
from ivr.install.asterisk_config import AMI_READ, AMI_WRITE, parse_controller, split_globals


def _write(tmp_path, *extra: str, env: dict | None = None) -> dict[str, str]:
    res = ivr_cli("asterisk-config", "--out", str(tmp_path / "out"), *extra,
                  env={"IVR_AMI_SECRET": "ami-secret-of-this-test", "IVR_AGI_SECRET": "agi-token-of-this-test",
                       **(env or {})})
    assert res.returncode == 0, res.stderr
    return {p.name: p.read_text() for p in (tmp_path / "out").iterdir()}


def test_files_and_where_they_go(tmp_path):
    files = _write(tmp_path)
    assert set(files) == {"ivr-inbound.conf", "ivr-globals.conf", "ivr-manager.conf", "ivr-queues.conf",
                          "README.txt"}
    readme = files["README.txt"]
    for target in ("extensions_custom.conf", "globals_custom.conf", "manager_custom.conf", "queues_custom.conf",
                   "timestampevents = yes", "ivr doctor"):
        assert target in readme
    # The secrets are in two files only, and those are for Asterisk's eyes only.
    for name in ("ivr-globals.conf", "ivr-manager.conf"):
        assert stat.S_IMODE(os.stat(tmp_path / "out" / name).st_mode) == 0o600
    assert "agi-token-of-this-test" not in files["ivr-inbound.conf"]


def test_dialplan_is_the_sandbox_one_without_its_globals(tmp_path):
    files = _write(tmp_path)
    source = (ROOT / "dialplans/ivr-inbound.conf").read_text()
    values, body = split_globals(source)
    dialplan = files["ivr-inbound.conf"]
    assert not re.search(r"^\[globals\]", dialplan, re.M)   # Asterisk would ignore a second [globals]
    assert body.strip() in dialplan
    for context in ("[ivr-inbound]", "[ivr-doctor]"):
        assert context in dialplan
    globals_ = dict(line.split(" = ", 1) for line in files["ivr-globals.conf"].splitlines()
                    if not line.startswith(";"))
    assert set(globals_) == set(values)          # every global the dialplan reads, no other
    assert globals_["IVR_AGI_TOKEN"] == "agi-token-of-this-test"
    assert globals_["IVR_CONTROLLERS"] == "127.0.0.1:4599"   # the e2e config's controller
    assert globals_["IVR_FALLBACK_QUEUE"] == "support"


def test_controller_pool_in_order(tmp_path):
    files = _write(tmp_path, "--controller", "10.0.0.6:4573", "--controller", "10.0.0.5:4574",
                   "--fallback-queue", "tiny")
    globals_ = files["ivr-globals.conf"]
    assert "IVR_CONTROLLERS = 10.0.0.6:4573&10.0.0.5:4574" in globals_
    assert "IVR_FALLBACK_QUEUE = tiny" in globals_
    manager = files["ivr-manager.conf"]
    assert re.findall(r"^permit = (.*)$", manager, re.M) == ["10.0.0.6/255.255.255.255", "10.0.0.5/255.255.255.255"]
    assert "10.0.0.6:4573 then 10.0.0.5:4574" in files["README.txt"]


def test_ami_user_has_least_privilege(tmp_path):
    manager = _write(tmp_path)["ivr-manager.conf"]
    assert "[ivr]" in manager
    assert "secret = ami-secret-of-this-test" in manager
    assert re.search(r"^read = (.*)$", manager, re.M).group(1).split(",") == list(AMI_READ)
    write = re.search(r"^write = (.*)$", manager, re.M).group(1).split(",")
    assert write == list(AMI_WRITE)
    assert not {"command", "system", "config", "all"} & set(write)


def test_queue_stubs_for_the_hotlines_queues(tmp_path):
    queues = _write(tmp_path)["ivr-queues.conf"]
    names = re.findall(r"^\[([^\]]+)\]", queues, re.M)
    assert names == ["support", "tiny"]      # the e2e menu's queue nodes; support is also the fallback
    assert "; the dialplan's fallback queue" in queues.splitlines()[queues.splitlines().index(
        next(l for l in queues.splitlines() if l.startswith("[support]")))]


def test_placeholders_without_secrets(tmp_path):
    config = tmp_path / "config.yaml"
    text = E2E_CONFIG.read_text().replace("../../", str(ROOT) + "/")
    config.write_text(text.replace("secret_file: " + str(ROOT) + "/var/sandbox/agi-secret", "secret_file: ''")
                      .replace("secret_file: " + str(ROOT) + "/var/sandbox/ami-secret",
                               f"secret_file: {tmp_path}/none"))
    env = {k: v for k, v in os.environ.items() if k not in ("IVR_AMI_SECRET", "IVR_AGI_SECRET")}
    import subprocess
    import sys
    res = subprocess.run([sys.executable, "-m", "ivr", "--config", str(config), "asterisk-config", "--out",
                          str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    readme = (tmp_path / "out/README.txt").read_text()
    assert "IVR_AGI_TOKEN in ivr-globals.conf is a placeholder" in readme
    assert "CHANGE-ME" in (tmp_path / "out/ivr-manager.conf").read_text()


def test_bad_controller_is_a_usage_error(tmp_path):
    res = ivr_cli("asterisk-config", "--out", str(tmp_path), "--controller", "10.0.0.5")
    assert res.returncode == 2
    assert "HOST:PORT" in res.stderr
    assert parse_controller("[::1]:4573") == "[::1]:4573"


def test_usage_and_input_errors(tmp_path):
    """The convention of ivr/cli_support.py for both commands (tests/test_cli.py's USAGE table
    wants one row each: these)."""
    for argv in (["asterisk-config"], ["doctor", "--agi-port", "x"], ["asterisk-config", "--out", str(tmp_path),
                                                                    "--controller", "a:1", "--controller", "a:1"]):
        res = ivr_cli(*argv)
        assert res.returncode == 2, (argv, res.stderr)
        assert "error:" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / "file").write_text("")
    res = ivr_cli("asterisk-config", "--out", str(tmp_path / "file"))
    assert res.returncode == 1
    assert res.stderr.splitlines()[-1].startswith("ivr asterisk-config: error: ")
