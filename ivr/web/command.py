"""`ivr web [--host --port]` serves the console; `ivr web user add|list` manages logins.

A password comes from $IVR_WEB_PASSWORD or stdin, never from argv (which
any local user can read in the process list).
"""

from __future__ import annotations

import getpass
import os
import sys

from ..errors import IVRError
from .auth import ROLES


def add_web_parser(subparsers) -> None:
    from ..cli_support import add_format_option
    s = subparsers.add_parser("web", help="the ops console (recordings, calls, queues), behind a login")
    s.set_defaults(func=cmd_web)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--forwarded-allow-ips", default="", metavar="IPS",
                   help="the TLS proxy in front (e.g. 127.0.0.1): its X-Forwarded-Proto/-For are believed, so "
                        "cookies get Secure over HTTPS and the log-in throttle sees the client's address")
    sub = s.add_subparsers(dest="web_command", metavar="user")
    u = sub.add_parser("user", help="console users (password from $IVR_WEB_PASSWORD or stdin)")
    u.add_argument("user_action", choices=("add", "list"))
    u.add_argument("name", nargs="?")
    u.add_argument("--role", choices=ROLES, default="ops")
    u.add_argument("--replace", action="store_true", help="add: set a new password/role for an existing user")
    add_format_option(u)


def read_password(name: str) -> str:
    if os.environ.get("IVR_WEB_PASSWORD"):
        return os.environ["IVR_WEB_PASSWORD"]
    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != first:
            raise IVRError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_web(args) -> int:
    from ..cli_support import database, settings
    config = settings(args)
    if args.web_command == "user":
        _check_user(args)
        with database(config) as engine:
            return _user(args, engine)
    from ..deploy.webserver import run as run_server   # uvicorn, notifying systemd (Type=notify)
    from .app import create_app
    app = create_app(config)
    proxied = {"proxy_headers": True, "forwarded_allow_ips": args.forwarded_allow_ips} \
        if args.forwarded_allow_ips else {"proxy_headers": False}
    run_server(app, host=args.host, port=args.port, log_level="info", access_log=True,
               server_header=False, **proxied)
    return 0


def _check_user(args) -> None:
    """Usage errors argparse cannot see (exit 2)."""
    from ..cli_support import usage
    if args.user_action == "add" and not args.name:
        usage("user add needs a NAME")
    if args.user_action == "list" and (args.name or args.replace):
        usage("user list takes no NAME and no --replace")
    if args.user_action == "add" and args.format != "table":
        usage("--format applies to user list")


def _user(args, engine) -> int:
    from ..cli_support import print_json
    from .users import add_user, list_users
    if args.user_action == "list":
        users = list_users(engine)
        if args.format == "json":
            print_json([{"name": u.name, "role": u.role} for u in users])
            return 0
        for u in users:
            print(f"{u.name}\t{u.role}")
        return 0
    user = add_user(engine, args.name, args.role, read_password(args.name), replace=args.replace)
    print(f"user {user.name} ({user.role}) saved")
    return 0
