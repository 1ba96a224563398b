"""The console's searches a page at a time: the call log (caller, called, outcome,
time range) and recordings with keyset pagination, the dashboard's date range,
and a 400 naming the parameter for anything the page cannot read."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from ivr.store.models import Call, Recording

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
CALLERS = ["+48600111222", "+48600111333", "+48700999000"]
OUTCOMES = ["queue:support", "queue:sales", "hangup", "caller-hangup"]
N_CALLS, N_RECS = 61, 23


def _calls():
    """61 calls over a day; every third pair shares its start to the microsecond (ties break on id)."""
    out = []
    for i in range(N_CALLS):
        at = T0 + timedelta(minutes=10 * (i - i % 3))   # groups of three at the same instant
        out.append(dict(unique_id=f"page-{i}", caller_id=CALLERS[i % 3], called="+48221000100" if i % 2 else "100",
                        outcome=OUTCOMES[i % 4], started_at=at, ended_at=at + timedelta(seconds=30 + i)))
    return out


@pytest.fixture(scope="module")
def seeded(console):
    with Session(console.engine) as s:
        for c in _calls():
            s.add(Call(**c))
        for i in range(N_RECS):
            s.add(Recording(unique_id=f"rec-page-{i}", caller_id=CALLERS[i % 3], queue="support", agent="PJSIP/a",
                            started_at=T0 + timedelta(minutes=5 * (i - i % 2)), duration_s=10.0 + i,
                            path=f"page-{i}.wav"))
        s.commit()
    return console


def _uids(text: str) -> list[str]:
    return re.findall(r'<tr data-unique-id="([^"]+)"', text)


def _link(text: str, rel: str) -> str | None:
    found = re.search(rf'id="{rel}" rel="{rel}" href="([^"]*)"', text)
    return html.unescape(found.group(1)) if found else None


def _walk(client, path: str, params: dict) -> tuple[list[list[str]], str]:
    """Every page from the first by the next links; the last page's text."""
    page = client.get(path, params=params)
    assert page.status_code == 200, page.text
    pages = [_uids(page.text)]
    assert _link(page.text, "prev") is None
    while (nxt := _link(page.text, "next")) is not None:
        page = client.get(path + nxt)
        assert page.status_code == 200, page.text
        pages.append(_uids(page.text))
    return pages, page.text


def _expected(flt=lambda c: True) -> list[str]:
    rows = [(c["started_at"], i, c["unique_id"]) for i, c in enumerate(_calls()) if flt(c)]
    return [uid for _, _, uid in sorted(rows, reverse=True)]   # ids grow with i: newest first, then id


