"""One folder per Asterisk: leadership by a PostgreSQL advisory lock (a flock on one box,
SQLite), taken over within 5 s when the leader dies; a double fold writes each record once;
a follower that takes over writes what the dead leader left unwritten.

The leader dies for real: a child process holding the lock is SIGKILLed (the kernel closes
its socket or its file), or its PostgreSQL backend is terminated (pg_terminate_backend) while
the process lives on (it must notice and step down). The 5 s bound is the feature itself."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from ivr.config import AMISettings
from ivr.queues.consumer import QueueConsumer
from ivr.queues.leadership import (AdvisoryLock, BecameLeader, FileLock, Leadership, SteppedDown, Tenure,
                                   asterisk_name, lock_for, lock_key)
from ivr.store.db import open_engine
from ivr.store.models import HandleTimeRow

TRANSCRIPTS = Path(__file__).parent / "transcripts"
TAKEOVER_BOUND = 5.0   # the promise
ROOT = Path(__file__).resolve().parents[2]


def events(*names: str) -> list[dict]:
    return [e for n in names for e in json.loads((TRANSCRIPTS / f"{n}.json").read_text())]


CALLS = ("answered", "abandoned", "timeout", "full", "two-callers-one-agent")


def rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(select(HandleTimeRow.unique_id, HandleTimeRow.queue, HandleTimeRow.outcome)
                            .order_by(HandleTimeRow.unique_id)).all()


def expected_calls() -> set[str]:
    return {e["Uniqueid"] for e in events(*CALLS) if e.get("Event") in ("QueueCallerJoin",)} | \
           {e["Uniqueid"] for e in events("full")}


# -- the rules ----------------------------------------------------------------------------

def test_tenure_follows_its_table():
    t = Tenure("pbx1")
    assert (t.state, t.action()) == ("follower", "acquire")
    assert t.observe(False, 1.0) is None and not t.leader
    assert t.observe(True, 2.0) == BecameLeader("pbx1", 2.0)
    assert (t.state, t.action(), t.since) == ("leader", "check", 2.0)
    assert t.observe(True, 3.0) is None and t.leader
    down = t.observe(False, 4.0, "session gone")
    assert down == SteppedDown("pbx1", 4.0, "session gone") and t.action() == "acquire" and t.since is None
    assert t.resign(5.0) is None                       # a follower has nothing to resign
    t.observe(True, 6.0)
    assert t.resign(7.0) == SteppedDown("pbx1", 7.0, "resigned")
    assert t.changes == 4


def test_lock_key_is_the_same_on_every_controller():
    # Pinned: controllers of different versions must agree on the key, or two would lead.
    assert lock_key("127.0.0.1:5038") == 36341252104909124
    assert lock_key("pbx1") != lock_key("pbx2")
    assert -2**63 <= lock_key("pbx1") < 2**63
    assert asterisk_name(AMISettings(host="10.0.0.5", port=5039)) == "10.0.0.5:5039"


# -- takeover when the leader dies ---------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from sqlalchemy import create_engine
from ivr.queues.leadership import lock_for
lock = lock_for(create_engine(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], "holder")
while not lock.try_acquire():
    time.sleep(0.1)
print("held", flush=True)
time.sleep(600)
"""


def _url(backend: str, request, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'ivr.db'}"
    return request.getfixturevalue("postgres_url")


