"""A thin asyncio FastAGI server around the sans-IO AGIConnection.

Unlike panoramisk's Application it gives up on a peer whose headers do not
end in time or grow past a limit, closes cleanly on EOF, and closes the
socket when the call hangs up (Asterisk waits on it with no timeout).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from ..errors import ChannelHungUp, HeaderTimeout, IncompleteHeaders, ProtocolError
from .channel import AGIChannel, call_info
from .connection import CLOSED, AGIConnection
from .events import NEED_DATA, HangupNotice, Reply, Request, Trying

log = logging.getLogger("ivr.fastagi")

READ_SIZE = 65536

Handler = Callable[["FastAGIChannel"], Awaitable[None]]


class FastAGIChannel(AGIChannel):
    """The channel interface over one FastAGI TCP connection."""

    def __init__(self, conn: AGIConnection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        assert conn.request is not None
        self.request: Request = conn.request
        self.info = call_info(conn.request)
        self._conn, self._reader, self._writer = conn, reader, writer

    @property
    def hung_up(self) -> bool:
        return self._conn.hung_up

    async def _command(self, verb: str, *args: object) -> Reply:
        if self._conn.hung_up:
            # After HANGUP every command would answer 511; don't bother Asterisk.
            raise ChannelHungUp("the caller hung up", verb)
        self._writer.write(self._conn.send(verb, *args))
        while True:
            event = self._conn.next_event()
            if event is NEED_DATA:
                try:
                    data = await self._reader.read(READ_SIZE)
                except ConnectionError:
                    data = b""
                self._conn.receive_data(data)
                continue
            if event is CLOSED:
                raise ChannelHungUp("Asterisk closed the AGI connection", verb)
            if isinstance(event, (HangupNotice, Trying)):
                continue  # the reply to this command still follows
            return event


class FastAGIServer:
    """Accept FastAGI connections and run `handler(channel)` for each."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 4573,
                 header_timeout: float = 5.0, max_header_bytes: int = 64 * 1024):
        self.handler, self.host, self.port = handler, host, port
        self.header_timeout, self.max_header_bytes = header_timeout, max_header_bytes
        self.sessions: set[asyncio.Task] = set()
        self.rejected = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port,
                                                  reuse_address=True, backlog=1024, limit=READ_SIZE)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.sessions.add(task)
        try:
            conn = await self._read_headers(reader)
            if conn is None:
                return
            channel = FastAGIChannel(conn, reader, writer)
            await self.handler(channel)
        except IncompleteHeaders as exc:
            # A port probe or health check connects and closes without a byte.
            self.rejected += 1
            (log.warning if exc.received else log.debug)("dropping AGI connection: %s", exc)
        except ProtocolError as exc:
            self.rejected += 1
            log.warning("dropping AGI connection: %s", exc)
        except ChannelHungUp:
            pass
        except Exception:  # one bad call must never take the server down
            log.exception("AGI session failed")
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass
            finally:
                # Only now: drain() must not call a session over while its socket is open.
                self.sessions.discard(task)

    async def _read_headers(self, reader: asyncio.StreamReader) -> AGIConnection | None:
        conn = AGIConnection(self.max_header_bytes)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.header_timeout
        while True:
            event = conn.next_event()
            if event is not NEED_DATA:
                return conn
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise HeaderTimeout(f"AGI headers did not end within {self.header_timeout:g} s")
            try:
                data = await asyncio.wait_for(reader.read(READ_SIZE), remaining)
            except asyncio.TimeoutError:
                raise HeaderTimeout(f"AGI headers did not end within {self.header_timeout:g} s") from None
            except ConnectionError:
                data = b""
            conn.receive_data(data)

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
