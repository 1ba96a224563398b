"""`ivr web [--host --port]` serves the console; `ivr web user add|list` manages logins.

A password comes from $IVR_WEB_PASSWORD or stdin, never from argv (which
any local user can read in the process list).
"""

from __future__ import annotations

import getpass
import os
import sys

from .auth import ROLES


def add_web_parser(subparsers) -> None:
    s = subparsers.add_parser("web", help="the ops console (recordings, calls, queues), behind a login")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    sub = s.add_subparsers(dest="web_command", metavar="user")
    u = sub.add_parser("user", help="console users (password from $IVR_WEB_PASSWORD or stdin)")
    u.add_argument("user_action", choices=("add", "list"))
    u.add_argument("name", nargs="?")
    u.add_argument("--role", choices=ROLES, default="ops")
    u.add_argument("--replace", action="store_true", help="add: set a new password/role for an existing user")


def read_password(name: str) -> str:
    if os.environ.get("IVR_WEB_PASSWORD"):
        return os.environ["IVR_WEB_PASSWORD"]
    if sys.stdin.isatty():
        first = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("ivr web: error: the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_web(args) -> int:
    from ..config import load_settings
    from ..store.db import open_engine

    settings = load_settings(args.config)
    if args.web_command == "user":
        engine = open_engine(settings.database_url)
        try:
            return _user(args, engine)
        finally:
            engine.dispose()
    import uvicorn

    from .app import create_app
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=True,
                server_header=False, proxy_headers=False)
    return 0


def _user(args, engine) -> int:
    from .users import add_user, list_users
    if args.user_action == "list":
        for u in list_users(engine):
            print(f"{u.name}\t{u.role}")
        return 0
    if not args.name:
        print("ivr web: error: user add needs a NAME", file=sys.stderr)
        return 2
    user = add_user(engine, args.name, args.role, read_password(args.name), replace=args.replace)
    print(f"user {user.name} ({user.role}) saved")
    return 0