def test_call_log_pages_return_every_row_once_in_order(seeded, as_ops):
    pages, last = _walk(as_ops, "/calls", {"limit": "7", "caller": "+486*"})   # the seeded page-* calls and more
    flat = [u for p in pages for u in p]
    assert len(flat) == len(set(flat))
    ours = [u for u in flat if u.startswith("page-")]
    assert ours == _expected(lambda c: c["caller_id"].startswith("+486"))
    assert all(len(p) == 7 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 7
    # and back: the previous links give the same pages, newest last
    back, page = [], last
    while (prev := _link(page, "prev")) is not None:
        page = as_ops.get("/calls" + prev).text
        back.append(_uids(page))
    assert list(reversed(back)) == pages[:-1]


@pytest.mark.parametrize("params, flt", [
    ({"caller": "+48600111333"}, lambda c: c["caller_id"] == "+48600111333"),
    ({"caller": "+48600*"}, lambda c: c["caller_id"].startswith("+48600")),
    ({"called": "100"}, lambda c: c["called"] == "100"),
    ({"outcome": "hangup"}, lambda c: c["outcome"] == "hangup"),
    ({"outcome": "queue:*"}, lambda c: c["outcome"].startswith("queue:")),
    ({"since": "2026-03-02T12:00Z", "until": "2026-03-02T15:00Z"},
     lambda c: datetime(2026, 3, 2, 12, tzinfo=timezone.utc) <= c["started_at"] < datetime(2026, 3, 2, 15, tzinfo=timezone.utc)),
    ({"outcome": "queue:sales", "called": "+48221000100", "since": "2026-03-02"},
     lambda c: c["outcome"] == "queue:sales" and c["called"] == "+48221000100"),
])
def test_call_log_filters(seeded, as_ops, params, flt):
    pages, _ = _walk(as_ops, "/calls", {**params, "limit": "5", "since": params.get("since", "2026-03-01"),
                                        "until": params.get("until", "2026-03-04")})
    assert [u for p in pages for u in p] == _expected(flt)


def test_call_log_links_to_the_call(seeded, as_ops):
    page = as_ops.get("/calls", params={"caller": CALLERS[0], "limit": "1"}).text
    assert 'href="/calls/page-60"' in page and '<a href="/calls">Calls</a>' in page
    # a config with no hotlines: the hotline and client filters are text boxes, not empty lists
    assert '<input name="hotline"' in page and '<input name="client"' in page


def test_recordings_pages(seeded, as_ops):
    pages, _ = _walk(as_ops, "/recordings", {"limit": "4", "queue": "support", "agent": "PJSIP/a"})
    flat = [u for p in pages for u in p]
    expect = [f"rec-page-{i}" for _, i in sorted(((T0 + timedelta(minutes=5 * (i - i % 2)), i)
                                                   for i in range(N_RECS)), reverse=True)]
    assert flat == expect and len(pages) == 6


BAD = [
    ("/calls", {"since": "yesterday"}, "since 'yesterday': not an ISO date"),
    ("/calls", {"until": "2026-13-01"}, "until '2026-13-01': not an ISO date"),
    ("/calls", {"since": "2026-03-02", "until": "2026-03-01"}, "is not after since"),
    ("/calls", {"limit": "0"}, "limit '0': not a number of rows from 1 to 500"),
    ("/calls", {"limit": "abc"}, "limit 'abc'"),
    ("/calls", {"limit": "501"}, "limit '501'"),
    ("/calls", {"after": "x"}, "after 'x': not a page position"),
    ("/calls", {"before": "99999999999999999999_1"}, "not a page position"),
    ("/calls", {"after": "9223372036854775807_1"}, "out of range"),
    ("/calls", {"after": "1_1", "before": "2_2"}, "give one of them"),
    ("/calls", {"after": "1_2147483648"}, "out of range"),
    ("/recordings", {"since": "yesterday"}, "not an ISO date"),
    ("/recordings", {"min_duration": "abc"}, "not a number of seconds"),
    ("/recordings", {"after": "1-2"}, "after '1-2': not a page position"),
    ("/dashboard", {"by": "planet"}, "by must be one of"),
    ("/dashboard", {"since": "soon"}, "since 'soon': not an ISO date"),
    ("/audit", {"until": "later"}, "until 'later': not an ISO date"),
]


@pytest.mark.parametrize("path, params, message", BAD)
def test_bad_parameters_are_a_400_naming_them(seeded, as_ops, path, params, message):
    r = as_ops.get(path, params=params)
    assert r.status_code == 400
    assert html.escape(message, quote=True) in r.text or message in html.unescape(r.text)
    assert "Traceback" not in r.text and 'class="err"' in r.text


def test_dashboard_date_range(seeded, as_ops):
    # no dates: the last 30 days, shown in the form (the seeded queue row is an hour old)
    page = as_ops.get("/dashboard", params={"by": "agent"}).text
    since = (datetime.now(timezone.utc).date() - timedelta(days=30)).isoformat()
    assert f'name="since" value="{since}"' in page and "PJSIP/alice" in page
    assert f"chart.png?since={since}" in page
    old = as_ops.get("/dashboard", params={"by": "agent", "since": "2020-01-01", "until": "2020-02-01"}).text
    assert "PJSIP/alice" not in old
    # the first chart imports matplotlib in the console: seconds on a loaded machine
    chart = as_ops.get("/dashboard/chart.png", params={"since": "2020-01-01", "until": "2020-02-01"}, timeout=60)
    assert chart.status_code == 200
    assert as_ops.get("/dashboard/chart.png", params={"since": "x"}).status_code == 400
