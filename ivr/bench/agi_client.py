"""The synthetic Asterisk side: many FastAGI calls over loopback.

Each session connects, sends the agi_* header block Asterisk sends, then
answers every command line the way Asterisk does; after HANGUP it answers
`200 result=1`, sends the `HANGUP` notice and waits for the server to close.
It is a bare asyncio.Protocol on uvloop so that the client costs far less
CPU per command than either server.

Round trip = from writing a reply (or the headers, for the first command)
to reading the next command line: server turnaround plus loopback.

`client_process(conn)` runs in its own process and takes jobs over a pipe:
("load", port, concurrency, sessions, repeat, expected) -> results dict
("hold", port, k) -> sends ("held", n) once k sessions sit waiting on their
    first reply, then waits for "release", closes them, sends results dict
("quit",)
"""

from __future__ import annotations

import asyncio
import collections
import time

from . import raise_nofile, summarize

SESSION_TIMEOUT = 30.0
HOLD_CONNECT_CONCURRENCY = 200

HEADERS = """\
agi_network: yes
agi_network_script: ivr
agi_request: agi://127.0.0.1:{port}/ivr
agi_channel: PJSIP/alice-{n:08x}
agi_language: en
agi_type: PJSIP
agi_uniqueid: 1700000000.{n}
agi_version: 20.5.0
agi_callerid: 5551234
agi_calleridname: Alice
agi_callingpres: 0
agi_callingani2: 0
agi_callington: 0
agi_callingtns: 0
agi_dnid: 1000
agi_rdnis: unknown
agi_context: ivr
agi_extension: 1000
agi_priority: 2
agi_enhanced: 0.0
agi_accountcode: 
agi_threadid: 139872145069824
agi_arg_1: {repeat}

"""


def reply_for(line: bytes) -> bytes:
    """Asterisk's answer to one command line."""
    if line.startswith(b"GET VARIABLE"):
        return b"200 result=1 (en)\n"
    if line.startswith(b"STREAM FILE"):
        return b"200 result=49 endpos=1234\n"
    if line.startswith(b"HANGUP"):
        return b"200 result=1\nHANGUP\n"
    return b"200 result=0\n"


class Totals:
    """What one job measured, over all its sessions."""

    def __init__(self) -> None:
        self.ok = 0
        self.commands = 0
        self.errors: collections.Counter[str] = collections.Counter()
        self.rtt: list[float] = []  # s, reply written -> next command read
        self.first: list[float] = []  # s, headers written -> first command read
        self.duration: list[float] = []  # s, connect -> server closed

    def result(self, wall: float, cpu: float) -> dict:
        return {
            "ok": self.ok,
            "failed": sum(self.errors.values()),
            "errors": dict(self.errors.most_common(5)),
            "commands": self.commands,
            "wall_s": round(wall, 4),
            "sessions_per_s": round(self.ok / wall, 1) if wall > 0 else 0.0,
            "client_cpu_s": round(cpu, 4),
            "rtt_us": summarize(self.rtt, 1e6),
            "first_cmd_us": summarize(self.first, 1e6),
            "session_ms": summarize(self.duration, 1e3),
        }


class Session(asyncio.Protocol):
    """One call as Asterisk sees it."""

    def __init__(self, headers: bytes, totals: Totals, hold: bool = False):
        self.headers, self.totals, self.hold = headers, totals, hold
        self.buf = bytearray()
        self.commands = 0
        self.hung_up = False  # we answered HANGUP and sent the notice
        self.timed_out = False
        self.transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.done: asyncio.Future = loop.create_future()  # -> exception or None
        self.held: asyncio.Future = loop.create_future()
        self.t_write = 0.0

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.headers)
        self.t_write = time.perf_counter()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self.buf += data
        while (nl := self.buf.find(b"\n")) >= 0:
            line = bytes(self.buf[:nl])
            del self.buf[: nl + 1]
            self._command(line, now)

    def _command(self, line: bytes, now: float) -> None:
        if self.hung_up:
            return  # a command after HANGUP: ignored, as the channel is gone
        (self.totals.rtt if self.commands else self.totals.first).append(now - self.t_write)
        self.commands += 1
        self.totals.commands += 1
        if self.hold:
            if not self.held.done():
                self.held.set_result(None)
            return  # never answer: the server sits waiting on its first reply
        reply = reply_for(line)
        self.hung_up = line.startswith(b"HANGUP")
        self.transport.write(reply)
        self.t_write = time.perf_counter()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(exc)
        if not self.held.done():
            self.held.set_result(None)

    def abort(self) -> None:
        self.timed_out = True
        if self.transport is not None:
            self.transport.abort()


