"""The two FastAGI servers under test; `serve()` runs one in its own process.

Both handlers run the same script() per call and put the same bytes on the
wire: ours through ivr.agi.fastagi.FastAGIServer, the baseline as a bare
panoramisk fast_agi.Application route. The orchestrator talks to the server
process over a multiprocessing pipe: "stats" answers with CPU time, RSS,
session counts and the event-loop lag seen since the last "stats"; "stop"
ends the process.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import resource
import time
from pathlib import Path

from . import raise_nofile, summarize

BODY: tuple[tuple[object, ...], ...] = (
    ("GET VARIABLE", "LANGUAGE"),
    ("STREAM FILE", "welcome", "0123456789*#"),
    ("WAIT FOR DIGIT", 1000),
    ("SET VARIABLE", "IVR_RESULT", "done"),
)


@functools.lru_cache(maxsize=None)
def script(repeat: int = 1) -> tuple[tuple[object, ...], ...]:
    """ANSWER, BODY `repeat` times, HANGUP: 6 commands for repeat=1.

    The client asks for `repeat` in agi_arg_1 (as a dialplan's AGI(agi://...,N)
    would), so one server process serves both short and long sessions.
    """
    return (("ANSWER",),) + BODY * repeat + (("HANGUP",),)


def _wire_line(verb: str, *args: object) -> str:
    # What ivr.agi.connection.encode_command writes, minus the newline: each
    # argument in double quotes. The baseline sends these strings as they are.
    return " ".join([verb] + [f'"{a}"' for a in args])


@functools.lru_cache(maxsize=None)
def lines(repeat: int = 1) -> tuple[str, ...]:
    return tuple(_wire_line(*cmd) for cmd in script(repeat))


LINES = lines(1)

LAG_INTERVAL = 0.010


class Stats:
    """Counters kept inside the server process."""

    def __init__(self) -> None:
        self.started = self.done = self.aborted = 0
        self.lag: list[float] = []
        self.open_sessions = lambda: self.started - self.done - self.aborted  # replaced for ours

    def start_lag_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        # time.monotonic, not loop.time(): uvloop's clock is cached per loop
        # iteration in milliseconds and would hide the lateness.
        def tick(due: float) -> None:
            now = time.monotonic()
            self.lag.append(now - due)
            loop.call_later(LAG_INTERVAL, tick, now + LAG_INTERVAL)

        loop.call_later(LAG_INTERVAL, tick, time.monotonic() + LAG_INTERVAL)

    def snapshot(self) -> dict:
        lag, self.lag = self.lag, []
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "cpu_s": time.process_time(),
            "user_s": ru.ru_utime,
            "sys_s": ru.ru_stime,
            "minor_faults": ru.ru_minflt,
            "gc_collections": [g["collections"] for g in gc.get_stats()],
            "rss_kib": _rss_kib(),
            "started": self.started,
            "done": self.done,
            "aborted": self.aborted,
            "open": self.open_sessions(),
            "lag_ms": summarize(lag, 1e3),
        }


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") // 1024


stats = Stats()


async def ours_handler(channel) -> None:
    """Our side: FastAGIChannel.command for each step of the script."""
    stats.started += 1
    try:
        for cmd in script(int(channel.request.get("agi_arg_1", "1"))):
            await channel.command(*cmd)
    except BaseException:
        stats.aborted += 1
        raise
    stats.done += 1


async def panoramisk_handler(request) -> None:
    """The baseline: a bare panoramisk route sending the same lines."""
    stats.started += 1
    try:
        for line in lines(int(request.headers.get("agi_arg_1", "1"))):
            await request.send_command(line)
    except BaseException:
        stats.aborted += 1
        raise
    stats.done += 1


class FloorProtocol(asyncio.Protocol):
    """The floor: no parsing, no task, no future; the next line per reply line.

    What a Python server on this loop cannot get under: the loop's own work
    and the syscalls. Not an AGI server (it trusts every byte it gets).
    """

    def connection_made(self, transport) -> None:
        self.transport, self.buf, self.lines = transport, b"", None
        stats.started += 1

    def data_received(self, data: bytes) -> None:
        if self.lines is None:
            self.buf += data
            end = self.buf.find(b"\n\n")
            if end < 0:
                return
            repeat = int(self.buf[:end].rpartition(b"agi_arg_1: ")[2].split(b"\n", 1)[0] or 1)
            self.lines = iter([(line + "\n").encode() for line in lines(repeat)])
            self.transport.write(next(self.lines))
            return
        if data.endswith(b"HANGUP\n"):
            stats.done += 1
            self.transport.close()
            return
        if data.endswith(b"\n"):
            line = next(self.lines, None)
            if line is not None:
                self.transport.write(line)


# The whole IVR path on the same 6 commands as script(1): IVR_CALLED, ANSWER,
# the main menu's prompt (the client presses 1 during it), the info prompt,
# IVR_OUTCOME and HANGUP, with the interpreter, the session driver and the
# call log (SQLite, its writer thread) doing their work in between.
IVR_MENU = """\
state_dir: {state}
prompts_dir: {state}/prompts
menu:
  entry: main
  languages: [en]
  nodes:
    main: {{type: menu, prompt: [welcome], options: {{"1": info}}, on_failure: bye}}
    info: {{type: play, prompt: [info], next: bye}}
    bye: {{type: hangup}}
