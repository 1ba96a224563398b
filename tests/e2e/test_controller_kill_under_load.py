"""Two controllers and one Asterisk, one controller SIGKILLed under 50 calls (issue 16).

50 callers are in the menu at once, placed from this process over AMI: 20 with the pool
A&B (A answers them), 30 with B&A (B answers them). Halfway through their calls A is
killed. What a user checks afterwards:

- every caller either finished in the menu (the IVR said goodbye and hung up) or, if A
  had the call, reached the fallback queue (the dialplan's IVRFallback and a join of the
  support queue); no caller was simply cut off;
- every call has exactly one row in the call log, and it is closed: B's by B, A's by A's
  start-up sweep when A comes back (controller-lost); no call has two rows;
- calls placed after the kill, with A first in their pool, are served by B.

20 calls on A, not 25: the fallback queue (support) holds 20 callers (queues.conf
maxlen), and a caller refused by a full queue is not one the queue took.
"""

from __future__ import annotations

import asyncio
import signal
import time

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from support import E2E_CONFIG, ROOT, Controller
from ivr.ami.client import AMIClient
from ivr.ami.testcall import place_call
from ivr.store.calls import call_summary, get_call
from ivr.store.db import open_engine
from ivr.store.models import Call

pytestmark = pytest.mark.asterisk

PORT_A, PORT_B = 4570, 4571          # ports no other test uses
ON_A, ON_B, AFTER = 20, 30, 5        # calls A answers, calls B answers, calls placed after the kill
IN_MENU = "1 1"                      # main -> info -> main -> info -> main: timeouts, then goodbye (~18 s)
HOLD = 20                            # the caller listens this long after its last press: the IVR ends first
KILL_AFTER = 8.0                     # seconds after the last call was placed: mid-call for every caller


def _config(tmp_path, port: int, name: str):
    doc = yaml.safe_load(E2E_CONFIG.read_text().replace("../../", f"{ROOT}/"))
    doc["controller"] |= {"port": port, "id": name, "metrics_port": 0}
    doc["database"]["url"] = f"sqlite:///{tmp_path / 'calls.db'}"    # this test's own call log
    doc["state_dir"] = str(tmp_path / "state")
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


class Calls:
    """Test calls placed over one AMI link, and what Asterisk said about each."""

    def __init__(self, ami: AMIClient):
        self.ami = ami
        self.placed: dict[str, str] = {}           # IVR-side unique id -> its pool
        self.ended: dict[str, asyncio.Future] = {}
        self.fallback: dict[str, dict] = {}        # unique id -> the IVRFallback event
        self.joined: dict[str, str] = {}           # unique id -> queue it joined
        ami.manager.register_event("*", self._event)

    def _event(self, manager, event) -> None:
        uid = event.get("Uniqueid", "")
        if uid not in self.placed:
            return
        if event.event == "UserEvent" and event.get("UserEvent") == "IVRFallback":
            self.fallback[uid] = dict(event)
        elif event.event == "QueueCallerJoin":
            self.joined[uid] = event.get("Queue", "")

    async def place(self, pool: str, digits: str, caller_id: str) -> str:
        placed, ended = await place_call(self.ami, digits, caller_id, gap=2.0, delay=1.0, hold=HOLD,
                                         extra_vars={"__IVR_CONTROLLERS": pool})
        self.placed[placed.ivr_unique_id] = pool
        self.ended[placed.ivr_unique_id] = ended
        return placed.ivr_unique_id


def _rows(engine, uids) -> dict[str, int]:
    with Session(engine) as s:
        return dict(s.execute(select(Call.unique_id, func.count()).where(Call.unique_id.in_(list(uids)))
                              .group_by(Call.unique_id)).all())