async def _connect(port: int, n: int, totals: Totals, hold: bool, repeat: int = 1) -> Session | None:
    loop = asyncio.get_running_loop()
    headers = HEADERS.format(port=port, n=n, repeat=repeat).encode()
    try:
        _, proto = await loop.create_connection(lambda: Session(headers, totals, hold), "127.0.0.1", port)
    except OSError as exc:
        totals.errors[f"connect: {type(exc).__name__}"] += 1
        return None
    return proto


def _verdict(proto: Session, totals: Totals, expected: int | None) -> bool:
    """Count the session as ok or as one failure; True if ok."""
    exc = proto.done.result()
    if proto.timed_out:
        totals.errors[f"timeout after {proto.commands} commands"] += 1
    elif not proto.hung_up:
        why = type(exc).__name__ if exc else "server closed"
        totals.errors[f"{why} after {proto.commands} commands"] += 1
    elif expected is not None and proto.commands != expected:
        totals.errors[f"{proto.commands} commands instead of {expected}"] += 1
    else:
        # A reset after our HANGUP still ends the call as Asterisk would.
        totals.ok += 1
        return True
    return False


_issued = 0


async def load(port: int, concurrency: int, sessions: int, repeat: int = 1, expected: int | None = None) -> dict:
    """Run `sessions` calls, `concurrency` at a time; return what was measured.

    `repeat` goes to the server as agi_arg_1 (how long its script is);
    `expected` is how many commands a complete session should bring.
    """
    global _issued
    loop = asyncio.get_running_loop()
    totals = Totals()
    # Unique ids never repeat across loads, as Asterisk's don't: the IVR path logs every call by its id.
    numbers = iter(range(_issued, _issued + sessions))
    _issued += sessions

    async def worker() -> None:
        for n in numbers:
            t0 = time.perf_counter()
            proto = await _connect(port, n, totals, hold=False, repeat=repeat)
            if proto is None:
                continue
            timer = loop.call_later(SESSION_TIMEOUT, proto.abort)
            await proto.done
            timer.cancel()
            if _verdict(proto, totals, expected):
                totals.duration.append(time.perf_counter() - t0)

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return totals.result(time.perf_counter() - t0, time.process_time() - cpu0)


async def hold(conn, port: int, k: int) -> dict:
    """Open k calls that stop after the first command; release them on "release"."""
    loop = asyncio.get_running_loop()
    totals = Totals()
    gate = asyncio.Semaphore(HOLD_CONNECT_CONCURRENCY)

    async def open_one(n: int) -> Session | None:
        async with gate:
            proto = await _connect(port, n, totals, hold=True)
            if proto is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(proto.held), SESSION_TIMEOUT)
                except asyncio.TimeoutError:
                    pass
            return proto

    cpu0, t0 = time.process_time(), time.perf_counter()
    protos = [p for p in await asyncio.gather(*(open_one(n) for n in range(k))) if p is not None]
    held = {p for p in protos if p.commands >= 1 and not p.done.done()}
    conn.send(("held", len(held)))
    await loop.run_in_executor(None, conn.recv)  # "release"
    for p in protos:
        if p.transport is not None:
            p.transport.close()
    if protos:
        await asyncio.wait([p.done for p in protos], timeout=SESSION_TIMEOUT)
    totals.ok = len(held)
    for p in protos:
        if p not in held:
            totals.errors[f"not held ({p.commands} commands)"] += 1
    return totals.result(time.perf_counter() - t0, time.process_time() - cpu0)


def client_process(conn) -> None:
    """Process entry: run jobs from the orchestrator until ("quit",)."""
    import uvloop

    raise_nofile()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        while True:
            job = conn.recv()
            if job[0] == "load":
                conn.send(runner.run(load(*job[1:])))
            elif job[0] == "hold":
                conn.send(runner.run(hold(conn, *job[1:])))
            else:
                return
