"""`ivr serve` and `ivr agi`: the controller answering calls, over FastAGI or classic AGI."""

from __future__ import annotations


def add_serve_parser(subparsers) -> None:
    s = subparsers.add_parser("serve", help="FastAGI server + call logging; SIGTERM drains calls")
    s.set_defaults(func=cmd_serve)


def add_agi_parser(subparsers) -> None:
    s = subparsers.add_parser("agi", help="serve one call over classic AGI (stdin/stdout), as AGI(ivr-agi.sh) runs it")
    s.set_defaults(func=cmd_agi)


def cmd_serve(args) -> int:
    import asyncio
    import faulthandler

    # A fatal signal (SIGBUS from SQLite's mapped -shm file made unreadable, SIGSEGV) kills
    # the process before any handler of ours runs: say so, with the stack, in the log.
    faulthandler.enable()
    from ..cli_support import load
    from ..controller import Controller
    controller = Controller(load(args))
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(controller.run())
    return 0


def cmd_agi(args) -> int:
    import asyncio

    from ..agi.classic import ClassicAGIChannel
    from ..cli_support import load
    from ..controller import run_call
    from ..data.lookup import DataSource
    from ..store.calllog import CallLogWriter
    from ..store.db import open_engine
    loaded = load(args)
    engine = open_engine(loaded.settings.database_url)
    writer = CallLogWriter(engine)
    try:
        asyncio.run(run_call(loaded, ClassicAGIChannel(), writer, DataSource(engine)))
    finally:
        writer.close()
    return 0
