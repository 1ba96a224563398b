"""The wallboard's server side in-process: /live for ops and admins, server-sent events
within a second of a state change, agent actions admin-only, CSRF-checked, audited,
sent to AMI as QueuePause/QueueAdd/QueueRemove; /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time

import httpx
import pytest
import uvicorn

from web_support import csrf_of, free_port

PASSWORD = {"ann": "ann-secret-1", "otto": "otto-secret-1"}
AGENT = "Local/agent1@ivr-agents/n"


class FakeAMI:
    def __init__(self):
        self.sent: list[dict] = []

    async def action(self, action, timeout=10, as_list=False):
        self.sent.append(dict(action))
        if action.get("Action") == "QueueRemove" and action["Interface"] == AGENT:
            from ivr.errors import AMIError
            raise AMIError("AMI QueueRemove failed: Member not dynamic")
        return {"Response": "Success", "Message": "done"}


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    from ivr.config import load_settings
    from ivr.web.app import create_app
    from ivr.web.users import add_user

    tmp = tmp_path_factory.mktemp("live")
    config = tmp / "config.yaml"
    config.write_text(f"state_dir: {tmp / 'var'}\nami: {{secret_file: {tmp / 'no-secret'}}}\n"
                      "hours: {office: {timezone: Europe/Warsaw, weekly: {mon-fri: '08:00-20:00'}}}\n"
                      "live: {longest_wait_red_s: 45}\n")
    app = create_app(load_settings(config))
    for name, role in (("ann", "admin"), ("otto", "ops")):
        add_user(app.state.console.engine, name, role, PASSWORD[name])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    feed = app.state.live
    fake = FakeAMI()
    yield app, f"http://127.0.0.1:{port}", loop, feed, fake
    server.should_exit = True
    thread.join(10)


def login(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False)
    form = client.get("/login")
    done = client.post("/login", data={"username": user, "password": PASSWORD[user], "csrf": csrf_of(form.text),
                                       "next": "/live"})
    assert done.status_code == 303, done.text
    return client


def on_loop(loop, fn):
    async def run():
        return fn()
    return asyncio.run_coroutine_threadsafe(run(), loop).result(5)


def test_without_ami_the_board_says_why(board):
    app, url, loop, feed, fake = board
    with contextlib.closing(login(url, "otto")) as c:
        page = c.get("/live")
        assert page.status_code == 200 and 'id="tiles"' in page.text
        state = c.get("/live/state").json()
        assert state["stale"] and "AMI" in state["note"]
        assert '"wait_red": 45' in page.text


def test_login_is_needed(board):
    app, url, loop, feed, fake = board
    assert httpx.get(f"{url}/live/events").status_code == 401
    assert httpx.get(f"{url}/live").status_code == 303


def test_events_follow_the_state_within_a_second(board):
    app, url, loop, feed, fake = board
    with contextlib.closing(login(url, "otto")) as c:
        with c.stream("GET", "/live/events", timeout=10) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            lines = r.iter_lines()

            def next_state():
                for line in lines:
                    if line.startswith("data: "):
                        return json.loads(line[6:]), time.perf_counter()
            first, _ = next_state()
            t0 = time.perf_counter()
            on_loop(loop, lambda: (feed.state.rebuild([
                {"Event": "QueueMember", "Queue": "support", "Interface": AGENT, "MemberName": "Agent One",
                 "Status": "2", "InCall": "1", "Paused": "0"},
                {"Event": "QueueEntry", "Queue": "support", "Position": "1", "Uniqueid": "c2", "Wait": "3"}],
                time.time()), feed._notify()))
            snap, t1 = next_state()
            assert not snap["stale"] and snap["queues"][0]["waiting"] == 1
            assert t1 - t0 < 1.0, f"the event took {t1 - t0:.3f} s"
            t0 = time.perf_counter()
            on_loop(loop, lambda: feed.on_event(None, {"Event": "QueueCallerJoin", "Queue": "support",
                                                       "Uniqueid": "c3", "Position": "2"}))
            snap, t1 = next_state()
            assert snap["queues"][0]["waiting"] == 2 and t1 - t0 < 1.0
            print(f"AMI event to SSE data: {1000 * (t1 - t0):.1f} ms")


def test_ops_cannot_pause(board):
    app, url, loop, feed, fake = board
    feed.client, feed.connected = fake, True
    with contextlib.closing(login(url, "otto")) as c:
        token = csrf_of(c.get("/recordings").text)
        r = c.post("/live/agent", data={"csrf": token, "action": "pause", "queue": "support", "interface": AGENT})
        assert r.status_code == 403
    assert not fake.sent


def test_admin_actions_go_to_ami_and_are_audited(board):
    from ivr.recordings.store import audit_log
    app, url, loop, feed, fake = board
    feed.client, feed.connected = fake, True
    fake.sent.clear()
    with contextlib.closing(login(url, "ann")) as c:
        token = csrf_of(c.get("/recordings").text)
        assert c.post("/live/agent", data={"csrf": "wrong", "action": "pause", "queue": "support",
                                           "interface": AGENT}).status_code == 403
        assert c.post("/live/agent", data={"csrf": token, "action": "pause", "queue": "support",
                                           "interface": "PJSIP/x\r\nAction: Originate"}).status_code == 400
        ok = c.post("/live/agent", data={"csrf": token, "action": "pause", "queue": "support", "interface": AGENT,
                                         "reason": "lunch"}, headers={"Accept": "application/json"})
        assert ok.status_code == 200 and ok.json()["ok"]
        assert c.post("/live/agent", data={"csrf": token, "action": "unpause", "queue": "support",
                                           "interface": AGENT}).status_code == 303
        assert c.post("/live/agent", data={"csrf": token, "action": "login", "queue": "support",
                                           "interface": "PJSIP/bob", "name": "Bob"}).status_code == 303
        refused = c.post("/live/agent", data={"csrf": token, "action": "logout", "queue": "support",
                                              "interface": AGENT}, headers={"Accept": "application/json"})
        assert refused.status_code == 502 and "not dynamic" in refused.json()["message"]
    assert fake.sent == [
        {"Action": "QueuePause", "Queue": "support", "Interface": AGENT, "Paused": "true", "Reason": "lunch"},
        {"Action": "QueuePause", "Queue": "support", "Interface": AGENT, "Paused": "false"},
        {"Action": "QueueAdd", "Queue": "support", "Interface": "PJSIP/bob", "Paused": "false", "MemberName": "Bob"},
        {"Action": "QueueRemove", "Queue": "support", "Interface": AGENT}]
    rows = [(a.actor, a.action, a.unique_id, a.detail) for a in audit_log(app.state.console.engine)
            if a.action.startswith("agent-")][::-1]
    assert [r[:3] for r in rows] == [("ann", "agent-pause", AGENT), ("ann", "agent-unpause", AGENT),
                                     ("ann", "agent-login", "PJSIP/bob"), ("ann", "agent-logout", AGENT)]
    assert "reason=lunch" in rows[0][3] and "result=ok" in rows[0][3] and "result=failed" in rows[3][3]


def test_metrics(board):
    app, url, loop, feed, fake = board
    r = httpx.get(f"{url}/metrics")
    assert r.status_code == 200 and "ivr_queue_callers_waiting" in r.text and "ivr_ami_connected" in r.text
