"""The console per hotline, as ops use it (a console whose config has three hotlines in two
zones): the call log filtered by hotline or client returns only those calls across pages,
its next/previous links keeping the filter; recordings filtered by recording policy and
hotline; the handle-time dashboard of one hotline with hours in its zone, named on the page."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import Session

from ivr.store.models import Call, HandleTimeRow, Recording

CONSOLE_CONFIG = """
menu:
  entry: main
  nodes:
    main: {type: hangup}
hours:
  warsaw: {timezone: Europe/Warsaw, weekly: {mon-fri: "08:00-20:00"}}
  newyork: {timezone: America/New_York, weekly: {mon-fri: "08:00-20:00"}}
hotlines:
  telecom: {numbers: ["0800123456"], client: acme, hours: warsaw}
  b2b: {numbers: ["0800999999"], client: acme, hours: newyork, recording: never}
  energia: {numbers: ["_0680XXXXXX"], client: pannon, hours: warsaw, recording: announced}
"""

T0 = datetime(2026, 5, 4, 6, 0, tzinfo=timezone.utc)
LINES = {"telecom": ("acme", "explicit"), "b2b": ("acme", "never"), "energia": ("pannon", "announced")}
ORDER = ["telecom", "energia", "energia", "b2b", "telecom", "telecom", "energia"]


def _calls():
    """35 calls on 4 May 2026, two sharing each start (ties break on id); hotlines in runs."""
    out = []
    for i in range(35):
        hotline = ORDER[i % len(ORDER)]
        client, policy = LINES[hotline]
        at = T0 + timedelta(minutes=10 * (i // 2))
        out.append(dict(unique_id=f"hl-{i}", caller_id="+48600555000", called="0800123456", outcome="hangup",
                        started_at=at, ended_at=at + timedelta(seconds=30), hotline=hotline, client=client,
                        recording_policy=policy))
    return out


@pytest.fixture(scope="module")
def seeded(console):
    with Session(console.engine) as s:
        for c in _calls():
            s.add(Call(**c))
            if c["recording_policy"] != "never":
                s.add(Recording(unique_id=c["unique_id"], caller_id=c["caller_id"], queue="support",
                                agent="PJSIP/a", started_at=c["started_at"], duration_s=12.0,
                                path=f"{c['unique_id']}.wav"))
        # queue stays: one per call of the first six, entered 5 min after the call started
        for c in _calls()[:6]:
            s.add(HandleTimeRow(unique_id=c["unique_id"], queue="support", entered_second=0, agent="PJSIP/a",
                                entered_at=c["started_at"] + timedelta(minutes=5), wait_s=4.0, talk_s=50.0,
                                outcome="answered"))
        s.commit()
    return console


def _uids(text: str) -> list[str]:
    return [u for u in re.findall(r'<tr data-unique-id="([^"]+)"', text) if u.startswith("hl-")]


def _link(text: str, rel: str) -> str | None:
    found = re.search(rf'id="{rel}" rel="{rel}" href="([^"]*)"', text)
    return html.unescape(found.group(1)) if found else None


def _walk(client, path: str, params: dict) -> tuple[list[list[str]], list[str]]:
    page = client.get(path, params=params)
    assert page.status_code == 200, page.text
    pages, links = [_uids(page.text)], []
    while (nxt := _link(page.text, "next")) is not None:
        links.append(nxt)
        page = client.get(path + nxt)
        assert page.status_code == 200, page.text
        pages.append(_uids(page.text))
    return pages, links


def _expected(keep) -> list[str]:
    rows = [(c["started_at"], i, c["unique_id"]) for i, c in enumerate(_calls()) if keep(c)]
    return [uid for _, _, uid in sorted(rows, reverse=True)]


@pytest.mark.parametrize("params, keep", [
    ({"hotline": "energia"}, lambda c: c["hotline"] == "energia"),
    ({"client": "acme"}, lambda c: c["client"] == "acme"),
    ({"client": "acme", "hotline": "b2b"}, lambda c: c["hotline"] == "b2b"),
])
def test_call_log_by_hotline_across_pages(seeded, as_ops, params, keep):
    pages, links = _walk(as_ops, "/calls", {**params, "limit": "4"})
    assert [u for p in pages for u in p] == _expected(keep)
    assert len(pages) >= 2 and all(len(p) == 4 for p in pages[:-1])
    for name, value in params.items():      # every next link keeps the filter
        assert all(f"{name}={value}" in link for link in links)


def test_call_log_offers_the_configs_hotlines(seeded, as_ops):
    page = as_ops.get("/calls", params={"hotline": "telecom"}).text
    assert re.search(r'<select name="hotline"[^>]*>\s*<option value="">any</option>'
                     r'<option>b2b</option><option>default</option><option>energia</option><option selected>telecom</option>'
                     r'</select>', page)   # default: the config's own menu
    assert "<option>acme</option><option>pannon</option>" in page
    assert {m for m in re.findall(r'<td class="hotline">([^<]*)</td>', page)} == {"telecom"}


@pytest.mark.parametrize("policy, hotline, keep", [
    ("announced", None, lambda c: c["recording_policy"] == "announced"),
    ("explicit", None, lambda c: c["recording_policy"] == "explicit"),
    ("never", None, lambda c: False),            # never recorded: nothing to list
    ("announced", "energia", lambda c: c["hotline"] == "energia"),
    ("explicit", "energia", lambda c: False),
])
def test_recordings_by_policy_and_hotline(seeded, as_ops, policy, hotline, keep):
    params = {"policy": policy, "limit": "3", **({"hotline": hotline} if hotline else {})}
    pages, links = _walk(as_ops, "/recordings", params)
    assert [u for p in pages for u in p] == _expected(keep)
    assert all(f"policy={policy}" in link for link in links)


def test_recordings_show_policy_and_refuse_an_unknown_one(seeded, as_ops):
    page = as_ops.get("/recordings", params={"policy": "announced", "limit": "5"}).text
    assert set(re.findall(r'<td class="policy">([^<]*)</td>', page)) == {"announced"}
    bad = as_ops.get("/recordings", params={"policy": "implied"})
    assert bad.status_code == 400 and "policy &#39;implied&#39;: not one of explicit, announced, never" in bad.text


def test_dashboard_of_one_hotline_in_its_zone(seeded, as_ops):
    # telecom's stays (hl-0, hl-4, hl-5) entered 06:05, 06:25, 06:25 UTC: 08:00 and 08:00 in Warsaw (CEST)
    page = as_ops.get("/dashboard", params={"hotline": "telecom", "by": "hour", "since": "2026-05-04",
                                            "until": "2026-05-05"}).text
    assert '<h2 id="report-title">handle times by hour, Europe/Warsaw (hotline telecom)</h2>' in page
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert cells == [("2026-05-04T08:00+02:00", "3"), ("total", "3")]
    b2b = as_ops.get("/dashboard", params={"hotline": "b2b", "by": "hour", "since": "2026-05-04",
                                           "until": "2026-05-05"}).text
    # hl-3 entered 06:15 UTC: 02:00 in New York (EDT)
    assert "handle times by hour, America/New_York (hotline b2b)" in b2b
    assert re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", b2b) == [("2026-05-04T02:00-04:00", "1"),
                                                                         ("total", "1")]
    chart = as_ops.get("/dashboard/chart.png", params={"hotline": "b2b", "by": "hour", "since": "2026-05-04"},
                       timeout=60)
    assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"


def test_dashboard_without_a_hotline_says_its_hours_are_utc(seeded, as_ops):
    page = as_ops.get("/dashboard", params={"by": "hour", "since": "2026-05-04", "until": "2026-05-05"}).text
    assert "handle times by hour, UTC" in page
    assert "hotlines in America/New_York, Europe/Warsaw: hours in UTC; pick a hotline" in page
    hours = [k for k, _ in re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", page)]
    assert hours == ["2026-05-04T06:00Z", "total"]


def test_dashboard_unknown_hotline_lists_the_known(seeded, as_ops):
    r = as_ops.get("/dashboard", params={"hotline": "nope"})
    assert r.status_code == 400
    assert "no hotline &#39;nope&#39; (hotlines: b2b, default, energia, telecom)" in r.text
