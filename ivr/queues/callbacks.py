"""Callback requests: stored by a `callback` node, worked off by the call centre
with `ivr callbacks list|done`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..errors import IVRError
from ..store.models import CallbackRequest, utcnow


@dataclass(frozen=True)
class CallbackView:
    id: int
    unique_id: str
    caller_id: str
    account: str
    language: str
    queue: str
    requested_at: str
    done_at: str | None
    done_by: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _view(r: CallbackRequest) -> CallbackView:
    return CallbackView(r.id, r.unique_id, r.caller_id, r.account, r.language, r.queue,
                        _iso(r.requested_at), _iso(r.done_at), r.done_by)


def request_callback(engine: Engine, unique_id: str, caller_id: str, account: str, language: str,
                     queue: str, at: datetime) -> int:
    """Store one request; its id. One per call and queue: a caller passing the node twice asked once."""
    with Session(engine) as s, s.begin():
        known = s.scalars(select(CallbackRequest.id).where(CallbackRequest.unique_id == unique_id,
                                                           CallbackRequest.queue == queue)).first()
        if known is not None:
            return known
        row = CallbackRequest(unique_id=unique_id, caller_id=caller_id, account=account, language=language,
                              queue=queue, requested_at=at, done_by="")
        s.add(row)
        s.flush()
        return row.id


def list_callbacks(engine: Engine, queue: str = "", pending_only: bool = True) -> list[CallbackView]:
    stmt = select(CallbackRequest).order_by(CallbackRequest.requested_at, CallbackRequest.id)
    if queue:
        stmt = stmt.where(CallbackRequest.queue == queue)
    if pending_only:
        stmt = stmt.where(CallbackRequest.done_at.is_(None))
    with Session(engine) as s:
        return [_view(r) for r in s.scalars(stmt)]


def mark_done(engine: Engine, request_id: int, by: str) -> CallbackView:
    with Session(engine) as s, s.begin():
        row = s.get(CallbackRequest, request_id)
        if row is None:
            raise IVRError(f"callback request {request_id}: no such request")
        if row.done_at is not None:
            raise IVRError(f"callback request {request_id}: already done by {row.done_by} at {_iso(row.done_at)}")
        row.done_at, row.done_by = utcnow(), by
        return _view(row)