async def _until(predicate, timeout: float) -> float:
    """Seconds until predicate() holds (polled every 50 ms); fails the test after `timeout`."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            pytest.fail(f"not within {timeout} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_leader_process_killed_the_follower_takes_over_within_5_s(backend, request, tmp_path, capsys):
    url = _url(backend, request, tmp_path)
    name = f"pbx-{uuid.uuid4().hex[:8]}"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, str(tmp_path), name], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        changes = []
        follower = Leadership(lock_for(create_engine(url), tmp_path, name, "survivor"), name, "survivor",
                              on_change=changes.append)

        async def scenario() -> float:
            follower.start()
            await asyncio.sleep(2.5)          # two or three tries: the lock is taken
            assert not follower.leader and changes == []
            holder.send_signal(signal.SIGKILL)
            holder.wait()
            took = await _until(lambda: follower.leader, 10)
            follower.close()
            return took

        took = asyncio.run(scenario())
    finally:
        holder.kill()
        holder.wait()
    assert took < TAKEOVER_BOUND, f"takeover took {took:.2f} s"
    assert [type(c) for c in changes] == [BecameLeader, SteppedDown]   # led, then resigned at close
    with capsys.disabled():
        print(f"\n[{backend}] takeover after SIGKILL of the leader: {took:.2f} s")


def test_backend_terminated_the_leader_steps_down_and_the_other_leads(postgres_url, capsys):
    name = f"pbx-{uuid.uuid4().hex[:8]}"
    engine = create_engine(postgres_url)
    locks = [AdvisoryLock(engine.url, lock_key(name)) for _ in range(2)]
    contenders = [Leadership(lock, name, f"c{i}") for i, lock in enumerate(locks)]

    async def scenario():
        for c in contenders:
            c.start()
        await _until(lambda: any(c.leader for c in contenders), 5)
        await asyncio.sleep(2.5)              # a few rounds: still exactly one
        leaders = [c for c in contenders if c.leader]
        assert len(leaders) == 1
        [leader] = leaders
        [other] = [c for c in contenders if c is not leader]
        pid = await asyncio.to_thread(leader.lock.backend_pid)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        took = await _until(lambda: other.leader, 10)
        await _until(lambda: not leader.leader, 5)    # the old leader noticed its session is gone
        await asyncio.sleep(2.5)
        assert other.leader and not leader.leader     # and did not take it back
        for c in contenders:
            c.close()
        return took

    took = asyncio.run(scenario())
    assert took < TAKEOVER_BOUND, f"takeover took {took:.2f} s"
    with capsys.disabled():
        print(f"\n[postgresql] takeover after pg_terminate_backend of the leader: {took:.2f} s")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_leader_that_shuts_down_hands_over(backend, request, tmp_path):
    url = _url(backend, request, tmp_path)
    name = f"pbx-{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    a = Leadership(lock_for(engine, tmp_path, name, "a"), name, "a")
    b = Leadership(lock_for(engine, tmp_path, name, "b"), name, "b")

    async def scenario():
        assert isinstance(await a.step(), BecameLeader)
        assert await b.step() is None and not b.leader
        assert await a.step() is None and a.leader        # the check: still held
        a.close()
        assert isinstance(await b.step(), BecameLeader)
        assert isinstance(await a.step(), type(None)) and not a.leader   # a is a follower now
        b.close()

    asyncio.run(scenario())


def test_lock_file_names_its_holder(tmp_path):
    lock = FileLock(tmp_path / "leader" / "fold-x.lock", "ctl-7")
    assert lock.try_acquire()
    assert (tmp_path / "leader" / "fold-x.lock").read_text() == f"ctl-7 pid {os.getpid()}\n"
    assert not FileLock(tmp_path / "leader" / "fold-x.lock").try_acquire()   # another open: refused
    lock.release()
    assert FileLock(tmp_path / "leader" / "fold-x.lock").try_acquire()


# -- records ---------------------------------------------------------------------------------

@pytest.fixture
def ami_secret(monkeypatch):
    monkeypatch.setenv("IVR_AMI_SECRET", "not-used")


def _consumer(engine, tmp_path: Path, owner: str, queue_log: Path | None = None, state_dir: Path | None = None):
    return QueueConsumer(AMISettings(), engine, queue_log, {}, spool_dir=tmp_path / "spool" / owner,
                         state_dir=state_dir, owner=owner)


def test_double_fold_leaves_one_row_per_call(db_url, tmp_path, ami_secret):
    """Two controllers both folding the same events (both think they lead, for a moment):
    each call has exactly one row."""
    engine = open_engine(db_url)
    folders = [_consumer(open_engine(db_url), tmp_path, f"c{i}") for i in range(2)]
    assert all(c.leader for c in folders)   # no state dir: no election, each is a folder
    stream = events(*CALLS)
    for event in stream:                    # interleaved, as two AMI links deliver them
        for c in folders:
            c._on_event(None, event)
    for c in folders:
        c.writer.close()
    got = rows(engine)
    ids = [r.unique_id for r in got]
    assert sorted(set(ids)) == ids, f"a call has two rows: {ids}"
    assert set(ids) == expected_calls()
    # A third folder replaying everything afterwards (a takeover replay) adds nothing.
    late = _consumer(open_engine(db_url), tmp_path, "late")
    for event in stream:
        late._on_event(None, event)
    late.writer.close()
    assert rows(engine) == got


def test_a_follower_writes_nothing_and_on_takeover_writes_what_was_missed(tmp_path, ami_secret):
    """A follower folds but writes nothing; when the leader dies it writes what it folded
    (the dead leader had not) and replays queue_log for the call it never saw on AMI."""
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    engine = open_engine(url)
    name = asterisk_name(AMISettings())
    dead_leader = lock_for(engine, tmp_path, name, "dead")
    assert dead_leader.try_acquire()
    queue_log = tmp_path / "queue_log"
    gap = int(time.time()) - 600   # a call only queue_log saw (the database is empty: a day is replayed)
    queue_log.write_text(f"{gap}|gap-1|support|NONE|ENTERQUEUE||5551234|1\n"
                         f"{gap + 4}|gap-1|support|Local/agent@x|CONNECT|4|gap-1-agent|1\n"
                         f"{gap + 64}|gap-1|support|Local/agent@x|COMPLETECALLER|4|60|1\n")
    follower = _consumer(engine, tmp_path, "survivor", queue_log=queue_log, state_dir=tmp_path)

    async def scenario():
        assert await follower.leadership.step() is None and not follower.leader
        for event in events(*CALLS):
            follower._on_event(None, event)
        follower.writer.flush()
        assert rows(engine) == [] and len(follower.kept) == len(expected_calls())
        dead_leader.release()                               # the leader's process died
        assert isinstance(await follower.leadership.step(), BecameLeader)

    asyncio.run(scenario())
    follower.writer.flush()
    ids = [r.unique_id for r in rows(engine)]
    assert ids == sorted(expected_calls() | {"gap-1"})
    assert follower.kept == type(follower.kept)() and follower.leader
    assert follower.leader_status()["leader"] is True
    follower.close()
    assert not follower.leader


def test_on_sqlite_controllers_of_different_databases_each_lead(tmp_path):
    """One state dir, two SQLite databases (two test setups on one box): no contention;
    one database, two controllers: one leads."""
    name = "127.0.0.1:5038"
    one, two = (create_engine(f"sqlite:///{tmp_path / db}") for db in ("one.db", "two.db"))
    assert lock_for(one, tmp_path, name).try_acquire()
    assert lock_for(two, tmp_path, name).try_acquire()
    assert not lock_for(create_engine(f"sqlite:///{tmp_path / 'one.db'}"), tmp_path, name).try_acquire()
