"""`ivr systemd --out DIR [--user ivr] [--env-file PATH] [--web-host H --web-port P]
[--forwarded-allow-ips IPS]`: the systemd units of
`ivr serve` and `ivr web` for this install, and how to install them.

The templates are package data (ivr/deploy/systemd/*.service.in, `@NAME@`
placeholders). They are filled with this install's real paths: the `ivr`
executable beside the running Python (the venv's bin directory), the
absolute `--config`, its directory as the working directory, and the
directories the services write (the config's state_dir, and the recordings
and SQLite database directories when they are elsewhere). Nothing outside
DIR is touched; the install steps are printed for root to run.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

UNITS = ("ivr-serve.service", "ivr-web.service")
ENV_EXAMPLE = "ivr.env.example"
DEFAULT_ENV_FILE = "/etc/ivr/ivr.env"
# After SIGTERM, `ivr serve` drains for controller.drain_timeout, then waits up to 30 s for
# queue records and 60 s for recordings (ivr/controller.py): systemd must wait that long.
STOP_MARGIN_S = 30 + 60 + 30

ENV_TEXT = """\
# Secrets of ivr-serve and ivr-web (systemd EnvironmentFile=): owner root, mode 0600.
# Uncomment what this install uses; config.yaml never holds these.
#
# The AMI secret of manager.conf's user for the controller (ami.username):
#IVR_AMI_SECRET=
# The token the dialplan passes as AGI()'s first argument, 16+ characters
# (instead of controller.secret_file):
#IVR_AGI_SECRET=
# A database URL with its password, instead of config.yaml's database.url:
#IVR_DATABASE_URL=postgresql+psycopg://ivr:PASSWORD@127.0.0.1/ivr
# The console's cookie-signing key, 32+ bytes (else STATE_DIR/web-secret, made on first use):
#IVR_WEB_SECRET=
"""


def _user_name(value: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a system user name (e.g. ivr)")
    return value


def _absolute(value: str) -> Path:
    if not value.startswith("/"):
        raise argparse.ArgumentTypeError(f"{value!r}: systemd needs an absolute path")
    return Path(value)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number")
    return port


def _proxies(value: str) -> str:
    """`--forwarded-allow-ips`: addresses or networks, comma-separated (uvicorn's list)."""
    import ipaddress
    items = [v.strip() for v in value.split(",") if v.strip()]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item!r} is not an address or network (e.g. 127.0.0.1)") from None
    if not items:
        raise argparse.ArgumentTypeError("give the TLS proxy's address (e.g. 127.0.0.1)")
    return ",".join(items)


def add_systemd_parser(subparsers) -> None:
    s = subparsers.add_parser("systemd", help="systemd units for `ivr serve` and `ivr web`, with this install's paths")
    s.set_defaults(func=cmd_systemd)
    s.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write the units (made if missing)")
    s.add_argument("--user", type=_user_name, default="ivr", help="the system user the services run as (default ivr)")
    s.add_argument("--env-file", type=_absolute, default=Path(DEFAULT_ENV_FILE), metavar="PATH",
                   help=f"the secrets the services read, mode 0600 (default {DEFAULT_ENV_FILE})")
    s.add_argument("--web-host", default="127.0.0.1", help="address of the console (default 127.0.0.1)")
    s.add_argument("--web-port", type=_port, default=8080, help="port of the console (default 8080)")
    s.add_argument("--forwarded-allow-ips", type=_proxies, default=None, metavar="IPS",
                   help="the console's TLS proxy (e.g. 127.0.0.1), passed to `ivr web`: its X-Forwarded-Proto/-For "
                        "are believed, so the console's cookies get Secure over HTTPS")


def _value(text: object) -> str:
    """A unit-file value: `%` is systemd's specifier character."""
    return str(text).replace("%", "%%")


def _word(text: object) -> str:
    """One word of a list setting (ExecStart=, ReadWritePaths=): quoted when it needs it."""
    text = _value(text).replace("$", "$$")
    if re.search(r'[\s"\'\\;]', text) or not text:
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def writable_paths(config) -> list[Path]:
    """The directories the services write: the state dir (spool, status, web secret, the
    default SQLite database), and the recordings and SQLite database directories if they
    are not in it."""
    paths = [config.state_dir]
    extra = [config.recordings.directory]
    url = config.database_url
    if url.startswith("sqlite:///"):
        extra.append(Path(url[len("sqlite:///"):].split("?", 1)[0]).parent)
    for path in extra:
        if not any(_under(path, p) for p in paths):
            paths.append(path)
    return paths


