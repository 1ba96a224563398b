"""Audio, downloads, exports and waveforms. Files are found only through a
recording row (the id in the URL is a number, never a path), and every
replay, download and export leaves an audit row."""

from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from ..recordings.export import FORMATS, MEDIA_TYPES, export
from ..recordings.store import audit, file_of
from .auth import SessionData
from .context import check_csrf, console, media_session, page_session, recording_by_id
from .waveform import waveform_png

router = APIRouter()


def _first_request(range_header: str | None) -> bool:
    """A player's first fetch of a file (no Range, or from byte 0); seeks come with a later start."""
    if not range_header:
        return True
    return range_header.replace(" ", "").lower().startswith("bytes=0-")


def _media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lstrip("."), mimetypes.guess_type(path.name)[0] or "application/octet-stream")


@router.get("/media/{rec_id}")
def stream(request: Request, rec_id: str, session: SessionData = Depends(media_session)):
    con = console(request)
    info = recording_by_id(request, rec_id)
    path = file_of(con.recordings_dir, info)
    range_header = request.headers.get("range")
    if _first_request(range_header):
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
    png = waveform_png(file_of(con.recordings_dir, info), con.state_dir / "web/waveforms", info.sha256)
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
    export(con.engine, con.recordings_dir, info, out, fmt, session.user)

    def cleanup() -> None:
        out.unlink(missing_ok=True)
        tmp.rmdir()
    return FileResponse(out, media_type=MEDIA_TYPES[fmt], filename=out.name, background=BackgroundTask(cleanup))
