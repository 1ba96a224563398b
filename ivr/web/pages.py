"""Server-rendered pages: recordings search and detail, the call log search
and call detail, handle-time dashboard, audit log. Reading metadata is not a
replay: only the media endpoints write audit rows.

Searches page with keysets (`after`/`before` = a row's (started_at, id), the
links the page prints, which keep every filter), never OFFSET. The call log
filters on hotline and client, recordings on the call's recording policy and
hotline; the dashboard shows one hotline's figures with hours and days in its
zone. A parameter the page cannot read
answers 400 with the page and the message, no traceback."""

from __future__ import annotations

import tempfile
from dataclasses import astuple, fields
from pathlib import Path
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from ..queues.store import stays_of_call
from ..recordings.export import FORMATS
from ..errors import IVRError
from ..recordings.store import POLICIES, RecordingFilter, audit_log, of_call, search_page
from ..reports._common import parse_local_when, report_zone
from ..reports.handle_times import GROUPINGS, handle_times
from ..reports.output import cell, render as render_report
from ..store.calls import CallFilter, PageKey, call_summary, get_call, search_calls
from ..store.window import parse_when
from .auth import SessionData
from .context import console, page, page_session, recording_by_id

router = APIRouter()
LIMIT = 200            # rows of a recordings page
CALLS_LIMIT = 50       # rows of a call log page
MAX_LIMIT = 500
DASHBOARD_DAYS = 30    # the dashboard's window when none is given


def _text(request: Request, *names: str) -> dict[str, str | None]:
    return {n: (request.query_params.get(n) or "").strip() or None for n in names}


def _window(q: dict) -> tuple:
    since, until = parse_when("since", q["since"]), parse_when("until", q["until"])
    if since is not None and until is not None and until <= since:
        raise ValueError(f"until {q['until']!r} is not after since {q['since']!r}")
    return since, until


def _paging(request: Request, default: int) -> tuple[int, PageKey | None, PageKey | None]:
    """limit, after, before from the query; ValueError naming the parameter."""
    q = _text(request, "limit", "after", "before")
    limit = default
    if q["limit"] is not None:
        if not q["limit"].isdigit() or not 1 <= int(q["limit"]) <= MAX_LIMIT:
            raise ValueError(f"limit {q['limit']!r}: not a number of rows from 1 to {MAX_LIMIT}")
        limit = int(q["limit"])
    if q["after"] is not None and q["before"] is not None:
        raise ValueError("after and before: give one of them (a page is either older or newer)")
    after = PageKey.parse("after", q["after"]) if q["after"] is not None else None
    before = PageKey.parse("before", q["before"]) if q["before"] is not None else None
    return limit, after, before


def _pager(q: dict, request: Request, older: PageKey | None, newer: PageKey | None) -> dict[str, str | None]:
    """The next/previous links' query strings: the same filters and page size, one key."""
    keep = {k: v for k, v in q.items() if v}
    limit = (request.query_params.get("limit") or "").strip()
    if limit:
        keep["limit"] = limit
    return {"older": urlencode({**keep, "after": older.token()}) if older else None,
            "newer": urlencode({**keep, "before": newer.token()}) if newer else None}


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"min duration {text!r}: not a number of seconds") from None


def _choices(request: Request, q: dict, *names: str) -> dict[str, list[str]]:
    """The drop-downs of a search form: the config's hotlines, clients, recording policies
    (a value in the URL that the config no longer names stays selectable: old calls keep it)."""
    zones = console(request).hotlines
    known = {"hotline": sorted(zones), "client": sorted({z.client for z in zones.values() if z.client}),
             "policy": list(POLICIES)}
    out = {}
    for name in names:
        options = known[name]
        if not options and name != "policy":
            continue                    # no hotlines in the config: a text box
        out[name] = options + ([q[name]] if q.get(name) and q[name] not in options else [])
    return out


@router.get("/recordings")
def recordings(request: Request, session: SessionData = Depends(page_session)):
    """Recordings: time range, caller, queue, agent, shortest duration, and the call's recording
    policy and hotline; newest first, a page at a time."""
    q = _text(request, "since", "until", "caller", "queue", "agent", "min_duration", "policy", "hotline")
    choices = _choices(request, q, "policy", "hotline")
    try:
        since, until = _window(q)
        min_duration = _seconds(q["min_duration"])
        limit, after, before = _paging(request, LIMIT)
        found = search_page(console(request).engine,
                            RecordingFilter(since, until, q["caller"], q["queue"], q["agent"], min_duration,
                                            policy=q["policy"], hotline=q["hotline"]),
                            limit, after, before)
    except ValueError as exc:
        return page("recordings.html", session, 400, q=q, rows=[], error=str(exc), choices=choices)
    return page("recordings.html", session, q=q, rows=found.rows, error="", choices=choices,
                **_pager(q, request, found.older, found.newer))


