"""A background batch writer: one daemon thread that takes items off a queue
and writes them in batches, so that callers (the event loop, the AMI reader)
never wait on the database.

- `put` never blocks. The thread takes what is queued, up to `batch` items,
  and hands it to `write` as one batch (one transaction, in subclasses).
- If a batch fails, it is written again in smaller units (`units`, by default
  one item each): one bad item costs only itself, logged, never its batch.
- `flush` blocks until everything queued before it is written; `close`
  writes what is queued and stops the thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Generic, Iterable, TypeVar

log = logging.getLogger("ivr.store.writer")

T = TypeVar("T")


class _Stop:
    pass


_STOP = _Stop()


class BatchWriter(Generic[T]):
    """Subclasses implement `write` (and may refine `units` and `describe`)."""

    thread_name = "batch-writer"
    logger = log

    def __init__(self, batch: int = 200):
        self.batch = batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    # -- for subclasses

    def write(self, items: list[T]) -> None:
        """Write items in one go; raise if it did not happen."""
        raise NotImplementedError

    def units(self, items: list[T]) -> Iterable[tuple[str, list[T]]]:
        """How a failed batch is retried: (label for the log, items) per unit."""
        for item in items:
            yield "", [item]

    def describe(self, label: str, unit: list[T]) -> tuple[str, dict]:
        """The log message and `extra` for a unit that failed on its own."""
        return f"{self.thread_name}: {len(unit)} item(s) could not be written", {}

    # -- for callers

    def put(self, item: T) -> None:
        self._queue.put(item)

    def put_many(self, items: Iterable[T]) -> None:
        for item in items:
            self._queue.put(item)

    def flush(self, timeout: float = 30) -> None:
        """Block until everything queued so far is written (or tried)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self, timeout: float = 30) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    # -- the thread

    def _run(self) -> None:
        while True:
            taken = [self._queue.get()]
            while len(taken) < self.batch:
                try:
                    taken.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            items = [t for t in taken if not isinstance(t, (threading.Event, _Stop))]
            if items:
                self._write_batch(items)
            for t in taken:
                if isinstance(t, threading.Event):
                    t.set()
            if any(t is _STOP for t in taken):
                return

    def _write_batch(self, items: list[T]) -> None:
        try:
            self.write(items)
            return
        except Exception:
            pass
        # One bad item must not cost the batch's others: write them unit by unit,
        # and lose only what fails alone.
        for label, unit in self.units(items):
            try:
                self.write(unit)
            except Exception:
                message, extra = self.describe(label, unit)
                self.logger.exception(message, extra=extra)
