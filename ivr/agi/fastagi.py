"""A thin asyncio FastAGI server around the sans-IO AGIConnection.

Unlike panoramisk's Application it gives up on a peer whose headers do not
end in time or grow past a limit, closes cleanly on EOF, and closes the
socket when the call hangs up (Asterisk waits on it with no timeout).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from typing import Awaitable, Callable, Sequence

from ..errors import ChannelHungUp, HeaderTimeout, IncompleteHeaders, ProtocolError
from ..live import metrics
from .admission import admit
from .channel import AGIChannel, call_info, check_reply
from .connection import CLOSED, AGIConnection
from .events import NEED_DATA, Reply, Request

log = logging.getLogger("ivr.fastagi")

# Past this many unread bytes while no command waits (Asterisk sends nothing
# unasked but a HANGUP line), stop reading until the next command.
IDLE_BUFFER_LIMIT = 65536

Handler = Callable[["FastAGIChannel"], Awaitable[None]]


class Throttled:
    """A warning logged at most once per `interval` seconds, with how many were held back:
    a flood of bad connections must not flood the log (nor the disk under it)."""

    def __init__(self, logger: logging.Logger, interval: float = 1.0):
        self.logger, self.interval = logger, interval
        self.count = 0        # every event, for the status and metrics
        self._held = 0
        self._last = -interval

    def __call__(self, message: str, *args) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self._last < self.interval:
            self._held += 1
            return
        if self._held:
            message += f" (and {self._held} more in the last {now - self._last:.0f} s)"
        self._held, self._last = 0, now
        self.logger.warning(message, *args)


class _AGIProtocol(asyncio.Protocol):
    """One FastAGI socket: feeds the sans-IO AGIConnection as bytes arrive.

    A command in flight is a Future (`waiter`) that data_received resolves
    with the reply, or fails with the protocol error or ChannelHungUp; no
    StreamReader, no read task per command. While no command waits, bytes
    are only buffered (parsed with the next command, as a blocking reader
    would), and reading pauses if they pile up.
    """

    def __init__(self, server: "FastAGIServer"):
        self.server = server
        self.conn = AGIConnection(server.max_header_bytes)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future | None = None
        self.verb = ""  # the command the waiter is for, for error messages
        self.paused = False
        self.closed: asyncio.Future | None = None
        self.headers: asyncio.Future | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        if not self.server.admits(transport.get_extra_info("peername")):
            transport.abort()   # before a byte is read: an unknown host gets no session at all
            return
        self.loop = loop = asyncio.get_running_loop()
        self.closed = loop.create_future()
        self.headers = self.waiter = loop.create_future()  # resolved with the Request
        self.verb = ""
        self.server._open(self, loop)

    def data_received(self, data: bytes) -> None:
        self.conn.receive_data(data)
        waiter = self.waiter
        if waiter is None:
            if self.conn.buffered > IDLE_BUFFER_LIMIT and not self.paused:
                self.paused = True
                self.transport.pause_reading()
            return
        try:
            event = self.pump()
        except Exception as exc:  # a ProtocolError or ChannelHungUp for the waiter
            self.waiter = None
            if not waiter.done():
                waiter.set_exception(exc)
            return
        if event is not None:
            self.waiter = None
            if not waiter.done():
                waiter.set_result(event)

    def eof_received(self) -> bool:
        self.data_received(b"")
        return False  # close the transport

    def connection_lost(self, exc) -> None:
        if self.closed is None:   # refused in connection_made
            return
        if not self.conn.at_eof:
            self.data_received(b"")
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():  # EOF while idle did not resolve it
            waiter.set_exception(ChannelHungUp("Asterisk closed the AGI connection", self.verb))
        if not self.closed.done():
            self.closed.set_result(None)

    def pump(self) -> Reply | Request | None:
        """Parse what is buffered: the reply (or the headers), or None for more data."""
        conn = self.conn
        while True:
            event = conn.next_event()
            cls = event.__class__
            if cls is Reply or cls is Request:
                return event
            if event is NEED_DATA:
                return None
            if event is CLOSED:
                raise ChannelHungUp("Asterisk closed the AGI connection", self.verb)
            # HangupNotice, Trying: the reply to this command still follows

    def expect(self, verb: str) -> asyncio.Future:
        """A future for the reply to the command just written."""
        self.verb = verb
        waiter = self.waiter = self.loop.create_future()
        if self.paused:
            self.paused = False
            self.transport.resume_reading()
        return waiter


class FastAGIChannel(AGIChannel):
    """The channel interface over one FastAGI TCP connection."""

    _input_at = 0.0   # when the last reply ending a caller's input came (metrics: digit to next prompt)

    def __init__(self, conn: AGIConnection, protocol: _AGIProtocol):
        assert conn.request is not None
        self.request: Request = conn.request
        self.info = call_info(conn.request)
        self._conn, self._proto = conn, protocol
        self._write = protocol.transport.write

    def _hangup_seen(self) -> bool:
        return self._conn.hung_up

    async def command(self, verb: str, *args: object) -> Reply:
        # AGIChannel.command with _command inlined: the per-command path.
        conn = self._conn
        if conn.hung_up or self._gone:
            # After HANGUP every command would answer 511; don't bother Asterisk.
            raise ChannelHungUp("the caller hung up", verb)
        # Metrics: a histogram observe per command, and one per prompt that follows an input.
        t0 = time.perf_counter()
        if self._input_at:
            if metrics.is_prompt(verb, args):
                metrics.DIGIT_TO_PROMPT.observe(t0 - self._input_at)
                self._input_at = 0.0
            elif verb == "EXEC":   # the call went elsewhere (Queue, Dial ...): no prompt follows this input
                self._input_at = 0.0
        self._write(conn.send(verb, *args))
        proto = self._proto
        try:
            if conn.buffered or conn.at_eof:  # bytes that came while idle: a HANGUP line, EOF
                proto.verb = verb
                reply = proto.pump()
                if reply is None:
                    reply = await proto.expect(verb)
            else:
                reply = await proto.expect(verb)
            t1 = time.perf_counter()
            metrics.agi_command_child(verb, args).observe(t1 - t0)
            if reply.code == 200:
                if metrics.ended_input(verb, args, reply.result_int):
                    self._input_at = t1
                return reply
            return check_reply(verb, reply)
        except ChannelHungUp:
            self._gone = True   # a 511 or the connection closed: every later command too
            raise

    async def _command(self, verb: str, *args: object) -> Reply:
        conn = self._conn
        if conn.hung_up:
            raise ChannelHungUp("the caller hung up", verb)
        self._write(conn.send(verb, *args))
        proto = self._proto
        proto.verb = verb
        reply = proto.pump() if (conn.buffered or conn.at_eof) else None
        return reply if reply is not None else await proto.expect(verb)


class FastAGIServer:
    """Accept FastAGI connections and run `handler(channel)` for each."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 4573,
                 header_timeout: float = 5.0, max_header_bytes: int = 64 * 1024,
                 allow: Sequence[str] = (), token: str = ""):
        self.handler, self.host, self.port = handler, host, port
        self.token = token   # the shared secret a session must carry as agi_arg_1 ("": none asked)
        self.header_timeout, self.max_header_bytes = header_timeout, max_header_bytes
        # Asterisk hosts that may connect (addresses or networks); empty: anyone who reaches the port.
        self.allow = tuple(ipaddress.ip_network(a, strict=False) for a in allow)
        self.sessions: set[asyncio.Task] = set()
        self._refused = Throttled(log)
        self._server: asyncio.base_events.Server | None = None

    @property
    def rejected(self) -> int:
        """Connections refused or dropped: not on the allowlist, bad or no headers, refused sessions."""
        return self._refused.count

    def admits(self, peer) -> bool:
        """Whether a connection from `peer` (host, port, ...) may talk AGI to us."""
        if not self.allow:
            return True
        try:
            address = ipaddress.ip_address(peer[0])
        except (TypeError, ValueError, IndexError):
            address = None
        if address is not None and any(address in net for net in self.allow):
            return True
        self._refused("refused an AGI connection from %s: not in controller.allow", peer[0] if peer else "?")
        return False

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: _AGIProtocol(self), self.host, self.port,
                                                reuse_address=True, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    def _open(self, proto: _AGIProtocol, loop: asyncio.AbstractEventLoop) -> None:
        task = loop.create_task(self._session(proto))
        self.sessions.add(task)

    async def _session(self, proto: _AGIProtocol) -> None:
        task = asyncio.current_task()
        transport = proto.transport
        try:
            conn = await self._read_headers(proto)
            admit(conn.request, self.token, _peer(transport))   # before anything is written
            channel = FastAGIChannel(conn, proto)
            await self.handler(channel)
        except IncompleteHeaders as exc:
            # A port probe or health check connects and closes without a byte.
            if exc.received:
                self._refused("dropping AGI connection: %s", exc)
            else:   # counted, not logged: health checks do this every few seconds
                self._refused.count += 1
                log.debug("dropping AGI connection: %s", exc)
        except ProtocolError as exc:
            self._refused("dropping AGI connection: %s", exc)
        except ChannelHungUp:
            pass
        except Exception:  # one bad call must never take the server down
            log.exception("AGI session failed")
        finally:
            transport.close()
            try:
                await proto.closed
            finally:
                # Only now: drain() must not call a session over while its socket is open.
                self.sessions.discard(task)

    async def _read_headers(self, proto: _AGIProtocol) -> AGIConnection:
        """The connection once its headers are in; a ProtocolError if they never are."""
        loop = asyncio.get_running_loop()
        waiter = proto.headers  # created with the connection: resolved by now if the headers came
        assert waiter is not None
        timer = loop.call_later(self.header_timeout, self._header_timeout, proto, waiter)
        try:
            await waiter
        except ChannelHungUp:
            # EOF inside the headers ends in IncompleteHeaders from the reader; this
            # is the transport going away with nothing said.
            raise IncompleteHeaders("connection closed before the AGI headers", 0) from None
        finally:
            timer.cancel()
        return proto.conn

    def _header_timeout(self, proto: _AGIProtocol, waiter: asyncio.Future) -> None:
        if not waiter.done():
            if proto.waiter is waiter:
                proto.waiter = None
            waiter.set_exception(HeaderTimeout(f"AGI headers did not end within {self.header_timeout:g} s"))

    async def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def drain(self, timeout: float | None = None) -> int:
        """Stop accepting, wait for calls in progress; return how many were left."""
        await self.stop_accepting()
        pending = set(self.sessions)
        if pending:
            _, still = await asyncio.wait(pending, timeout=timeout)
            for task in still:
                task.cancel()
            return len(still)
        return 0


def _peer(transport) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if peer else "?"
