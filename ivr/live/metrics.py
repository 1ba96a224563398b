"""Prometheus metrics of `ivr serve` and `ivr web` (prometheus-client), and serve's
small HTTP endpoint for them and for `/health`.

One registry per process (`REGISTRY`). Counters and histograms are updated
where things happen, each at one place: the AGI command round trip and the
digit-to-next-prompt time in FastAGIChannel.command, calls by outcome at the
end of run_call, recordings stored or failed where the controller stores them,
database write latency around each writer's batch write. Everything that is a
state (calls in progress, the queues now, AMI connected, spool depth, refused
connections) is read at scrape time from the objects that hold it
(`watch_*`), so nothing has to be kept in step.

    ivr_calls_in_progress{hotline}                   gauge
    ivr_calls_total{hotline,outcome}                 counter   (outcome: queue:NAME, hangup, error, ...)
    ivr_agi_command_seconds{command}                 histogram (sent -> reply, STREAM FILE includes playback)
    ivr_digit_to_prompt_seconds                      histogram (reply ending a caller's input -> next prompt sent)
    ivr_queue_callers_waiting{queue}                 gauge
    ivr_queue_longest_wait_seconds{queue}            gauge
    ivr_queue_agents{queue,state}                    gauge     (available, ringing, in-call, paused, wrap-up, unavailable)
    ivr_queue_today_calls{queue,outcome}             gauge     (offered, answered, abandoned, timeout; the office's day)
    ivr_queue_today_service_level_ratio{queue}       gauge
    ivr_queue_today_asa_seconds{queue}               gauge
    ivr_live_stale                                   gauge     (1: the queue figures are old, AMI is down)
    ivr_ami_connected / ivr_ami_reconnects_total     gauge / counter
    ivr_spool_depth{writer}                          gauge     (records waiting for the database)
    ivr_db_write_seconds{writer}                     histogram (one batch written)
    ivr_agi_refused_connections_total                counter
    ivr_recordings_total{result}                     counter   (stored, failed)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .state import AGENT_STATES

log = logging.getLogger("ivr.metrics")

REGISTRY = CollectorRegistry(auto_describe=False)

CALLS = Counter("ivr_calls", "Calls ended, by hotline and outcome",
                ["hotline", "outcome"], registry=REGISTRY)
AGI_COMMAND = Histogram("ivr_agi_command_seconds", "AGI command round trip (sent to reply)", ["command"],
                        buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300),
                        registry=REGISTRY)
DIGIT_TO_PROMPT = Histogram("ivr_digit_to_prompt_seconds",
                            "From the reply that ends a caller's input to the next prompt command sent",
                            buckets=(.001, .0025, .005, .01, .025, .05, .075, .1, .25, .5, 1, 2.5),
                            registry=REGISTRY)
DB_WRITE = Histogram("ivr_db_write_seconds", "One batch written to the database, by writer", ["writer"],
                     buckets=(.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10), registry=REGISTRY)
RECORDINGS = Counter("ivr_recordings", "Consented recordings stored, or failed to store", ["result"],
                     registry=REGISTRY)
for _result in ("stored", "failed"):
    RECORDINGS.labels(_result)

# The command label: the verb, and the application for EXEC (a handful of each).
_command_children: dict[str, object] = {}
PROMPT_VERBS = frozenset({"STREAM FILE", "GET DATA", "SAY NUMBER", "SAY DIGITS", "SAY ALPHA", "CONTROL STREAM FILE"})
PROMPT_APPS = frozenset({"Read", "Playback", "Background"})
INPUT_VERBS = frozenset({"STREAM FILE", "WAIT FOR DIGIT", "GET DATA", "SAY NUMBER", "SAY DIGITS", "SAY ALPHA"})


def agi_command_child(verb: str, args: tuple):
    key = f"EXEC {args[0]}" if verb == "EXEC" and args else verb
    child = _command_children.get(key)
    if child is None:
        child = _command_children[key] = AGI_COMMAND.labels(key)
    return child


def is_prompt(verb: str, args: tuple) -> bool:
    return verb in PROMPT_VERBS or (verb == "EXEC" and bool(args) and str(args[0]) in PROMPT_APPS)


def ended_input(verb: str, args: tuple, result: int) -> bool:
    """Whether this reply ends a caller's input: a digit pressed in a prompt or wait, or a Read done."""
    if verb == "EXEC":
        return bool(args) and str(args[0]) == "Read"
    return verb in INPUT_VERBS and result > 0


# --- calls ----------------------------------------------------------------------------------------

_in_progress: dict[int, str] = {}   # id(record) -> hotline


def _hotline(record) -> str:
    """The hotline the call reached (run_call routes before the call starts)."""
    return record.hotline or "unknown"


def call_started(record) -> None:
    _in_progress[id(record)] = _hotline(record)


def call_ended(record) -> None:
    """At the end of run_call: the call is no longer in progress, and counted by its outcome."""
    hotline = _in_progress.pop(id(record), None) or _hotline(record)
    CALLS.labels(hotline, record.outcome or "unknown").inc()


def recording(stored: bool) -> None:
    RECORDINGS.labels("stored" if stored else "failed").inc()


def time_writes(name: str, writer) -> None:
    """Observe each batch `writer.write` takes (ivr/store/writer.py stays as it is: the instance's
    write is wrapped). Only successful writes are timed: a failed one spools."""
    write = writer.write
    child = DB_WRITE.labels(name)

    def timed(items):
        t0 = time.perf_counter()
        write(items)
        child.observe(time.perf_counter() - t0)
    writer.write = timed