def _wait_rows(engine, uids, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while len(_rows(engine, uids)) < len(uids) and time.monotonic() < deadline:
        time.sleep(0.2)


def _open(engine, uids) -> list[str]:
    with Session(engine) as s:
        return list(s.scalars(select(Call.unique_id).where(Call.unique_id.in_(list(uids)), Call.ended_at.is_(None))))


def test_killing_one_of_two_controllers_under_50_calls_drops_and_doubles_none(e2e_settings, tmp_path):
    a_cfg, b_cfg = _config(tmp_path, PORT_A, "kill-a"), _config(tmp_path, PORT_B, "kill-b")
    a_log, b_log = tmp_path / "controller-kill-a.log", tmp_path / "controller-kill-b.log"
    a = Controller(a_cfg, PORT_A, a_log)
    b = Controller(b_cfg, PORT_B, b_log)
    engine = open_engine(f"sqlite:///{tmp_path / 'calls.db'}")
    a_first, b_first = f"127.0.0.1:{PORT_A}&127.0.0.1:{PORT_B}", f"127.0.0.1:{PORT_B}&127.0.0.1:{PORT_A}"
    restarted = None

    async def scenario() -> tuple[Calls, list[str], list[str]]:
        ami = AMIClient(e2e_settings.ami)
        await ami.connect()
        try:
            calls = Calls(ami)
            first = [await calls.place(a_first if n < ON_A else b_first, IN_MENU, f"4860020{n:04d}")
                     for n in range(ON_A + ON_B)]
            placed_at = time.monotonic()
            await asyncio.to_thread(_wait_rows, engine, first)       # every caller is in the menu
            await asyncio.sleep(max(0.0, KILL_AFTER - (time.monotonic() - placed_at)))
            assert not any(calls.ended[u].done() for u in first), "a call ended before the kill"
            a.stop(signal.SIGKILL)
            after = [await calls.place(a_first, "2 12", f"4860021{n:04d}") for n in range(AFTER)]
            await asyncio.wait_for(asyncio.gather(*calls.ended.values()), 90)
            return calls, first, after
        finally:
            ami.close()

    try:
        calls, first, after = asyncio.run(scenario())
        b.stop()
        # A comes back: its start-up sweep closes the calls it left open.
        restarted = Controller(a_cfg, PORT_A, a_log)
        deadline = time.monotonic() + 30
        while _open(engine, first + after) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        a.stop()
        b.stop()
        if restarted is not None:
            restarted.stop()

    summaries = {uid: call_summary(get_call(engine, uid)) for uid in first + after if get_call(engine, uid)}
    problems = []
    for uid in first:
        s = summaries.get(uid)
        where = f"{uid} (pool {calls.placed[uid]})"
        if s is None:
            problems.append(f"{where}: no row in the call log")
            continue
        if s["ended_at"] is None:
            problems.append(f"{where}: row still open: {s['outcome']!r}, path {s['path']}")
        if uid in calls.fallback:
            if calls.joined.get(uid) != calls.fallback[uid].get("Queue"):
                problems.append(f"{where}: sent to the fallback queue {calls.fallback[uid].get('Queue')!r} "
                                f"but joined {calls.joined.get(uid)!r}")
            if s["outcome"] != "controller-lost":
                problems.append(f"{where}: went to the fallback queue, its row says {s['outcome']!r}")
        elif not (s["outcome"] == "hangup" and s["path"] and s["path"][-1] == "bye"):
            problems.append(f"{where}: neither finished in the menu nor reached the fallback queue: "
                            f"outcome {s['outcome']!r}, path {s['path']}, error {s['error']!r}")
    for uid in after:
        s = summaries.get(uid)
        if s is None or uid in calls.fallback or s["path"] != ["main", "sub", "twelve", "bye"]:
            problems.append(f"{uid} placed after the kill: not served by the survivor: {s}, "
                            f"fallback {calls.fallback.get(uid)}")
    assert not problems, "\n".join(problems)

    counts = _rows(engine, first + after)
    assert {uid: n for uid, n in counts.items() if n != 1} == {}
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Call)) == len(first) + len(after)   # no stray row
        owners = dict(s.execute(select(Call.unique_id, Call.owner).where(Call.unique_id.in_(first + after))).all())

    lost = set(calls.fallback)
    on_a = {uid for uid in first if calls.placed[uid] == a_first}
    # The kill was mid-call for every caller: exactly A's callers went to the fallback queue.
    assert lost == on_a, f"fallback: {sorted(lost)}; A's calls: {sorted(on_a)}"
    assert all(owners[uid] == "kill-a" for uid in on_a)
    assert all(owners[uid] == "kill-b" for uid in set(first) - on_a)
    assert all(owners[uid] == "kill-b" for uid in after)
    assert all(calls.fallback[uid]["Queue"] == "support" for uid in lost)
