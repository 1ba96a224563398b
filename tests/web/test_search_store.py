"""The searches behind the console's pages, on SQLite and PostgreSQL: keyset pages
cover every row once in order, both ways, with ties on started_at; filters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from ivr.recordings.store import RecordingFilter, search_page
from ivr.store.calls import CallFilter, PageKey, search_calls
from ivr.store.db import open_engine
from ivr.store.models import Call, Recording

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)   # across the night Warsaw moves to summer time


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    with Session(engine) as s:
        for i in range(47):
            at = T0 + timedelta(minutes=7 * (i // 4), microseconds=i % 2)   # pairs share started_at exactly
            s.add(Call(unique_id=f"c{i}", caller_id=f"+4860000{i % 5}", called="100", outcome=
                       ("queue:support", "hangup", "queue:sales")[i % 3], started_at=at, ended_at=at))
            s.add(Recording(unique_id=f"c{i}", caller_id=f"+4860000{i % 5}", started_at=at, path=f"c{i}.wav",
                            duration_s=float(i)))
        s.commit()
    yield engine
    engine.dispose()


def _order(engine, model, flt=lambda r: True):
    with Session(engine) as s:
        rows = [r for r in s.query(model).all() if flt(r)]
        return [r.unique_id for r in sorted(rows, key=lambda r: (r.started_at, r.id), reverse=True)]


@pytest.mark.parametrize("limit", [1, 4, 46, 47, 100])
def test_call_pages_cover_every_row_once_both_ways(engine, limit):
    pages, after = [], None
    while True:
        page = search_calls(engine, CallFilter(), limit, after=after)
        pages.append([c.unique_id for c in page.rows])
        if page.older is None:
            break
        after = page.older
    assert [u for p in pages for u in p] == _order(engine, Call)
    back, before = [], page.newer
    while before is not None:
        prev = search_calls(engine, CallFilter(), limit, before=before)
        back.append([c.unique_id for c in prev.rows])
        before = prev.newer
    assert list(reversed(back)) == pages[:-1]


def test_call_filters_and_page_keys(engine):
    flt = CallFilter(since=T0 + timedelta(minutes=14), until=T0 + timedelta(minutes=70), caller="+486000*",
                     outcome="queue:*")
    got = [c.unique_id for c in search_calls(engine, flt, 100).rows]
    assert got == _order(engine, Call, lambda c: T0 + timedelta(minutes=14) <= c.started_at.replace(
        tzinfo=timezone.utc) < T0 + timedelta(minutes=70) and c.outcome.startswith("queue:"))
    assert [c.unique_id for c in search_calls(engine, CallFilter(caller="+48600003"), 100).rows] == \
        _order(engine, Call, lambda c: c.caller_id == "+48600003")
    assert search_calls(engine, CallFilter(caller="+4860000"), 100).rows == ()   # exact unless it ends in *
    assert search_calls(engine, CallFilter(outcome="queue:%"), 100).rows == ()   # % is no wildcard
    key = PageKey(T0 + timedelta(microseconds=1), 12)
    assert PageKey.parse("after", key.token()) == key
    for bad in ("", "1", "a_1", "1_", "1_-2", "1.5_2"):
        with pytest.raises(ValueError, match="not a page position"):
            PageKey.parse("after", bad)
    with pytest.raises(ValueError, match="either after or before"):
        search_calls(engine, CallFilter(), 5, after=key, before=key)


def test_recording_pages(engine):
    pages, after = [], None
    while True:
        page = search_page(engine, RecordingFilter(min_duration=3.0), 5, after=after)
        pages += [r.unique_id for r in page.rows]
        if page.older is None:
            break
        after = page.older
    assert pages == _order(engine, Recording, lambda r: r.duration_s >= 3.0)