# --- states read at scrape time -------------------------------------------------------------------

class _Sources:
    def __init__(self):
        self.live: list = []          # LiveFeed
        self.writers: dict[str, object] = {}
        self.servers: list = []       # FastAGIServer


SOURCES = _Sources()


def watch_live(feed) -> None:
    if feed not in SOURCES.live:
        SOURCES.live.append(feed)


def watch_writers(writers: dict[str, object]) -> None:
    SOURCES.writers.update(writers)
    for name, writer in writers.items():
        time_writes(name, writer)


def watch_server(server) -> None:
    SOURCES.servers.append(server)


def unwatch(*objects) -> None:
    SOURCES.live = [f for f in SOURCES.live if f not in objects]
    SOURCES.servers = [s for s in SOURCES.servers if s not in objects]
    SOURCES.writers = {k: w for k, w in SOURCES.writers.items() if w not in objects}


class _StateCollector:
    def collect(self):
        progress = GaugeMetricFamily("ivr_calls_in_progress", "Calls in progress, by hotline",
                                     labels=["hotline"])
        counts: dict[str, int] = {}
        for hotline in list(_in_progress.values()):
            counts[hotline] = counts.get(hotline, 0) + 1
        for hotline, n in sorted(counts.items()):
            progress.add_metric([hotline], n)
        yield progress
        if SOURCES.servers:
            refused = CounterMetricFamily("ivr_agi_refused_connections", "AGI connections refused or dropped")
            refused.add_metric([], sum(s.rejected for s in SOURCES.servers))
            yield refused
        if SOURCES.writers:
            spool = GaugeMetricFamily("ivr_spool_depth", "Records waiting for the database (spooled)",
                                      labels=["writer"])
            for name, writer in SOURCES.writers.items():
                spool.add_metric([name], writer.depth)
            yield spool
        if SOURCES.live:
            yield from _live_metrics(SOURCES.live)


def _live_metrics(feeds):
    connected = GaugeMetricFamily("ivr_ami_connected", "1 while the AMI link is logged in")
    reconnects = CounterMetricFamily("ivr_ami_reconnects", "AMI logins after the first")
    stale = GaugeMetricFamily("ivr_live_stale", "1 while the live queue state is old (AMI down, not yet rebuilt)")
    waiting = GaugeMetricFamily("ivr_queue_callers_waiting", "Callers waiting in the queue now", labels=["queue"])
    longest = GaugeMetricFamily("ivr_queue_longest_wait_seconds", "The longest wait now", labels=["queue"])
    agents = GaugeMetricFamily("ivr_queue_agents", "Queue members by state", labels=["queue", "state"])
    today = GaugeMetricFamily("ivr_queue_today_calls", "Today's calls (the office's day) by outcome",
                              labels=["queue", "outcome"])
    sl = GaugeMetricFamily("ivr_queue_today_service_level_ratio", "Today's answered within T s / offered",
                           labels=["queue"])
    asa = GaugeMetricFamily("ivr_queue_today_asa_seconds", "Today's mean wait of the answered", labels=["queue"])
    feed = feeds[0]   # one link per process
    connected.add_metric([], 1 if feed.connected else 0)
    reconnects.add_metric([], feed.reconnects)
    snap = feed.snapshot()
    stale.add_metric([], 1 if snap.stale else 0)
    for q in snap.queues:
        waiting.add_metric([q.name], q.waiting)
        longest.add_metric([q.name], q.longest_wait_s)
        for state in AGENT_STATES:
            agents.add_metric([q.name, state], q.count(state))
        d = q.today
        for outcome, n in (("offered", d.offered), ("answered", d.answered), ("abandoned", d.abandoned),
                           ("timeout", d.timed_out)):
            today.add_metric([q.name, outcome], n)
        if d.service_level is not None:
            sl.add_metric([q.name], d.service_level)
        if d.asa_s is not None:
            asa.add_metric([q.name], d.asa_s)
    yield from (connected, reconnects, stale, waiting, longest, agents, today, sl, asa)


REGISTRY.register(_StateCollector())


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# --- serve's endpoint -----------------------------------------------------------------------------

class MetricsServer:
    """GET /metrics and GET /health on their own port (127.0.0.1 by default) for `ivr serve`:
    a few lines of HTTP/1.0 on asyncio, no framework in the controller's process."""

    MAX_REQUEST = 8192

    def __init__(self, host: str, port: int, health: Callable[[], "asyncio.Future | tuple[int, dict]"]):
        self.host, self.port, self.health = host, port, health
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if method not in ("GET", "HEAD"):
                status, body, ctype = 405, b"method not allowed\n", "text/plain"
            elif path == "/metrics":
                body, ctype = await asyncio.to_thread(exposition)
                status = 200
            elif path == "/health":
                status, doc = await self.health()
                body, ctype = (json.dumps(doc) + "\n").encode(), "application/json"
            else:
                status, body, ctype = 404, b"not found: /metrics or /health\n", "text/plain"
            reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}[status]
            writer.write(f"HTTP/1.0 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                         f"Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode())
            if method != "HEAD":
                writer.write(body)
            await writer.drain()
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                UnicodeDecodeError):
            pass
        except Exception:   # a scrape must never hurt the controller
            log.exception("metrics request failed")
        finally:
            writer.close()
