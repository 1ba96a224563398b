"""BatchWriter: batches, one-by-one retry of a failed batch, flush and close."""

from __future__ import annotations

import json
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


class Flaky(BatchWriter[int]):
    """Writes to a list; while `down` is set, every write fails as a database away does."""

    thread_name = "flaky-writer"

    def __init__(self, spool_dir=None, down: threading.Event | None = None, bad: int | None = None):
        self.rows: list[int] = []
        self.down = down or threading.Event()
        self.bad = bad
        super().__init__(50, spool_dir)

    def write(self, items: list[int]) -> None:
        from sqlalchemy.exc import OperationalError
        if self.down.is_set():
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        if self.bad in items:
            raise ValueError(f"bad item {self.bad}")
        for i in items:       # idempotent, as the real writers' upserts are
            if i not in self.rows:
                self.rows.append(i)

    def encode(self, item: int):
        return {"n": item}

    def decode(self, data):
        return data["n"]


def test_writes_during_an_outage_are_spooled_and_land_in_order_when_it_ends(tmp_path):
    down = threading.Event()
    down.set()
    w = Flaky(tmp_path, down)
    w.put_many(range(30))
    w.flush()
    assert w.rows == [] and w.depth == 30
    spooled = (tmp_path / "flaky-writer.jsonl").read_text().splitlines()
    assert [json.loads(line)["n"] for line in spooled] == list(range(30))   # on disk, in order
    w.put_many(range(30, 40))   # more while the database is still away: behind the others
    down.clear()
    assert w.wait_landed(20)
    w.close()
    assert w.rows == list(range(40)) and w.depth == 0
    assert (tmp_path / "flaky-writer.jsonl").read_text() == ""


def test_a_writer_started_on_a_spool_left_by_a_dead_process_writes_it_first(tmp_path):
    down = threading.Event()
    down.set()
    first = Flaky(tmp_path, down)
    first.put_many([1, 2, 3])
    first.flush()
    # The process dies here: its thread and memory are gone, the spool file stays.
    second = Flaky(tmp_path)
    assert second.wait_landed(20)
    second.put(4)
    second.close()
    assert second.rows == [1, 2, 3, 4]
    down.clear()
    first.close()


def test_a_bad_record_in_the_spool_is_rejected_to_its_own_file_and_the_rest_lands(tmp_path, caplog):
    down = threading.Event()
    down.set()
    w = Flaky(tmp_path, down, bad=7)
    w.put_many(range(10))
    w.flush()
    with caplog.at_level(logging.ERROR):
        down.clear()
        assert w.wait_landed(20)
    w.close()
    assert w.rows == [0, 1, 2, 3, 4, 5, 6, 8, 9]
    assert [json.loads(x)["n"] for x in (tmp_path / "flaky-writer.rejected.jsonl").read_text().splitlines()] == [7]


def test_a_spool_line_cut_by_a_crash_is_skipped_not_fatal(tmp_path, caplog):
    (tmp_path / "flaky-writer.jsonl").write_text('{"n": 1}\n{"n": 2}\n{"n": ')
    with caplog.at_level(logging.ERROR):
        w = Flaky(tmp_path)
        assert w.wait_landed(20)
        w.close()
    assert w.rows == [1, 2]
    assert any("unreadable spool line skipped" in r.getMessage() for r in caplog.records)
