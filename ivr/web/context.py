"""What every request handler needs: the console's state and the session checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine

from ..errors import LoginRequired
from ..recordings.store import RecordingInfo, get
from ..reports._common import HotlineZone
from .auth import SESSION_COOKIE, SessionData, Signer, tokens_match
from .templates import render
from .users import current_session

_ID = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Console:
    engine: Engine
    recordings_dir: Path
    state_dir: Path
    signer: Signer
    retention_days: int
    service_level_s: float
    # The config's hotlines with client and zone (ivr/reports/_common.py): the searches' hotline
    # and client choices, and the zone of the dashboard's hours. {} for a config with none.
    hotlines: Mapping[str, HotlineZone] = field(default_factory=dict)


def console(request: Request) -> Console:
    return request.app.state.console


def _session(request: Request) -> SessionData | None:
    con = console(request)
    cookie = con.signer.load(request.cookies.get(SESSION_COOKIE))
    return current_session(con.engine, cookie) if cookie is not None else None


def page_session(request: Request) -> SessionData:
    session = _session(request)
    if session is None:
        raise LoginRequired(media=False)
    return session


def media_session(request: Request) -> SessionData:
    session = _session(request)
    if session is None:
        raise LoginRequired(media=True)
    return session


def admin_session(request: Request) -> SessionData:
    session = page_session(request)
    if not session.is_admin:
        raise HTTPException(403, f"{session.user} is {session.role}: purging needs the admin role")
    return session


def check_csrf(session: SessionData, token: str | None) -> None:
    if not tokens_match(session.csrf, token):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def recording_by_id(request: Request, rec_id: str) -> RecordingInfo:
    """Only a row id from the URL; the file path always comes from the row."""
    if not _ID.fullmatch(rec_id):
        raise HTTPException(404, "no such recording")
    return get(console(request).engine, rec_id)


def page(name: str, session: SessionData | None, status: int = 200, **values) -> HTMLResponse:
    return HTMLResponse(render(name, session=session, **values), status_code=status)
