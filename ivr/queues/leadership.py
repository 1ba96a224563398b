"""Which controller folds one Asterisk's queue events into records: one leader at a time.

Several controllers may watch one Asterisk over AMI (each keeps its link: the
wallboard, the metrics and the callback dialer need it), but only one of them,
the leader, writes its handle-time records. Leadership is a lock named after
the Asterisk (`asterisk_name`: its configured name, else AMI host:port):

- PostgreSQL: a session-level `pg_try_advisory_lock(key)` held on a dedicated
  connection of its own (never the pool's: a pooled connection handed back
  would keep the lock). The lock lives as long as the session, so a leader
  killed by SIGKILL, or whose backend is terminated, releases it at once. The
  leader checks its session every second (`SELECT 1`, with a deadline) and
  steps down when it is gone.
- SQLite (one box): an exclusive `flock` on a file under the state dir
  (var/leader/fold-<name>-<database>.lock: per Asterisk and database file);
  the kernel drops it when the process dies.

A follower tries again every second (`interval`), so a dead leader's place is
taken within about a second of its lock dying: well within 5 s.

Safety: the window where two controllers both think they lead is at most one
check interval (a leader whose session was killed learns it at its next
check). Two folders writing the same events are harmless: records are
inserted with ON CONFLICT DO NOTHING on (unique_id, queue, entered_second).

The rules, as a table (`Tenure`, sans-IO; the asyncio task `Leadership` does
the I/O and feeds it what it saw):

    state     observed                     next      event
    --------  ---------------------------  --------  -------------------------
    follower  acquired                     leader    BecameLeader
    follower  not acquired / lock error    follower  -
    leader    session alive                leader    -
    leader    session lost / check failed  follower  SteppedDown(reason)
    leader    resign (shutdown)            follower  SteppedDown("resigned")
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol

from ..store.locks import AdvisoryLock

log = logging.getLogger("ivr.queues.leadership")

INTERVAL = 1.0        # a follower's retry, a leader's check: a takeover within ~1 s of the lock dying
CHECK_TIMEOUT = 3.0   # a lock call that takes longer counts as lost (a hung network): step down
LOCK_NAMESPACE = "ivr-fold:"


def asterisk_name(ami) -> str:
    """The Asterisk's identity for leadership: its configured `name` if it has one, else AMI host:port."""
    name = getattr(ami, "name", "") or ""
    return name or f"{ami.host}:{ami.port}"


