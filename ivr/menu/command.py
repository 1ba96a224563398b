"""`ivr validate`, `ivr simulate` and `ivr graph`: the menu on the command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from ..errors import IVRError


def add_validate_parser(subparsers) -> None:
    s = subparsers.add_parser("validate", help="check config.yaml")
    s.set_defaults(func=cmd_validate)


def add_simulate_parser(subparsers) -> None:
    s = subparsers.add_parser("simulate", help="walk the menus with a fake channel, print JSON lines")
    s.add_argument("--digits", default="", help='presses separated by spaces, e.g. "1 2 #"; - is silence')
    s.add_argument("--caller-id", default="")
    s.add_argument("--at", default=None, help="ISO-8601 time of the call (hours, holidays)")
    s.add_argument("--lang", default=None)
    s.add_argument("--queue-status", default="", help="what a Queue() returns (TIMEOUT, FULL, ...)")
    s.add_argument("--called", default="", help="the number called: picks the hotline (default: the default one)")
    s.set_defaults(func=cmd_simulate)


def add_graph_parser(subparsers) -> None:
    s = subparsers.add_parser("graph", help="the menu as a picture")
    s.add_argument("-o", "--output", type=Path, default=Path("menu.svg"), help="menu.svg, menu.png or menu.dot")
    s.add_argument("--hotline", default=None, help="whose menu (default: the default hotline's)")
    s.set_defaults(func=cmd_graph)


def cmd_validate(args) -> int:
    from .validate import validate_file
    problems = validate_file(args.config)
    for p in problems:
        print(p.format())
    errors = sum(p.severity == "error" for p in problems)
    if not errors:
        print(f"{args.config}: ok ({len(problems)} warning(s))", file=sys.stderr)
    return 1 if errors else 0


def cmd_simulate(args) -> int:
    import asyncio

    from ..channel.fake import FakeChannel
    from ..channel.interface import CallInfo
    from ..cli_support import load
    from ..store.calllog import CallRecord
    from .interpreter import CallContext
    from .session import SessionDriver

    loaded = load(args)   # validated: a config `ivr validate` refuses exits 1 with its error lines
    hotline = loaded.hotlines.route(args.called)
    menu = hotline.menu
    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise IVRError(f"--at {args.at!r} is not an ISO-8601 time") from None
        if at.tzinfo is None:   # a local time is the hotline's
            from zoneinfo import ZoneInfo
            at = at.replace(tzinfo=ZoneInfo(menu.timezone))
    lang = args.lang or menu.default_language
    if lang not in menu.languages:
        raise IVRError(f"--lang {lang!r} is not one of hotline {hotline.name}'s languages {list(menu.languages)}")
    info = CallInfo(unique_id="simulated", caller_id=args.caller_id)
    channel = FakeChannel(info, args.digits, args.queue_status)
    record = CallRecord(unique_id="simulated", caller_id=args.caller_id, called=args.called, hotline=hotline.name,
                        client=hotline.client, recording_policy=str(hotline.recording))
    ctx = CallContext(language=lang, caller_id=args.caller_id, at=at, timezone=menu.timezone,
                      recording=hotline.recording)
    emit = lambda line: print(json.dumps(line, ensure_ascii=False), flush=True)  # noqa: E731
    from ..data.lookup import DataSource
    from ..store.db import open_engine
    data = DataSource(open_engine(loaded.settings.database_url), read_only=True)
    driver = SessionDriver(menu, channel, ctx, record, loaded.prompts, loaded.settings.recordings.directory,
                           observer=emit, data=data)
    if args.called:   # which hotline the number reached, before its entry node
        emit({"node": menu.entry, "action": "set", "hotline": hotline.name, "client": hotline.client,
              "recording": str(hotline.recording)})
    asyncio.run(driver.run())
    return 0


def cmd_graph(args) -> int:
    from ..cli_support import load
    from .graph import render
    loaded = load(args)
    render(loaded.hotlines.get(args.hotline).menu if args.hotline else loaded.menu, args.output)
    print(f"wrote {args.output}")
    return 0