def executable() -> Path:
    """The `ivr` script of this install: beside the running Python, not resolved (a venv's
    bin/python is a symlink to the system's, and the script is in the venv)."""
    import sys

    from ..errors import ConfigError
    path = Path(sys.executable).absolute().parent / "ivr"
    if not path.is_file():
        raise ConfigError(f"no `ivr` executable beside {sys.executable}; install the package in a venv "
                          "(python3 -m venv /opt/ivr/venv && /opt/ivr/venv/bin/pip install ivr-*.whl) "
                          "and run its bin/ivr")
    return path


def render(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    left = re.findall(r"@[A-Z_]+@", template)
    assert not left, f"unfilled placeholders {left}"
    return template


def units(config, config_path: Path, user: str, env_file: Path, web_host: str, web_port: int,
          forwarded_allow_ips: str = "") -> dict[str, str]:
    """File name -> text of the two units."""
    from importlib.resources import files
    ivr = executable()
    writable = writable_paths(config)
    homes = (Path("/home"), Path("/root"), Path("/run/user"))
    # ProtectHome=yes hides /home: an install under it (venv, config, state) needs read-only.
    used = [ivr, config_path, config.base, *writable]
    protect_home = "read-only" if any(_under(p, h) for p in used for h in homes) else "yes"
    common = {"WORKDIR": _value(config.base), "USER": user, "GROUP": user, "ENV_FILE": _value(env_file),
              "READ_WRITE_PATHS": " ".join(_word(p) for p in writable), "PROTECT_HOME": protect_home}
    start = [_word(ivr), "--config", _word(config_path)]
    stop = int(config.controller.drain_timeout) + STOP_MARGIN_S
    proxy = ["--forwarded-allow-ips", _word(forwarded_allow_ips)] if forwarded_allow_ips else []
    values = {
        "ivr-serve.service": {**common, "EXEC_START": " ".join([*start, "serve"]), "STOP_TIMEOUT": f"{stop}s"},
        "ivr-web.service": {**common, "EXEC_START": " ".join([*start, "web", "--host", _word(web_host),
                                                              "--port", str(web_port), *proxy])},
    }
    folder = files("ivr.deploy") / "systemd"
    return {name: render((folder / f"{name}.in").read_text(), values[name]) for name in UNITS}


def _check_env_file(env_file: Path) -> None:
    """An existing secrets file must be readable by its owner only."""
    from ..errors import ConfigError
    try:
        mode = env_file.stat().st_mode
    except FileNotFoundError:
        return
    if mode & 0o077:
        raise ConfigError(f"mode {mode & 0o777:04o} lets others read the secrets; chmod 600 it", str(env_file))


def cmd_systemd(args) -> int:
    import os
    import shlex

    from ..cli_support import settings
    config = settings(args)
    config_path = Path(args.config).absolute()
    _check_env_file(args.env_file)
    rendered = units(config, config_path, args.user, args.env_file, args.web_host, args.web_port,
                     args.forwarded_allow_ips or "")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name, text in rendered.items():
        (out / name).write_text(text)
    example = out / ENV_EXAMPLE
    example.write_text(ENV_TEXT)
    os.chmod(example, 0o600)

    q = lambda p: shlex.quote(str(p))  # noqa: E731
    user, env_file = args.user, args.env_file
    owned = [q(p) for p in writable_paths(config)]
    print(f"wrote {', '.join(q(out / n) for n in (*UNITS, ENV_EXAMPLE))}")
    print(f"""
Install (as root):

  # the user the services run as (its home is the state directory)
  id -u {user} >/dev/null 2>&1 || useradd --system --user-group --home-dir {q(config.state_dir)} \\
      --shell /usr/sbin/nologin {user}
  # the directories it writes (the units make everything else read-only)
  install -d -o {user} -g {user} -m 0750 {' '.join(owned)}
  chown -R {user}:{user} {' '.join(owned)}
  # the secrets: root-owned, mode 0600; fill in what this install uses
  install -d -m 0755 {q(env_file.parent)}
  [ -e {q(env_file)} ] || install -m 0600 -o root -g root {q(example)} {q(env_file)}
  # the units
  cp {' '.join(q(out / n) for n in UNITS)} /etc/systemd/system/
  systemctl daemon-reload
  systemctl enable --now {' '.join(UNITS)}

Check: systemctl status {' '.join(UNITS)}; logs: journalctl -u ivr-serve -u ivr-web -f""")
    return 0
