"""`ivr systemd --out DIR`: units rendered with this install's real paths, which
`systemd-analyze verify` accepts (Debian's systemd package; installed here)."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ivr.cli import build_parser
from ivr.cli_support import run
from ivr.deploy.command import _word

CONFIG = """\
state_dir: {tmp}/state
database: {{url: 'sqlite:///{tmp}/db/ivr.db'}}
recordings: {{directory: {tmp}/recordings}}
controller: {{drain_timeout: 300}}
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
    monkeypatch.delenv("IVR_DATABASE_URL", raising=False)
    path = tmp_path / "etc" / "config.yaml"
    path.parent.mkdir()
    path.write_text(CONFIG.format(tmp=tmp_path))
    return path


def ivr(*argv: str) -> int:
    try:
        args = build_parser().parse_args(list(argv))
    except SystemExit as exc:
        return exc.code
    return run(args)


def settings(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in unit.splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def render(config, out, *extra) -> dict[str, dict[str, list[str]]]:
    assert ivr("--config", str(config), "systemd", "--out", str(out), *extra) == 0
    return {name: settings((out / name).read_text()) for name in ("ivr-serve.service", "ivr-web.service")}


def test_units_point_at_this_install(config, tmp_path, capsys):
    out = tmp_path / "units"
    units = render(config, out)
    venv_ivr = Path(sys.executable).absolute().parent / "ivr"
    for name, unit in units.items():
        exec_start = shlex.split(unit["ExecStart"][0])
        assert Path(exec_start[0]) == venv_ivr and os.access(exec_start[0], os.X_OK), exec_start
        assert exec_start[1:3] == ["--config", str(config)] and Path(exec_start[2]).is_file()
        assert Path(unit["WorkingDirectory"][0]) == config.parent and config.parent.is_dir()
        # the state dir, and the recordings and database directories outside it
        assert unit["ReadWritePaths"] == [f"{tmp_path}/state {tmp_path}/recordings {tmp_path}/db"]
        assert unit["Type"] == ["notify"] and unit["Restart"] == ["always"] and unit["WatchdogSec"] == ["30s"]
        assert unit["User"] == unit["Group"] == ["ivr"] and unit["EnvironmentFile"] == ["/etc/ivr/ivr.env"]
        assert unit["NoNewPrivileges"] == ["yes"] and unit["ProtectSystem"] == ["strict"]
        assert unit["PrivateTmp"] == ["yes"] and unit["LimitNOFILE"] == ["65536"]
        assert unit["RestartSec"] == ["2s"] and unit["StartLimitBurst"] == ["10"]
    assert shlex.split(units["ivr-serve.service"]["ExecStart"][0])[3:] == ["serve"]
    assert shlex.split(units["ivr-web.service"]["ExecStart"][0])[3:] == ["web", "--host", "127.0.0.1", "--port", "8080"]
    # SIGTERM drains for controller.drain_timeout (300 s here), then queue records and recordings
    assert units["ivr-serve.service"]["TimeoutStopSec"] == ["420s"]
    example = out / "ivr.env.example"
    assert stat.S_IMODE(example.stat().st_mode) == 0o600 and "#IVR_AMI_SECRET=" in example.read_text()
    printed = capsys.readouterr().out
    for step in ("useradd --system", "install -m 0600 -o root -g root", "cp ", "systemctl daemon-reload",
                 "systemctl enable --now ivr-serve.service ivr-web.service", "journalctl -u ivr-serve"):
        assert step in printed, step


def test_options_user_env_file_and_console_address(config, tmp_path):
    units = render(config, tmp_path / "units", "--user", "telephony", "--env-file", "/srv/ivr/secrets.env",
                   "--web-host", "0.0.0.0", "--web-port", "9090")
    for unit in units.values():
        assert unit["User"] == ["telephony"] and unit["EnvironmentFile"] == ["/srv/ivr/secrets.env"]
    assert units["ivr-web.service"]["ExecStart"][0].endswith("web --host 0.0.0.0 --port 9090")


def test_the_console_behind_a_tls_proxy_believes_that_proxy(config, tmp_path):
    units = render(config, tmp_path / "units", "--forwarded-allow-ips", "127.0.0.1, ::1")
    assert shlex.split(units["ivr-web.service"]["ExecStart"][0])[3:] == [
        "web", "--host", "127.0.0.1", "--port", "8080", "--forwarded-allow-ips", "127.0.0.1,::1"]
    assert shlex.split(units["ivr-serve.service"]["ExecStart"][0])[3:] == ["serve"]
    # what the unit runs, `ivr web` accepts
    args = build_parser().parse_args(shlex.split(units["ivr-web.service"]["ExecStart"][0])[1:])
    assert args.forwarded_allow_ips == "127.0.0.1,::1"


def test_systemd_analyze_verify_accepts_them(config, tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd"
    out = tmp_path / "units"
    render(config, out)
    done = subprocess.run([analyze, "verify", str(out / "ivr-serve.service"), str(out / "ivr-web.service")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


def test_paths_with_spaces_and_percent_are_quoted():
    assert _word("/srv/ivr/config.yaml") == "/srv/ivr/config.yaml"
    assert _word("/srv/my ivr/50%/c.yaml") == '"/srv/my ivr/50%%/c.yaml"'
    assert _word("/srv/$x") == "/srv/$$x"


def test_an_install_under_home_keeps_home_readable(tmp_path, monkeypatch):
    from ivr.config import load_settings
    from ivr.deploy import command
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(tmp=tmp_path).replace(f"state_dir: {tmp_path}/state", "state_dir: /home/ops/ivr/var"))
    units = command.units(load_settings(config), config, "ivr", Path("/etc/ivr/ivr.env"), "127.0.0.1", 8080)
    assert "\nProtectHome=read-only\n" in units["ivr-serve.service"]
    assert "\nReadWritePaths=/home/ops/ivr/var " in units["ivr-serve.service"]


def test_secrets_readable_by_others_are_refused(config, tmp_path, capsys):
    env = tmp_path / "ivr.env"
    env.write_text("IVR_AMI_SECRET=x\n")
    env.chmod(0o644)
    assert ivr("--config", str(config), "systemd", "--out", str(tmp_path / "u"), "--env-file", str(env)) == 1
    err = capsys.readouterr().err
    assert err.startswith("ivr systemd: error: ") and "chmod 600" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "u").exists()
    env.chmod(0o600)
    assert ivr("--config", str(config), "systemd", "--out", str(tmp_path / "u"), "--env-file", str(env)) == 0


@pytest.mark.parametrize("argv", [[], ["--out"], ["--out", "u", "--user", "Not A User"],
                                  ["--out", "u", "--env-file", "etc/ivr.env"], ["--out", "u", "--web-port", "0"],
                                  ["--out", "u", "--forwarded-allow-ips", "proxy.example"],
                                  ["--out", "u", "--forwarded-allow-ips", ","]])
def test_usage_errors_exit_2(config, capsys, argv):
    assert ivr("--config", str(config), "systemd", *argv) == 2
    assert "error:" in capsys.readouterr().err


def test_no_ivr_executable_beside_python_is_an_input_error(config, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python3"))
    assert ivr("--config", str(config), "systemd", "--out", str(tmp_path / "u")) == 1
    err = capsys.readouterr().err
    assert err.startswith("ivr systemd: error: no `ivr` executable beside ") and len(err.splitlines()) == 1


def test_a_broken_config_is_an_input_error(tmp_path, capsys):
    broken = tmp_path / "config.yaml"
    broken.write_text("menu: [unclosed\n")
    assert ivr("--config", str(broken), "systemd", "--out", str(tmp_path / "u")) == 1
    assert capsys.readouterr().err.startswith("ivr systemd: error: ")
