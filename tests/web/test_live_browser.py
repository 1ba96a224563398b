"""The wallboard in headless Chromium against the sandbox Asterisk, with real calls
and a Local-channel agent: 3 callers wait while the agent talks, then 2 once the
agent answers the next; pausing the agent from the page shows "paused" within 1 s,
and Asterisk's `queue show` agrees."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
import uuid

import pytest

from support import E2E_CONFIG, IVR, ROOT, ivr_cli, wait_port
from web_support import free_port
from test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.asterisk

PASSWORD = "ann-secret-1"
QUEUE = "support"
AGENT = "Local/agent1@ivr-agents/n"
FIRST_TALK_S = 14


class AMILoop:
    """An AMI client on a loop of its own thread, for the test's own calls."""

    def __init__(self, settings):
        from ivr.ami.client import AMIClient
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = self.call(self._make(AMIClient, settings))

    async def _make(self, cls, settings):
        client = cls(settings)
        await client.connect()
        return client

    def call(self, coro, timeout: float = 15):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def caller(self, talk_s: int) -> str:
        uid = f"livetest-{uuid.uuid4().hex[:12]}"
        self.call(self.client.action({
            "Action": "Originate", "Channel": "Local/s@ivr-test-caller", "Application": "Queue", "Data": QUEUE,
            "Async": "true", "Timeout": "10000", "ChannelId": uid, "CallerID": f'"{uid[-4:]}" <48600{uid[-6:]}>',
            "Variable": ["IVR_TEST_HOLD=90", "IVR_TEST_DELAY=0", f"__AGENT_TALK_SECONDS={talk_s}",
                         "__AGENT_RING_SECONDS=0.2"]}))
        return uid

    def close(self):
        self.client.close()
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def wallboard(sandbox, tmp_path):
    from ivr.config import load_settings
    config = tmp_path / "config.yaml"
    config.write_text(f"state_dir: {tmp_path / 'var'}\n"
                      f"ami: {{secret_file: {ROOT / 'var/sandbox/ami-secret'}}}\n"
                      f"queues: {{queues_conf: {ROOT / 'asterisk-conf/queues.conf'}}}\n"
                      "live: {longest_wait_amber_s: 5, longest_wait_red_s: 10}\n")
    done = ivr_cli("web", "user", "add", "ann", "--role", "admin", config=config, env={"IVR_WEB_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    port = free_port()
    log = open(tmp_path / "web.log", "ab")
    proc = subprocess.Popen([*IVR, "--config", str(config), "web", "--port", str(port)], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, env={k: v for k, v in os.environ.items()
                                                           if k not in ("IVR_WEB_SECRET", "IVR_DATABASE_URL")})
    ami = AMILoop(load_settings(E2E_CONFIG).ami)
    sandbox.rx(f"queue unpause member {AGENT} queue {QUEUE}")
    try:
        wait_port(port, proc=proc)
        yield f"http://127.0.0.1:{port}", ami
    finally:
        sandbox.rx(f"queue unpause member {AGENT} queue {QUEUE}")
        sandbox.rx("channel request hangup all")
        ami.close()
        proc.terminate()
        proc.wait(15)


def test_wallboard_with_real_calls(sandbox, wallboard):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make test does)")
    from playwright.sync_api import sync_playwright
    url, ami = wallboard
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.set_default_timeout(20_000)
        page.goto(f"{url}/live")
        page.fill("input[name=username]", "ann")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login")
        page.wait_for_url(f"{url}/live")
        tile = page.locator(f"section[data-queue='{QUEUE}']")
        agent_state = tile.locator(f"tr[data-interface='{AGENT}'] .state")
        agent_state.wait_for()
        page.wait_for_function("() => !document.getElementById('root').classList.contains('stale')")

        ami.caller(FIRST_TALK_S)           # the agent answers this one and talks
        page.wait_for_function(f"() => document.querySelector(\"section[data-queue='{QUEUE}'] tr[data-interface='{AGENT}'] .state\").textContent.startsWith('in-call')")
        for _ in range(3):
            ami.caller(60)
        page.wait_for_function(f"() => document.querySelector(\"section[data-queue='{QUEUE}'] .waiting\").textContent === '3'")
        first = tile.locator(".longest").inner_text()
        time.sleep(2.2)
        later = tile.locator(".longest").inner_text()
        def secs(t):
            m, s = t.split(":")
            return int(m) * 60 + int(s)
        assert secs(later) > secs(first), (first, later)   # growing (the board redraws each second)
        assert "0:00" != later

        # The agent hangs up the first call and answers the next caller: 2 left waiting.
        page.wait_for_function(f"() => document.querySelector(\"section[data-queue='{QUEUE}'] .waiting\").textContent === '2'",
                               timeout=(FIRST_TALK_S + 15) * 1000)
        page.wait_for_function(f"() => document.querySelector(\"section[data-queue='{QUEUE}'] tr[data-interface='{AGENT}'] .state\").textContent.startsWith('in-call')")

        # Pause from the page, with a reason.
        row = tile.locator(f"tr[data-interface='{AGENT}']")
        row.locator("input[name=reason]").fill("coaching")
        t0 = time.perf_counter()
        row.locator("button.do-pause").click()
        page.wait_for_function(f"() => document.querySelector(\"section[data-queue='{QUEUE}'] tr[data-interface='{AGENT}'] .state\").textContent.startsWith('paused')",
                               timeout=1000)
        took = time.perf_counter() - t0
        print(f"click Pause -> 'paused' on the page: {1000 * took:.0f} ms")
        assert "coaching" in agent_state.inner_text()
        shown = sandbox.rx(f"queue show {QUEUE}").stdout
        line = next(l for l in shown.splitlines() if "agent1@ivr-agents" in l)
        assert "paused" in line.lower() and "coaching" in line, line
        browser.close()