@router.get("/calls")
def calls(request: Request, session: SessionData = Depends(page_session)):
    """The call log: caller, called number, outcome, hotline, client, time range; newest first,
    a page at a time."""
    q = _text(request, "since", "until", "caller", "called", "outcome", "hotline", "client")
    choices = _choices(request, q, "hotline", "client")
    try:
        since, until = _window(q)
        limit, after, before = _paging(request, CALLS_LIMIT)
        found = search_calls(console(request).engine,
                             CallFilter(since, until, q["caller"], q["called"], q["outcome"], q["hotline"],
                                        q["client"]),
                             limit, after, before)
    except ValueError as exc:
        return page("calls.html", session, 400, q=q, rows=[], error=str(exc), choices=choices)
    return page("calls.html", session, q=q, rows=found.rows, error="", choices=choices,
                **_pager(q, request, found.older, found.newer))


@router.get("/recordings/{rec_id}")
def recording(request: Request, rec_id: str, session: SessionData = Depends(page_session)):
    info = recording_by_id(request, rec_id)
    return page("recording.html", session, r=info, formats=FORMATS,
                audit=audit_log(console(request).engine, unique_id=info.unique_id, limit=50))


@router.get("/calls/{unique_id}")
def call(request: Request, unique_id: str, session: SessionData = Depends(page_session)):
    engine = console(request).engine
    found = get_call(engine, unique_id)
    if found is None:
        raise HTTPException(404, f"no call {unique_id!r} in the call log")
    return page("call.html", session, c=call_summary(found), queue_rows=stays_of_call(engine, found.unique_id),
                recording=of_call(engine, found.unique_id))


def _dashboard_query(request: Request) -> dict:
    """The dashboard's filters; with no dates at all, the last DASHBOARD_DAYS days, shown in the form:
    a year of history is a choice, not what a click on the menu costs."""
    q = _text(request, "since", "until", "queue", "by", "hotline")
    if q["since"] is None and q["until"] is None:
        q["since"] = (datetime.now(timezone.utc).date() - timedelta(days=DASHBOARD_DAYS)).isoformat()
    return q


def _dashboard_zone(request: Request, hotline: str | None) -> tuple[str, str]:
    """(zone, note) of the dashboard's hours, days and dates: the hotline's; without one, the
    zone every hotline shares; hotlines in several zones: UTC, and a note saying so (a page
    that shows UTC, labelled, serves better than one that refuses; `ivr report` refuses)."""
    zones = console(request).hotlines
    try:
        tz = report_zone(zones, hotline, needed=False)
    except IVRError as exc:             # an unknown hotline: the message lists the known ones
        raise ValueError(str(exc)) from None
    if tz is not None:
        return tz, ""
    spread = sorted({z.timezone for z in zones.values()})
    return "UTC", f"hotlines in {', '.join(spread)}: hours in UTC; pick a hotline for its local hours"


def _handle_times(request: Request):
    """(query, grouping, zone, note, rows): the handle-time figures the page asks for."""
    q = _dashboard_query(request)
    by = q["by"] or "queue"
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    tz, note = _dashboard_zone(request, q["hotline"])
    since, until = parse_local_when("since", q["since"], tz), parse_local_when("until", q["until"], tz)
    if since is not None and until is not None and until <= since:
        raise ValueError(f"until {q['until']!r} is not after since {q['since']!r}")
    con = console(request)
    rows = handle_times(con.engine, since, until, queue=q["queue"], by=by, service_level_s=con.service_level_s,
                        tz=tz, hotline=q["hotline"])
    return q, by, tz, note, rows


def _dashboard_title(by: str, tz: str, hotline: str | None) -> str:
    return f"handle times by {by}, {tz}" + (f" (hotline {hotline})" if hotline else "")


@router.get("/dashboard")
def dashboard(request: Request, session: SessionData = Depends(page_session)):
    q = _dashboard_query(request)
    choices = _choices(request, q, "hotline")
    try:
        q, by, tz, note, rows = _handle_times(request)
    except ValueError as exc:
        return page("dashboard.html", session, 400, q=q, error=str(exc), query="", fields=[], rows=[], chart=False,
                    choices=choices, title="", note="")
    names = [f.name for f in fields(rows[0])] if rows else []
    query = urlencode({k: v for k, v in q.items() if v})
    return page("dashboard.html", session, q=q, error="", query=query, fields=names, choices=choices,
                rows=[[cell(v) for v in astuple(r)] for r in rows], chart=True,
                title=_dashboard_title(by, tz, q["hotline"]), note=note)


@router.get("/dashboard/chart.png")
def dashboard_chart(request: Request, session: SessionData = Depends(page_session)):
    try:
        q, by, tz, _, rows = _handle_times(request)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    with tempfile.TemporaryDirectory() as tmp:   # the report module writes files; reuse it as is
        out = Path(tmp) / "chart.png"
        render_report(rows, "png", out, title=_dashboard_title(by, tz, q["hotline"]))
        return Response(out.read_bytes(), media_type="image/png")


@router.get("/audit")
def audit(request: Request, session: SessionData = Depends(page_session)):
    q = _text(request, "since", "until", "call")
    try:
        since, until = _window(q)
        rows = audit_log(console(request).engine, since, until, unique_id=q["call"], limit=500)
    except ValueError as exc:
        return page("audit.html", session, 400, q=q, audit=[], error=str(exc))
    return page("audit.html", session, q=q, audit=rows, error="")
