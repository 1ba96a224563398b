"""The console's searches per hotline, on SQLite and PostgreSQL: a call log filtered by
hotline or client, and recordings filtered by their call's recording policy and hotline,
cover exactly those rows, once each, in order, page after page, both ways."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from ivr.recordings.store import RecordingFilter, search, search_page
from ivr.store.calls import CallFilter, search_calls
from ivr.store.db import open_engine
from ivr.store.models import Call, Recording

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
# (hotline, client, policy) in turn; "" policy: a call logged before hotlines had one
LINES = [("telecom", "example-telecom", "explicit"), ("energia", "pannon-energia", "announced"),
         ("telecom-b2b", "example-telecom", "never"), ("default", "", "")]


def _line(i: int) -> tuple[str, str, str]:
    return LINES[(i * 7 + i // 5) % len(LINES)]   # not a plain rotation: runs of one hotline too


@pytest.fixture
def engine(db_url):
    engine = open_engine(db_url)
    with Session(engine) as s:
        for i in range(58):
            hotline, client, policy = _line(i)
            at = T0 + timedelta(minutes=3 * (i // 3))          # three calls per instant: ties break on id
            s.add(Call(unique_id=f"h{i}", caller_id="+48600100200", called="0800123456", outcome="hangup",
                       started_at=at, ended_at=at + timedelta(seconds=40), hotline=hotline, client=client,
                       recording_policy=policy))
            if i % 4 != 3:      # not every call is recorded
                s.add(Recording(unique_id=f"h{i}", caller_id="+48600100200", started_at=at, path=f"h{i}.wav",
                                duration_s=10.0))
        s.add(Recording(unique_id="no-call", caller_id="+48600100200", started_at=T0, path="no-call.wav",
                        duration_s=5.0))   # a recording whose call is not in the log
        s.commit()
    yield engine
    engine.dispose()


def _expected(engine, model, keep) -> list[str]:
    """By hand: every row of `model` whose call passes `keep(call)`, newest first (ties by id)."""
    with Session(engine) as s:
        calls = {c.unique_id: c for c in s.query(Call).all()}
        rows = [r for r in s.query(model).all() if r.unique_id in calls and keep(calls[r.unique_id])]
        return [r.unique_id for r in sorted(rows, key=lambda r: (r.started_at, r.id), reverse=True)]


def _walk(fetch, limit: int) -> tuple[list[list[str]], list[list[str]]]:
    """Pages from the newest by `older`, then back from the last by `newer`."""
    pages, after = [], None
    while True:
        page = fetch(limit, after, None)
        pages.append([r.unique_id for r in page.rows])
        if page.older is None:
            break
        after = page.older
    back, before = [], page.newer
    while before is not None:
        prev = fetch(limit, None, before)
        back.append([r.unique_id for r in prev.rows])
        before = prev.newer
    return pages, list(reversed(back))


@pytest.mark.parametrize("limit", [1, 4, 9])
@pytest.mark.parametrize("flt, keep", [
    (CallFilter(hotline="telecom"), lambda c: c.hotline == "telecom"),
    (CallFilter(client="example-telecom"), lambda c: c.client == "example-telecom"),
    (CallFilter(hotline="energia", client="pannon-energia"), lambda c: c.hotline == "energia"),
], ids=["hotline", "client", "both"])
def test_call_log_by_hotline_or_client_page_by_page(engine, flt, keep, limit):
    pages, back = _walk(lambda n, a, b: search_calls(engine, flt, n, after=a, before=b), limit)
    expected = _expected(engine, Call, keep)
    assert [u for p in pages for u in p] == expected and len(expected) > 9
    assert back == pages[:-1]
    assert all(len(p) == limit for p in pages[:-1])


def test_call_log_hotline_is_exact(engine):
    assert search_calls(engine, CallFilter(hotline="telecom*"), 100).rows == ()
    assert search_calls(engine, CallFilter(client="example"), 100).rows == ()
    assert search_calls(engine, CallFilter(hotline="telecom", client="pannon-energia"), 100).rows == ()


@pytest.mark.parametrize("policy, keep", [
    ("announced", lambda c: c.recording_policy == "announced"),
    # calls from before hotlines stored no policy; they were asked the consent question
    ("explicit", lambda c: c.recording_policy in ("explicit", "")),
    ("never", lambda c: c.recording_policy == "never"),
])
def test_recordings_by_policy_page_by_page(engine, policy, keep):
    pages, back = _walk(lambda n, a, b: search_page(engine, RecordingFilter(policy=policy), n, after=a, before=b), 4)
    expected = _expected(engine, Recording, keep)
    assert [u for p in pages for u in p] == expected and expected
    assert back == pages[:-1]
    rows = search(engine, RecordingFilter(policy=policy))
    assert [r.unique_id for r in rows] == expected
    assert {r.recording_policy for r in rows} == ({"explicit", ""} if policy == "explicit" else {policy})


def test_recordings_by_hotline_and_policy(engine):
    flt = RecordingFilter(hotline="telecom", policy="explicit")
    got = search(engine, flt)
    assert [r.unique_id for r in got] == _expected(engine, Recording, lambda c: c.hotline == "telecom")
    assert {(r.hotline, r.recording_policy) for r in got} == {("telecom", "explicit")}
    assert search(engine, RecordingFilter(hotline="energia", policy="explicit")) == []


def test_recordings_unfiltered_keep_those_without_a_call(engine):
    rows = {r.unique_id: r for r in search(engine)}
    assert rows["no-call"].hotline == "" and rows["no-call"].recording_policy == ""
    assert rows["h1"].hotline == _line(1)[0]
    assert "no-call" not in {r.unique_id for r in search(engine, RecordingFilter(policy="explicit"))}


def test_unknown_policy_is_refused(engine):
    with pytest.raises(ValueError, match="policy 'implied': not one of explicit, announced, never"):
        search_page(engine, RecordingFilter(policy="implied"))
