"""Audio, downloads, exports and waveforms. Files are found only through a
recording row (the id in the URL is a number, never a path), and every
replay, download and export leaves an audit row."""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ..recordings.export import FORMATS, MEDIA_TYPES, export
from ..recordings.store import WAVEFORMS, audit, audited_since, file_of
from ..store.models import utcnow
from .auth import SessionData
from .context import check_csrf, console, media_session, page_session, recording_by_id
from .waveform import waveform_png

router = APIRouter()


# A player fetches one replay in many range requests (every seek is one): one
# audit row per user and recording in this window, whatever range comes first,
# so no way of asking for the bytes (suffix, multi-range, from byte 1) escapes it.
REPLAY_WINDOW = timedelta(minutes=10)


def _media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lstrip("."), mimetypes.guess_type(path.name)[0] or "application/octet-stream")


@router.get("/media/{rec_id}")
def stream(request: Request, rec_id: str, session: SessionData = Depends(media_session)):
    con = console(request)
    info = recording_by_id(request, rec_id)
    path = file_of(con.recordings_dir, info)
    range_header = request.headers.get("range")
    if not audited_since(con.engine, session.user, "play", info.unique_id, utcnow() - REPLAY_WINDOW):
        audit(con.engine, session.user, "play", info.unique_id, f"recording {info.id} ({range_header or 'whole file'})")
    # FileResponse answers Range with 206 + Content-Range, so the player can seek.
    return FileResponse(path, media_type=_media_type(path))


@router.get("/media/{rec_id}/download")
def download(request: Request, rec_id: str, session: SessionData = Depends(media_session)):
    con = console(request)
    info = recording_by_id(request, rec_id)
    path = file_of(con.recordings_dir, info)
    audit(con.engine, session.user, "download", info.unique_id, f"recording {info.id} as stored ({path.name})")
    return FileResponse(path, media_type=_media_type(path), filename=f"recording-{info.id}{path.suffix}")


@router.get("/media/{rec_id}/waveform.png")
def waveform(request: Request, rec_id: str, session: SessionData = Depends(media_session)):
    con = console(request)
    info = recording_by_id(request, rec_id)
    png = waveform_png(file_of(con.recordings_dir, info), con.state_dir / WAVEFORMS, info.sha256)
    return FileResponse(png, media_type="image/png")


@router.post("/recordings/{rec_id}/export")
def export_form(request: Request, rec_id: str, fmt: str = Form("wav"), csrf: str = Form(""),
                session: SessionData = Depends(page_session)):
    check_csrf(session, csrf)
    if fmt not in FORMATS:
        raise HTTPException(400, f"format must be one of {', '.join(FORMATS)}")
    con = console(request)
    info = recording_by_id(request, rec_id)
    tmp = Path(tempfile.mkdtemp(prefix="ivr-export-"))
    out = tmp / f"recording-{info.id}.{fmt}"

    def cleanup() -> None:
        shutil.rmtree(tmp, ignore_errors=True)
    try:
        export(con.engine, con.recordings_dir, info, out, fmt, session.user)
    except BaseException:
        cleanup()
        raise
    return FileResponse(out, media_type=MEDIA_TYPES[fmt], filename=out.name, background=BackgroundTask(cleanup))
