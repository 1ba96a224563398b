"""Metrics after scripted calls through run_call equal the call log's counts; the AGI
histograms; serve's /metrics and /health endpoint (200 serving, 503 not)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from types import SimpleNamespace

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ivr.channel.fake import FakeChannel
from ivr.channel.interface import CallInfo, QueueResult
from ivr.controller import run_call
from ivr.errors import ChannelHungUp
from ivr.live import metrics
from ivr.live.health import health
from ivr.live.metrics import MetricsServer
from ivr.menu.loading import load_config
from ivr.store.calllog import CallLogWriter
from ivr.store.calls import list_calls
from ivr.store.db import open_engine

MENU = """
menu:
  entry: main
  languages: [en]
  nodes:
    main: {type: menu, prompt: [main-menu], options: {"1": info, "0": operator, "9": bye}, on_failure: bye}
    info: {type: play, prompt: [info], next: main}
    operator: {type: queue, queue: support}
    bye: {type: hangup}
"""


def scrape() -> dict[tuple, float]:
    body, _ = metrics.exposition()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(body.decode()) for s in fam.samples}


def calls_by(samples: dict, hotline: str) -> Counter:
    return Counter({dict(labels)["outcome"]: int(v) for (name, labels), v in samples.items()
                    if name == "ivr_calls_total" and dict(labels).get("hotline") == hotline})


class HangsUpInQueue(FakeChannel):
    async def queue(self, name: str, options: str = "", timeout: int = 0) -> QueueResult:
        self.hung_up = True
        raise ChannelHungUp("the call ended in the queue")


def test_calls_by_outcome_equal_the_call_log(tmp_path):
    name = f"metrics-{id(tmp_path) % 1000000}"   # a hotline of this test alone: counters are per process
    number = "0800777111"
    config = tmp_path / "config.yaml"
    config.write_text(MENU + f'hotlines:\n  {name}: {{numbers: ["{number}"], client: acme}}\n')
    loaded = load_config(config, require_prompts=False)
    engine = open_engine(f"sqlite:///{tmp_path / 'ivr.db'}")
    writer = CallLogWriter(engine)
    script = [("9", FakeChannel, ""), ("9", FakeChannel, ""), ("1 hangup", FakeChannel, ""),
              ("0", FakeChannel, "TIMEOUT"), ("0", HangsUpInQueue, ""), ("1 9", FakeChannel, "")]

    async def calls():
        for i, (digits, cls, status) in enumerate(script):
            channel = cls(CallInfo(unique_id=f"m{i}", caller_id="48600100200", called=number), digits, status)
            await run_call(loaded, channel, writer)
    asyncio.run(calls())
    writer.flush()
    logged = Counter(c.outcome for c in list_calls(engine, 100))
    assert calls_by(scrape(), name) == logged == Counter({"hangup": 3, "caller-hangup": 1, "queue:support": 2})
    assert not any(v for (metric, labels), v in scrape().items()
                   if metric == "ivr_calls_in_progress" and dict(labels).get("hotline") == name)
    writer.close()


def test_in_progress_while_a_call_runs():
    record = SimpleNamespace(hotline="in-progress-test", outcome="hangup")
    metrics.call_started(record)
    assert scrape()[("ivr_calls_in_progress", (("hotline", "in-progress-test"),))] == 1
    metrics.call_ended(record)
    assert ("ivr_calls_in_progress", (("hotline", "in-progress-test"),)) not in scrape()


def test_digit_to_next_prompt_and_round_trip_rules():
    assert metrics.ended_input("STREAM FILE", ("menu", "0123"), ord("1"))
    assert not metrics.ended_input("STREAM FILE", ("menu", "0123"), 0)
    assert metrics.ended_input("EXEC", ("Read", "x"), 0)
    assert metrics.is_prompt("EXEC", ("Read", "x")) and metrics.is_prompt("STREAM FILE", ("a", ""))
    assert not metrics.is_prompt("GET VARIABLE", ("READSTATUS",)) and not metrics.is_prompt("EXEC", ("Queue", ""))


def test_spool_depth_and_write_latency_are_scraped():
    class Writer:
        depth = 7

        def write(self, items):
            pass
    w = Writer()
    metrics.watch_writers({"test_writer": w})
    try:
        w.write([1])
        s = scrape()
        assert s[("ivr_spool_depth", (("writer", "test_writer"),))] == 7
        assert s[("ivr_db_write_seconds_count", (("writer", "test_writer"),))] == 1
    finally:
        metrics.unwatch(w)


def fake_controller(tmp_path, serving=True, db_ok=True, spool_ok=True, ami=True, second_ami=None):
    spool = tmp_path / "spool"
    if spool_ok:
        spool.mkdir(exist_ok=True)
    url = f"sqlite:///{tmp_path / 'ivr.db'}" if db_ok else f"sqlite:///{tmp_path / 'no/such/dir/ivr.db'}"
    from sqlalchemy import create_engine   # a bare engine: open_engine would make the directory
    consumers = [SimpleNamespace(name="a", asterisk="127.0.0.1:5038", live=SimpleNamespace(connected=ami))]
    if second_ami is not None:
        consumers.append(SimpleNamespace(name="b", asterisk="127.0.0.1:5039",
                                         live=SimpleNamespace(connected=second_ami)))
    return SimpleNamespace(server=SimpleNamespace(_server=object() if serving else None, sessions=set()),
                           engine=create_engine(url), spool_dir=spool, queues=consumers[0], consumers=consumers,
                           current=SimpleNamespace(menu=SimpleNamespace(version="abc123")), spool_depth=0,
                           owner="test:1")


@pytest.mark.parametrize("kw, code, status", [
    ({}, 200, "ok"),
    ({"ami": False}, 200, "degraded"),
    ({"db_ok": False}, 200, "degraded"),                  # the spool takes the records
    ({"db_ok": False, "spool_ok": False}, 503, "unavailable"),
    ({"serving": False}, 503, "unavailable"),             # draining, or not listening yet
    ({"second_ami": True}, 200, "ok"),                    # two Asterisks, both linked
    ({"second_ami": False}, 200, "degraded"),             # one of two Asterisks unreachable
])
def test_health(tmp_path, kw, code, status):
    got, doc = asyncio.run(health(fake_controller(tmp_path, **kw)))
    assert (got, doc["status"], doc["config_version"]) == (code, status, "abc123")
    if "second_ami" in kw:   # which Asterisk is unreachable, by name
        assert doc["asterisks"] == {"a": True, "b": kw["second_ami"]}


def test_serve_endpoint_over_http(tmp_path):
    ctl = fake_controller(tmp_path)

    async def main():
        server = MetricsServer("127.0.0.1", 0, lambda: health(ctl))
        await server.start()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
                h = await client.get("/health")
                m = await client.get("/metrics")
                nf = await client.get("/nope")
                ctl.server._server = None
                down = await client.get("/health")
        finally:
            await server.stop()
        return h, m, nf, down
    h, m, nf, down = asyncio.run(main())
    assert h.status_code == 200 and h.json()["database"] is True
    assert m.status_code == 200 and "ivr_agi_command_seconds" in m.text and m.headers["content-type"].startswith("text/plain")
    assert nf.status_code == 404
    assert down.status_code == 503 and json.loads(down.text)["serving"] is False