def lock_key(name: str) -> int:
    """The advisory lock's key for an Asterisk: a stable signed 64-bit hash of its name (what
    `pg_try_advisory_lock(bigint)` takes); the same on every controller and Python version."""
    digest = hashlib.blake2b((LOCK_NAMESPACE + name).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def safe_file_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


# -- the rules (sans-IO) ---------------------------------------------------------------

FOLLOWER, LEADER = "follower", "leader"


@dataclass(frozen=True)
class BecameLeader:
    name: str
    at: float


@dataclass(frozen=True)
class SteppedDown:
    name: str
    at: float
    reason: str


class Tenure:
    """One controller's standing for one Asterisk. `action()` says what to ask the lock next
    ("acquire" or "check"); `observe(ok, now, reason)` takes the answer and returns the change,
    if any. No I/O, no clock: the caller passes `now`."""

    def __init__(self, name: str):
        self.name = name
        self.state = FOLLOWER
        self.since: float | None = None     # when this controller became leader
        self.changes = 0

    @property
    def leader(self) -> bool:
        return self.state == LEADER

    def action(self) -> str:
        return "check" if self.state == LEADER else "acquire"

    def observe(self, ok: bool, now: float, reason: str = "") -> BecameLeader | SteppedDown | None:
        if self.state == FOLLOWER:
            if not ok:
                return None
            self.state, self.since = LEADER, now
            self.changes += 1
            return BecameLeader(self.name, now)
        if ok:
            return None
        return self._step_down(now, reason or "lock session lost")

    def resign(self, now: float) -> SteppedDown | None:
        return self._step_down(now, "resigned") if self.state == LEADER else None

    def _step_down(self, now: float, reason: str) -> SteppedDown:
        self.state, self.since = FOLLOWER, None
        self.changes += 1
        return SteppedDown(self.name, now, reason)


# -- the locks (blocking; called from a thread) ---------------------------------------

class Lock(Protocol):
    """A lock that dies with its holder. Methods block; they are called one at a time."""

    description: str

    def try_acquire(self) -> bool: ...   # True: held now. Raises on a broken connection.
    def alive(self) -> bool: ...         # still held (the session is there)
    def release(self) -> None: ...       # give it up; never raises


class FileLock:
    """An exclusive `flock` on a file: one box (SQLite). The kernel releases it when the
    process dies, however it dies. The holder writes its owner and pid into the file."""

    def __init__(self, path: Path, owner: str = ""):
        self.path, self.owner = Path(path), owner
        self.description = f"lock file {self.path}"
        self.fd: int | None = None
        self._mutex = threading.Lock()

    def try_acquire(self) -> bool:
        with self._mutex:
            if self.fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            try:
                os.ftruncate(self.fd, 0)
                os.pwrite(self.fd, f"{self.owner} pid {os.getpid()}\n".encode(), 0)
            except OSError:
                pass   # the lock is what counts; the note is for people
            return True

    def alive(self) -> bool:
        with self._mutex:
            return self.fd is not None

    def release(self) -> None:
        with self._mutex:
            fd, self.fd = self.fd, None
            if fd is not None:
                os.close(fd)   # closing the only descriptor drops the flock


def lock_for(engine, state_dir: Path, name: str, owner: str = "") -> Lock:
    """The lock this database calls for. PostgreSQL: an advisory lock (scoped by the server to
    the database). Else (SQLite, one box) a lock file named after the Asterisk and the
    database file, under `state_dir`/leader: controllers writing one database contend, a
    controller with a database of its own leads its own."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine.url, lock_key(name))
    database = engine.url.database or ""
    where = str(Path(database).resolve()) if database and database != ":memory:" else f"memory-{os.getpid()}"
    tag = hashlib.blake2b(where.encode(), digest_size=4).hexdigest()
    return FileLock(Path(state_dir) / "leader" / f"fold-{safe_file_name(name)}-{tag}.lock", owner)


# -- the task ------------------------------------------------------------------------

class Leadership:
    """Ask the lock every `interval` seconds (acquire as a follower, check as the leader) and
    call `on_change(event)` on each change, in the event loop. The blocking calls run in a
    thread with a deadline: one that hangs counts as a lost lock."""

    def __init__(self, lock: Lock, name: str, owner: str = "",
                 on_change: Callable[[BecameLeader | SteppedDown], None] | None = None,
                 interval: float = INTERVAL, check_timeout: float = CHECK_TIMEOUT):
        self.lock, self.name, self.owner = lock, name, owner
        self.tenure = Tenure(name)
        self.on_change = on_change
        self.interval, self.check_timeout = interval, check_timeout
        self.task: asyncio.Task | None = None
        self._failing = False   # a lock error logged once until it works again

    @property
    def leader(self) -> bool:
        return self.tenure.leader

    def status(self) -> dict:
        return {"asterisk": self.name, "leader": self.leader, "since": self.tenure.since,
                "lock": self.lock.description}

    def start(self) -> asyncio.Task:
        self.task = asyncio.get_running_loop().create_task(self.run(), name=f"leadership {self.name}")
        return self.task

    async def run(self) -> None:
        while True:
            await self.step()
            await asyncio.sleep(self.interval)

    async def step(self) -> BecameLeader | SteppedDown | None:
        """One round: ask the lock, apply the answer, report a change."""
        action = self.tenure.action()
        call = self.lock.try_acquire if action == "acquire" else self.lock.alive
        reason = ""
        try:
            ok = bool(await asyncio.wait_for(asyncio.to_thread(call), self.check_timeout))
            if self._failing:
                log.info("%s: leadership lock reachable again", self.name, extra={"asterisk": self.name})
            self._failing = False
        except asyncio.CancelledError:
            raise
        except asyncio.TimeoutError:
            ok, reason = False, f"{self.lock.description} gave no answer in {self.check_timeout:g} s"
            self._abandon()
        except Exception as exc:
            ok, reason = False, f"{self.lock.description}: {exc.__class__.__name__}: {exc}"
            if not self._failing:
                log.warning("%s: leadership lock failed (%s); trying again every %g s", self.name, reason,
                            self.interval, extra={"asterisk": self.name})
            self._failing = True
        event = self.tenure.observe(ok, time.time(), reason)
        if event is not None:
            self._report(event)
        return event

    def _abandon(self) -> None:
        """A lock call hung: drop the session in the background (a dead session holds nothing)."""
        threading.Thread(target=self.lock.release, name="leadership-release", daemon=True).start()

    def _report(self, event) -> None:
        if isinstance(event, BecameLeader):
            log.info("%s: this controller (%s) is now the leader: it folds queue events into records",
                     self.name, self.owner, extra={"asterisk": self.name, "owner": self.owner})
        else:
            log.warning("%s: this controller (%s) is no longer the leader (%s): it stops writing queue records",
                        self.name, self.owner, event.reason, extra={"asterisk": self.name, "owner": self.owner})
        if self.on_change is not None:
            try:
                self.on_change(event)
            except Exception:
                log.exception("%s: leadership change not handled", self.name)

    def close(self) -> None:
        """Stop asking and give the lock up (shutdown): another controller takes over at once."""
        if self.task is not None:
            self.task.cancel()
            self.task = None
        event = self.tenure.resign(time.time())
        self.lock.release()
        if event is not None:
            self._report(event)