"""


def _ivr_path():
    """run_call, exactly as `ivr serve` runs it, on a throwaway config and database."""
    import tempfile

    from ivr.controller import load, run_call
    from ivr.store.calllog import CallLogWriter
    from ivr.store.db import open_engine

    state = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    (state / "config.yaml").write_text(IVR_MENU.format(state=state))
    loaded = load(state / "config.yaml")
    writer = CallLogWriter(open_engine(loaded.settings.database_url))

    async def handler(channel) -> None:
        stats.started += 1
        record = await run_call(loaded, channel, writer)
        if record.error:
            stats.aborted += 1
        else:
            stats.done += 1
    return handler, writer


async def _start(kind: str):
    """Start one server on an ephemeral loopback port; return (port, stop coroutine fn)."""
    if kind == "ours":
        from ivr.agi.fastagi import FastAGIServer

        server = FastAGIServer(ours_handler, host="127.0.0.1", port=0)
        await server.start()
        stats.open_sessions = lambda: len(server.sessions)
        return server.port, lambda: server.drain(5)
    if kind == "ivr":
        from ivr.agi.fastagi import FastAGIServer

        handler, writer = _ivr_path()
        server = FastAGIServer(handler, host="127.0.0.1", port=0)
        await server.start()
        stats.open_sessions = lambda: len(server.sessions)

        async def stop() -> None:
            await server.drain(5)
            writer.close()
        return server.port, stop
    if kind == "panoramisk":
        from panoramisk.fast_agi import Application

        app = Application()
        # add_route wraps with asyncio.coroutine, gone in 3.11: fill the table directly.
        app._route["ivr"] = panoramisk_handler
        # The same listen backlog as FastAGIServer, so c=1000 compares the
        # handlers and not the accept queue (start_server defaults to 100).
        server = await asyncio.start_server(app.handler, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        return port, stop
    if kind == "floor":
        server = await asyncio.get_running_loop().create_server(FloorProtocol, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        return port, stop
    raise ValueError(f"unknown server kind {kind!r}")


async def _main(kind: str, ctrl) -> None:
    loop = asyncio.get_running_loop()
    port, stop = await _start(kind)
    stats.start_lag_timer(loop)
    stopped = loop.create_future()

    def on_ctrl() -> None:
        try:
            msg = ctrl.recv()
        except (EOFError, OSError):
            msg = "stop"  # the orchestrator is gone
        if msg == "stats":
            ctrl.send(stats.snapshot())
        elif msg == "stop" and not stopped.done():
            stopped.set_result(None)

    loop.add_reader(ctrl.fileno(), on_ctrl)
    ctrl.send({"port": port, "pid": os.getpid(), "loop": type(loop).__module__})
    await stopped
    loop.remove_reader(ctrl.fileno())
    await stop()
    # Let connections still closing finish: asyncio.Runner would cancel them,
    # and on 3.11 a cancelled start_server task logs a traceback per socket.
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        await asyncio.wait(others, timeout=5)


def serve(kind: str, loop_name: str, ctrl) -> None:
    """Process entry: run server `kind` ("ours"/"panoramisk") on `loop_name` ("asyncio"/"uvloop")."""
    raise_nofile()
    # panoramisk logs a traceback per session the client drops; keep stderr readable.
    logging.getLogger("panoramisk").setLevel(logging.CRITICAL)
    logging.getLogger("ivr").setLevel(logging.ERROR)
    if loop_name == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    elif loop_name == "asyncio":
        factory = asyncio.new_event_loop
    else:
        raise ValueError(f"unknown loop {loop_name!r}")
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_main(kind, ctrl))
