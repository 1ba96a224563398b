"""Run one check over each channel implementation, from one scenario.

A scenario is data: the caller's script (the fake channel's `--digits`
language), and for Asterisk where it puts its hangup notice, whether it has a
usage text, what QUEUESTATUS a queue ends with. `run_on(kind, scenario, check)`
builds the channel and awaits `check(channel)`; for the AGI channels it
returns the ScriptedAsterisk, whose log tells what went over the wire.

- fastagi: FastAGIServer on loopback, the scripted Asterisk an asyncio peer.
- classic: ClassicAGIChannel on a pair of pipes (its stdin and stdout), the
  scripted Asterisk in a thread on the other ends.
- fake: FakeChannel with the caller's script.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from dataclasses import dataclass
from typing import Awaitable, Callable

from scripted_asterisk import CLOSE, NOTICE_AFTER, SIGHUP, ScriptedAsterisk

from ivr.agi.classic import ClassicAGIChannel
from ivr.agi.fastagi import FastAGIServer
from ivr.channel.fake import FakeChannel
from ivr.channel.interface import CallInfo

KINDS = ("fastagi", "classic", "fake")
WIRE_KINDS = ("fastagi", "classic")

Check = Callable[[object], Awaitable[object]]


@dataclass(frozen=True)
class Scenario:
    script: str = ""                 # the caller: presses, `-`, `hangup`
    notice: str = NOTICE_AFTER       # how Asterisk tells the AGI of a hangup
    usage_available: bool = True     # multi-line 520 (True) or the one-line form
    queue_status: str = "TIMEOUT"
    close_on: str = ""               # Asterisk closes the connection at this command

    def asterisk(self) -> ScriptedAsterisk:
        return ScriptedAsterisk(self.script, self.notice, self.usage_available, self.queue_status,
                                close_on=self.close_on)


def run_on(kind: str, scenario: Scenario, check: Check) -> ScriptedAsterisk | None:
    if kind == "fake":
        channel = FakeChannel(CallInfo(unique_id="1700000000.1", caller_id="48600100200"),
                              scenario.script, scenario.queue_status)
        asyncio.run(asyncio.wait_for(check(channel), 10))
        return None
    asterisk = scenario.asterisk()
    if kind == "fastagi":
        asyncio.run(asyncio.wait_for(_fastagi(asterisk, check), 10))
    elif kind == "classic":
        _classic(asterisk, check)
    else:
        raise ValueError(kind)
    return asterisk


async def _fastagi(asterisk: ScriptedAsterisk, check: Check) -> None:
    outcome: dict[str, BaseException] = {}

    async def handler(channel):
        try:
            await check(channel)
        except BaseException as exc:
            outcome["error"] = exc
            raise
        outcome["done"] = None

    server = FastAGIServer(handler, port=0)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(asterisk.headers())
    closed = False
    while not closed and (line := await reader.readline()):
        for item in asterisk.handle(line):
            assert item is not SIGHUP, "FastAGI gets no signal: use a HANGUP-line notice"
            if item is CLOSE:
                writer.write_eof()
                closed = True
                break
            writer.write(item)
    if closed:
        await reader.read()   # until the server closes its side
    writer.close()
    assert await server.drain(5) == 0
    if "error" in outcome:
        raise outcome["error"]
    assert "done" in outcome, "the handler never ran"


def _classic(asterisk: ScriptedAsterisk, check: Check) -> None:
    to_agi_r, to_agi_w = os.pipe()
    from_agi_r, from_agi_w = os.pipe()
    main = threading.main_thread().ident
    failed: list[BaseException] = []

    def play_asterisk():
        try:
            os.write(to_agi_w, asterisk.headers())
            buf = b""
            while True:
                chunk = os.read(from_agi_r, 4096)
                if not chunk:
                    return   # the AGI process closed its stdout: it is done
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    for item in asterisk.handle(line + b"\n"):
                        if item is CLOSE:
                            os.close(to_agi_w)
                            while os.read(from_agi_r, 4096):   # whatever else the AGI writes
                                pass
                            return
                        if item is SIGHUP:
                            signal.pthread_kill(main, signal.SIGHUP)   # what run_agi's kill(pid) does
                        else:
                            os.write(to_agi_w, item)
        except BaseException as exc:  # reported by the test, not lost in the thread
            failed.append(exc)
        finally:
            try:
                os.close(to_agi_w)
            except OSError:
                pass   # closed on purpose (CLOSE)

    previous = signal.getsignal(signal.SIGHUP)   # pyst2 installs its own handler
    thread = threading.Thread(target=play_asterisk, daemon=True)
    thread.start()
    stdin, stdout = os.fdopen(to_agi_r, "rb", buffering=0), os.fdopen(from_agi_w, "wb", buffering=0)
    try:
        channel = ClassicAGIChannel(stdin=stdin, stdout=stdout)
        asyncio.run(asyncio.wait_for(check(channel), 10))
    finally:
        stdout.close()
        thread.join(10)
        stdin.close()
        os.close(from_agi_r)
        signal.signal(signal.SIGHUP, previous)
    assert not thread.is_alive(), "the scripted Asterisk never saw the AGI close"
    if failed:
        raise failed[0]
