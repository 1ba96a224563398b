"""`ivr asterisk-config --out DIR` and `ivr doctor`: installing on an Asterisk the user
already runs (ivr/install/asterisk_config.py, ivr/install/doctor.py)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def _controller(value: str) -> str:
    from .asterisk_config import parse_controller
    try:
        return parse_controller(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number")
    return port


def add_asterisk_config_parser(subparsers) -> None:
    s = subparsers.add_parser("asterisk-config",
                              help="what to add to your own Asterisk: dialplan, its globals, AMI user, queue stubs")
    s.set_defaults(func=cmd_asterisk_config)
    s.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write the files (made if missing)")
    s.add_argument("--controller", type=_controller, action="append", default=None, metavar="HOST:PORT",
                   help="a controller as Asterisk reaches it, in the order tried; repeat for a pool "
                        "(default: the config's controller.host:port)")
    s.add_argument("--fallback-queue", default=None, metavar="NAME",
                   help="where callers go when no controller answers (default: the default hotline's "
                        "fallback_queue, else support)")
    s.add_argument("--permit", action="append", default=None, metavar="ADDR/MASK",
                   help="manager.conf permit= for the AMI user (default: the controllers' addresses)")


def cmd_asterisk_config(args) -> int:
    from ..cli_support import load
    from ..errors import ConfigError
    from .asterisk_config import default_controller, generate, permits_for

    loaded = load(args)
    s = loaded.settings
    controllers = args.controller or [default_controller(s.controller.host, s.controller.port)]
    if len(set(controllers)) != len(controllers):
        from ..cli_support import usage
        usage("--controller: the same controller twice")
    token = s.controller.agi_token()
    try:
        ami_secret = s.ami.secret()
    except ConfigError:
        ami_secret = ""
    out = generate(s, loaded.hotlines, controllers, args.fallback_queue,
                   args.permit or permits_for(controllers), token, ami_secret)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in out.files.items():
        path = args.out / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if name in out.secret_files else 0o644)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        if name in out.secret_files:
            path.chmod(0o600)
        print(path)
    print(f"see {args.out / 'README.txt'} for where each goes; then run `ivr doctor`")
    return 0


def add_doctor_parser(subparsers) -> None:
    s = subparsers.add_parser("doctor", help="check a live Asterisk over AMI: modules, AMI permissions, "
                                             "timestampevents, queues, a FastAGI round trip")
    s.set_defaults(func=cmd_doctor)
    s.add_argument("--queue", action="append", default=[], metavar="NAME",
                   help="a queue to check besides the ones the config's hotlines use")
    s.add_argument("--agi-host", default="127.0.0.1",
                   help="the address the doctor's test FastAGI server listens on, one Asterisk reaches "
                        "(default 127.0.0.1)")
    s.add_argument("--agi-port", type=_port, default=0, help="its port (default: any free one)")
    s.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for the round trip (default 15)")


def cmd_doctor(args) -> int:
    import asyncio

    from ..cli_support import load
    from .asterisk_config import queues_used
    from .doctor import run_checks

    loaded = load(args)
    s = loaded.settings
    queues = queues_used(loaded.hotlines)
    queues += [q for q in args.queue if q not in queues]
    ok = True
    for ami in s.asterisks:   # each Asterisk of ami: in turn; its name heads its lines when there are several
        if len(s.asterisks) > 1:
            print(f"== {ami.name} ({ami.host}:{ami.port})", flush=True)
        checks = asyncio.run(run_checks(s, queues, args.agi_host, args.agi_port, s.controller.agi_token(),
                                        timeout=args.timeout, ami=ami))
        for check in checks:
            print(check.line(), flush=True)
        ok = ok and all(c.ok for c in checks)
    return 0 if ok else 1
