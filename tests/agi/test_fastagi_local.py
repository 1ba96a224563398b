"""FastAGIServer against a scripted fake Asterisk over loopback (no Asterisk needed)."""

import asyncio

import pytest

from ivr.agi.fastagi import FastAGIServer
from ivr.errors import ChannelHungUp, UsageError

HEADERS = (b"agi_network: yes\nagi_network_script: ivr\nagi_request: agi://127.0.0.1/ivr\n"
           b"agi_channel: PJSIP/a-1\nagi_uniqueid: 1.1\nagi_callerid: 555\n\n")


LOOP = {"factory": None}


@pytest.fixture(autouse=True, params=["asyncio", "uvloop"])
def loop_kind(request):
    """Every test on both loops: `ivr serve` runs on uvloop."""
    if request.param == "uvloop":
        import uvloop   # a dependency of the package: never skipped
        LOOP["factory"] = uvloop.new_event_loop
    else:
        LOOP["factory"] = None
    yield request.param
    LOOP["factory"] = None


def run(coro):
    with asyncio.Runner(loop_factory=LOOP["factory"]) as runner:
        return runner.run(asyncio.wait_for(coro, 20))


class Fake:
    """One connection playing Asterisk: read a command line, send a canned reply."""

    def __init__(self, port):
        self.port = port
        self.seen = []

    async def __aenter__(self):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc):
        self.w.close()

    async def command(self) -> bytes:
        line = await self.r.readline()
        self.seen.append(line)
        return line

    def send(self, data: bytes):
        self.w.write(data)


async def serve(handler, **kw):
    results = {}

    async def wrapped(channel):
        try:
            results["value"] = await handler(channel)
        except BaseException as exc:
            results["error"] = exc
            raise

    server = FastAGIServer(wrapped, port=0, **kw)
    await server.start()
    return server, results


def test_commands_replies_and_hangup_line():
    async def handler(ch):
        await ch.answer()
        lang = await ch.get_variable("LANGUAGE")
        digit = await ch.play(["welcome"])
        await ch.hangup()
        return lang, digit, ch.info.unique_id

    async def main():
        server, results = await serve(handler)
        async with Fake(server.port) as f:
            f.send(HEADERS)
            assert await f.command() == b"ANSWER\n"
            f.send(b"200 result=0\n")
            assert await f.command() == b'GET VARIABLE "LANGUAGE"\n'
            f.send(b"200 result=1 (en)\n")
            assert (await f.command()).startswith(b'STREAM FILE "welcome"')
            f.send(b"200 result=49 endpos=1234\r\n")
            assert await f.command() == b"HANGUP\n"
            f.send(b"200 result=1\nHANGUP\n")
            assert await f.r.read() == b""  # the server closes the socket
        assert await server.drain(5) == 0
        return results

    assert run(main()) == {"value": ("en", "1", "1.1")}


def test_usage_reply_trying_and_split_writes():
    async def handler(ch):
        with pytest.raises(UsageError, match="Usage: STREAM FILE"):
            await ch.command("STREAM FILE")
        reply = await ch.command("GOSUB", "sub", "s", "1")
        return reply.result, reply.extras

    async def main():
        server, results = await serve(handler)
        async with Fake(server.port) as f:
            f.send(HEADERS[:10])
            await asyncio.sleep(0.05)
            f.send(HEADERS[10:])
            await f.command()
            for chunk in (b"520-Invalid command syntax.  Proper usage follows:\n Usage: STREAM ",
                          b"FILE <filename>\n520 End of proper usage.\n"):
                f.send(chunk)
                await asyncio.sleep(0.02)
            await f.command()
            f.send(b"100 result=0 Trying...\n")
            await asyncio.sleep(0.02)
            f.send(b"200 result=0 Gosub com")
            await asyncio.sleep(0.02)
            f.send(b"plete x=1\n")
            assert await f.r.read() == b""
        await server.drain(5)
        return results

    assert run(main()) == {"value": ("0", {"x": "1"})}


def test_hangup_line_while_idle_is_seen_with_the_next_command():
    async def handler(ch):
        await ch.answer()
        await asyncio.sleep(0.1)  # the caller hangs up meanwhile
        value = await ch.get_variable("X")  # still answered, as before
        with pytest.raises(ChannelHungUp):
            await ch.answer()
        return value

    async def main():
        server, results = await serve(handler)
        async with Fake(server.port) as f:
            f.send(HEADERS)
            await f.command()
            f.send(b"200 result=0\nHANGUP\n")
            await f.command()
            f.send(b"200 result=1 (x)\n")
            assert await f.r.read() == b""
        await server.drain(5)
        return results

    assert run(main()) == {"value": "x"}


def test_eof_while_awaiting_reply_is_hangup():
    async def handler(ch):
        await ch.answer()

    async def main():
        server, results = await serve(handler)
        async with Fake(server.port) as f:
            f.send(HEADERS)
            await f.command()
            f.send(b"200 res")
            await asyncio.sleep(0.02)
            f.w.close()
        for _ in range(100):
            if "error" in results:
                break
            await asyncio.sleep(0.01)
        await server.drain(5)
        return results

    assert isinstance(run(main())["error"], ChannelHungUp)


@pytest.mark.parametrize("payload, pause", [(b"", 0), (b"agi_network: yes\n", 0), (b"agi_x: " + b"x" * 5000, 0),
                                            (b"agi_network: yes\n", 1)])
def test_bad_headers_are_dropped_and_never_reach_the_handler(payload, pause):
    called = []

    async def handler(ch):
        called.append(ch)

    async def main():
        server, _ = await serve(handler, header_timeout=0.3, max_header_bytes=1024)
        async with Fake(server.port) as f:
            f.send(payload)
            if pause:
                assert await f.r.read() == b""  # the header timeout closes it
            else:
                f.w.write_eof() if payload else f.w.close()
                await asyncio.sleep(0.1)
        for _ in range(100):
            if server.rejected:
                break
            await asyncio.sleep(0.01)
        left = await server.drain(5)
        return server.rejected, left

    assert run(main()) == (1, 0)
    assert called == []


def test_drain_waits_for_the_call_in_progress():
    async def handler(ch):
        await ch.answer()
        await ch.answer()

    async def main():
        server, results = await serve(handler)
        async with Fake(server.port) as f:
            f.send(HEADERS)
            await f.command()
            drain = asyncio.create_task(server.drain(5))
            await asyncio.sleep(0.05)
            assert not drain.done()
            f.send(b"200 result=0\n")
            await f.command()
            f.send(b"200 result=0\n")
            assert await f.r.read() == b""
            assert await drain == 0
        return results

    assert run(main()) == {"value": None}


@pytest.mark.parametrize("allow, admitted", [((), True), (("127.0.0.1",), True), (("127.0.0.0/8",), True),
                                             (("10.0.0.0/8", "::1"), False)])
def test_allowlist_of_asterisk_addresses(allow, admitted):
    async def handler(ch):
        await ch.answer()
        return "served"

    async def main():
        server, results = await serve(handler, allow=allow)
        async with Fake(server.port) as f:
            f.send(HEADERS)
            if admitted:
                assert await f.command() == b"ANSWER\n"
                f.send(b"200 result=0\n")
            assert await f.r.read() == b""     # closed: after the call, or at once
        await server.drain(5)
        return results, server.rejected

    results, rejected = run(main())
    assert (results, rejected) == (({"value": "served"}, 0) if admitted else ({}, 1))
