"""`ivr serve` and `ivr agi`: the controller answering calls, over FastAGI or classic AGI."""

from __future__ import annotations

import logging

log = logging.getLogger("ivr.serve")


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
    from ..deploy import notify
    # Under systemd (Type=notify, ivr/deploy/systemd/): WATCHDOG=1 while starting, then from
    # the event loop; READY=1 once the FastAGI port listens; STOPPING=1 when SIGTERM drains.
    with notify.StartupPings() as startup:
        controller = Controller(load(args))
        try:
            import uvloop
            uvloop.install()
        except ImportError:
            pass
        asyncio.run(_serve(controller, startup))
    return 0


async def _serve(controller, startup) -> None:
    import asyncio

    from ..deploy import notify
    startup.stop()   # the loop pings from here on: a loop that stops turning gets us restarted
    server = controller.server
    draining = False

    def status() -> str:
        calls = f"{len(server.sessions)} call(s) {'left to drain' if draining else 'in progress'}"
        return f"FastAGI on {server.host}:{server.port}: {calls}, spool {controller.spool_depth} record(s)"

    def ready() -> None:
        notify.ready(status())

    drain = server.drain
    dialer = start_dialer(controller)

    async def notifying_drain(timeout=None):
        # Controller.run calls drain right after SIGTERM/SIGINT: tell systemd we are stopping.
        # The callback dialer places no more calls; the attempts under way end with the calls.
        nonlocal draining
        draining = True
        notify.stopping(status())
        dialer.stop()
        left, attempts = await asyncio.gather(drain(timeout), dialer.drain(timeout or 60))
        if attempts:
            log.warning("%d callback attempt(s) still under way at shutdown: closed at the next start", attempts)
        return left

    server.drain = notifying_drain
    watchdog = asyncio.create_task(notify.watchdog(status))
    dialing = asyncio.create_task(dialer.run(), name="callback-dialer")
    try:
        await controller.run(ready=ready)
    finally:
        watchdog.cancel()
        dialing.cancel()


def start_dialer(controller):
    """The callback dialer of this controller (ivr/queues/dialer.py) on its AMI link and live
    queue state; it dials only the queues config.yaml lists under `queues: callbacks:`."""
    from ..queues.dialer import CallbackDialer
    consumer = controller.queues
    return CallbackDialer(controller.engine, consumer.client, consumer.live, lambda: controller.current,
                          controller.owner)


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
