"""Server-rendered pages: recordings search and detail, call detail,
handle-time dashboard, audit log. Reading metadata is not a replay: only
the media endpoints write audit rows."""

from __future__ import annotations

import tempfile
from dataclasses import astuple, fields
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from ..queues.store import stays_of_call
from ..recordings.export import FORMATS
from ..recordings.store import RecordingFilter, audit_log, of_call, search
from ..reports.handle_times import GROUPINGS, handle_times
from ..reports.output import cell, render as render_report
from ..store.calls import call_summary, get_call
from ..store.window import parse_when
from .auth import SessionData
from .context import console, page, page_session, recording_by_id

router = APIRouter()
LIMIT = 200


def _text(request: Request, *names: str) -> dict[str, str | None]:
    return {n: (request.query_params.get(n) or "").strip() or None for n in names}


def _window(q: dict) -> tuple:
    return parse_when("since", q["since"]), parse_when("until", q["until"])


def _seconds(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"min duration {text!r}: not a number of seconds") from None


@router.get("/recordings")
def recordings(request: Request, session: SessionData = Depends(page_session)):
    q = _text(request, "since", "until", "caller", "queue", "agent", "min_duration")
    rows, error = [], ""
    try:
        since, until = _window(q)
        min_duration = _seconds(q["min_duration"])
        rows = search(console(request).engine,
                      RecordingFilter(since, until, q["caller"], q["queue"], q["agent"], min_duration), LIMIT)
    except ValueError as exc:
        error = str(exc)
    return page("recordings.html", session, q=q, rows=rows, error=error)


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


def _handle_times(request: Request):
    q = _text(request, "since", "until", "queue", "by")
    by = q["by"] or "queue"
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    since, until = _window(q)
    con = console(request)
    return q, by, handle_times(con.engine, since, until, queue=q["queue"], by=by,
                               service_level_s=con.service_level_s)


@router.get("/dashboard")
def dashboard(request: Request, session: SessionData = Depends(page_session)):
    try:
        q, by, rows = _handle_times(request)
        error = ""
    except ValueError as exc:
        q, rows, error = _text(request, "since", "until", "queue", "by"), [], str(exc)
    names = [f.name for f in fields(rows[0])] if rows else []
    query = urlencode({k: v for k, v in q.items() if v})
    return page("dashboard.html", session, q=q, error=error, query=query, fields=names,
                rows=[[cell(v) for v in astuple(r)] for r in rows])


@router.get("/dashboard/chart.png")
def dashboard_chart(request: Request, session: SessionData = Depends(page_session)):
    try:
        q, by, rows = _handle_times(request)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None
    with tempfile.TemporaryDirectory() as tmp:   # the report module writes files; reuse it as is
        out = Path(tmp) / "chart.png"
        render_report(rows, "png", out, title=f"handle times by {by}")
        return Response(out.read_bytes(), media_type="image/png")


@router.get("/audit")
def audit(request: Request, session: SessionData = Depends(page_session)):
    q = _text(request, "since", "until", "call")
    rows, error = [], ""
    try:
        since, until = _window(q)
        rows = audit_log(console(request).engine, since, until, unique_id=q["call"], limit=500)
    except ValueError as exc:
        error = str(exc)
    return page("audit.html", session, q=q, audit=rows, error=error)
