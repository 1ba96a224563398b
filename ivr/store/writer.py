"""A background batch writer with a spool: one daemon thread takes items off a
queue and writes them in batches, so that callers (the event loop, the AMI
reader) never wait on the database, and no record is lost while the
database is away.

- `put` never blocks. The thread takes what is queued, up to `batch` items,
  and hands it to `write` as one batch (one transaction, in subclasses).
- A batch that fails because the database is unreachable, locked or
  read-only (`transient`) is kept: in memory, and appended to the spool file
  (`<spool_dir>/<thread_name>.jsonl`, fsynced) when there is one. Everything
  after it waits behind it, in order, and the whole is tried again with
  backoff (0.5 s doubling to `MAX_BACKOFF_S`) until it lands; then the spool
  file is emptied. A writer started on a non-empty spool file (a controller
  that died during an outage) writes that first.
- A batch that fails for any other reason is written again in smaller units
  (`units`, by default one item each): one bad item costs only itself. A unit
  that still fails is rejected: logged, and kept in `<name>.rejected.jsonl`
  beside the spool for a person to look at, never silently dropped.
- So subclasses' `write` must be idempotent (upserts, ON CONFLICT DO NOTHING):
  a batch whose commit was cut may have landed, and is written again.
- `flush` blocks until everything queued before it is written or spooled;
  `wait_landed` until nothing is held back; `close` tries what is held once
  more and stops the thread (what is left stays in the spool file).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
from pathlib import Path
from typing import Any, Generic, Iterable, TypeVar

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

log = logging.getLogger("ivr.store.writer")

T = TypeVar("T")

MIN_BACKOFF_S = 0.5
MAX_BACKOFF_S = 5.0     # a database back from an outage is written to within this long
DEPTH_LOG_EVERY_S = 10.0


class _Stop:
    pass


_STOP = _Stop()


def is_transient(exc: BaseException) -> bool:
    """The database is away (unreachable, restarting, locked past the busy timeout,
    read-only, out of disk), not the data wrong: try the same write again later."""
    return isinstance(exc, (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, OSError))


class BatchWriter(Generic[T]):
    """Subclasses implement `write` (idempotent), and `encode`/`decode` to spool to a file;
    they may refine `units` and `describe`."""

    thread_name = "batch-writer"
    logger = log

    def __init__(self, batch: int = 200, spool_dir: Path | None = None):
        self.batch = batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._held: list[T] = []          # failed for a transient reason: written again, in order
        self._held_lock = threading.Lock()
        self._landed = threading.Condition(self._held_lock)
        self._backoff = MIN_BACKOFF_S
        self._next_try = 0.0
        self._last_depth_log = 0.0
        self.spool_file = self.rejected_file = None
        if spool_dir is not None:
            spool_dir = Path(spool_dir)
            spool_dir.mkdir(parents=True, exist_ok=True)
            self.spool_file = spool_dir / f"{self.thread_name}.jsonl"
            self.rejected_file = spool_dir / f"{self.thread_name}.rejected.jsonl"
            self._held = self._read_spool()
            if self._held:
                self.logger.warning("%s: %d record(s) spooled by an earlier run; writing them first",
                                    self.thread_name, len(self._held))
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    # -- for subclasses

    def write(self, items: list[T]) -> None:
        """Write items in one go (idempotently); raise if it did not happen."""
        raise NotImplementedError

    def units(self, items: list[T]) -> Iterable[tuple[str, list[T]]]:
        """How a failed batch is retried: (label for the log, items) per unit."""
        for item in items:
            yield "", [item]

    def describe(self, label: str, unit: list[T]) -> tuple[str, dict]:
        """The log message and `extra` for a unit that failed on its own."""
        return f"{self.thread_name}: {len(unit)} item(s) could not be written", {}

    def encode(self, item: T) -> Any:
        """The item as JSON data, for the spool file."""
        raise NotImplementedError

    def decode(self, data: Any) -> T:
        raise NotImplementedError

    def transient(self, exc: BaseException) -> bool:
        return is_transient(exc)

    # -- for callers

    def put(self, item: T) -> None:
        self._queue.put(item)

    def put_many(self, items: Iterable[T]) -> None:
        for item in items:
            self._queue.put(item)

    @property
    def depth(self) -> int:
        """Records held back because the database is away (spooled, waiting to be written)."""
        return len(self._held)

    def flush(self, timeout: float = 30) -> None:
        """Block until everything queued so far is written, or held in the spool."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def wait_landed(self, timeout: float = 60) -> bool:
        """Flush, then block until nothing is held back; False if still held at timeout."""
        deadline = time.monotonic() + timeout
        self.flush(timeout)
        with self._landed:
            while self._held:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._landed.wait(min(left, 0.5))
        return True

    def close(self, timeout: float = 30) -> None:
        """Write what is queued (and, once more, what is held), then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    # -- the thread

    def _run(self) -> None:
        while True:
            try:
                if self._step():
                    return
            except Exception:  # the writer must outlive anything: a dead writer loses every later record
                self.logger.exception("%s: unexpected failure; going on", self.thread_name)
                time.sleep(MIN_BACKOFF_S)

    def _step(self) -> bool:
        """Take what is queued and write (or hold) it; True when told to stop."""
        wait = max(0.0, self._next_try - time.monotonic()) if self._held else None
        try:
            taken = [self._queue.get(timeout=wait)]
        except queue.Empty:
            taken = []
        while len(taken) < self.batch:
            try:
                taken.append(self._queue.get_nowait())
            except queue.Empty:
                break
        items = [t for t in taken if not isinstance(t, (threading.Event, _Stop))]
        stop = any(t is _STOP for t in taken)
        if items:
            if self._held:
                self._hold(items)     # behind what is already held: the order is kept
            else:
                self._write_batch(items)
        if self._held and (stop or time.monotonic() >= self._next_try):
            self._retry_held()
        for t in taken:
            if isinstance(t, threading.Event):
                t.set()
        if self._held and time.monotonic() - self._last_depth_log >= DEPTH_LOG_EVERY_S:
            self._last_depth_log = time.monotonic()
            self.logger.warning("%s: %d record(s) spooled, waiting for the database", self.thread_name,
                                len(self._held))
        return stop

    def _write_batch(self, items: list[T]) -> None:
        try:
            self.write(items)
            return
        except Exception as exc:
            if self.transient(exc):
                self.logger.warning("%s: the database is unavailable (%s); %d record(s) spooled",
                                    self.thread_name, _first_line(exc), len(items))
                self._hold(items)
                return
        # One bad item must not cost the batch's others: write them unit by unit.
        for label, unit in self.units(items):
            try:
                self.write(unit)
            except Exception as exc:
                if self.transient(exc):
                    self._hold(unit)
                else:
                    self._reject(label, unit)

    def _retry_held(self) -> None:
        with self._held_lock:
            held = list(self._held)
        written = 0
        try:
            for start in range(0, len(held), self.batch):
                chunk = held[start:start + self.batch]
                try:
                    self.write(chunk)
                except Exception as exc:
                    if self.transient(exc):
                        raise
                    for label, unit in self.units(chunk):   # a bad record must not block the spool
                        try:
                            self.write(unit)
                        except Exception as unit_exc:
                            if self.transient(unit_exc):
                                raise
                            self._reject(label, unit)
                written = start + len(chunk)
        except Exception as exc:
            self._backoff = min(MAX_BACKOFF_S, self._backoff * 2)
            self._next_try = time.monotonic() + self._backoff
            self._forget(written)
            self.logger.debug("%s: still unavailable (%s)", self.thread_name, _first_line(exc))
            return
        self._forget(written)
        self._backoff, self._next_try = MIN_BACKOFF_S, 0.0
        self.logger.warning("%s: the database is back; %d spooled record(s) written", self.thread_name, written)

    def _hold(self, items: list[T]) -> None:
        with self._held_lock:
            self._held.extend(items)
        if self._next_try == 0.0:
            self._next_try = time.monotonic() + self._backoff
        if self.spool_file is not None:
            try:
                _append(self.spool_file, [self.encode(i) for i in items])
            except OSError as exc:  # still held in memory: lost only if this process dies too
                self.logger.error("%s: cannot write the spool file %s (%s); %d record(s) held in memory only",
                                  self.thread_name, self.spool_file, exc, len(items))

    def _forget(self, n: int) -> None:
        """The first n held records landed: drop them from memory and from the spool file."""
        if n == 0:
            return
        with self._landed:
            del self._held[:n]
            rest = list(self._held)
            self._landed.notify_all()
        if self.spool_file is not None:
            try:
                _rewrite(self.spool_file, [self.encode(i) for i in rest])
            except OSError as exc:  # the written ones would be tried again: harmless, writes are idempotent
                self.logger.error("%s: cannot rewrite the spool file %s (%s)", self.thread_name, self.spool_file, exc)

    def _reject(self, label: str, unit: list[T]) -> None:
        message, extra = self.describe(label, unit)
        self.logger.exception(message, extra=extra)
        if self.rejected_file is not None:
            try:
                _append(self.rejected_file, [self.encode(i) for i in unit])
            except Exception:
                self.logger.exception("%s: could not keep the rejected record", self.thread_name)

    def _read_spool(self) -> list[T]:
        try:
            lines = self.spool_file.read_text().splitlines()
        except FileNotFoundError:
            return []
        out = []
        for number, line in enumerate(lines, 1):
            try:
                out.append(self.decode(json.loads(line)))
            except Exception:  # a line cut by a crash mid-write: the rest still counts
                self.logger.error("%s:%d: unreadable spool line skipped", self.spool_file, number)
        return out


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _append(path: Path, rows: list[Any]) -> None:
    with open(path, "a", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
        f.flush()
        os.fsync(f.fileno())


def _rewrite(path: Path, rows: list[Any]) -> None:
    if not rows:
        with open(path, "w"):
            pass
        return
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, separators=(",", ":")) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
