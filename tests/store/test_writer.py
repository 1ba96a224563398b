"""BatchWriter: batches, one-by-one retry of a failed batch, flush and close."""

from __future__ import annotations

import logging
import threading

from ivr.store.writer import BatchWriter


class Recorder(BatchWriter[int]):
    thread_name = "test-writer"

    def __init__(self, batch: int = 200, bad: int | None = None, gate: threading.Event | None = None):
        self.batches: list[list[int]] = []
        self.bad, self.gate = bad, gate
        super().__init__(batch)

    def write(self, items: list[int]) -> None:
        if self.gate is not None:
            self.gate.wait(10)
        if self.bad in items:
            raise ValueError(f"bad item {self.bad}")
        self.batches.append(list(items))


def test_items_queued_together_are_written_in_batches_of_at_most_batch():
    gate = threading.Event()
    w = Recorder(batch=4, gate=gate)
    w.put(0)                      # taken alone, then held at the gate while the rest queue up
    w.put_many(range(1, 10))
    gate.set()
    w.flush()
    w.close()
    assert [x for b in w.batches for x in b] == list(range(10))
    assert all(len(b) <= 4 for b in w.batches)
    assert len(w.batches) < 10    # some were written together


def test_a_failed_batch_is_retried_item_by_item_and_only_the_bad_one_is_lost(caplog):
    gate = threading.Event()
    w = Recorder(bad=5, gate=gate)
    w.put(-1)
    w.put_many(range(10))
    gate.set()
    with caplog.at_level(logging.ERROR):
        w.flush()
    w.close()
    written = sorted(x for b in w.batches for x in b)
    assert written == [-1, 0, 1, 2, 3, 4, 6, 7, 8, 9]
    assert any("could not be written" in r.getMessage() for r in caplog.records)


def test_close_writes_what_is_queued_and_stops_the_thread():
    w = Recorder()
    w.put_many([1, 2, 3])
    w.close()
    assert sorted(x for b in w.batches for x in b) == [1, 2, 3]
    assert not w._thread.is_alive()


def test_flush_with_nothing_queued_returns():
    w = Recorder()
    w.flush(timeout=5)
    w.close()
    assert w.batches == []
