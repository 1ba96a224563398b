"""Marking the handle-time summary's hours stale, in the writers' own transactions.

The summary (report_hours, ivr/reports/summary/__init__.py) sums per UTC hour what the
detail report computes from handle_times and callback_attempts. Every change to what an
hour sums marks that hour in report_dirty_hours in the transaction making the change, so a
report never reads an hour whose change committed and was not marked. What changes an
hour's sums, and who marks it:

- a handle_times row landing (ivr/queues/store.py `insert_records`): its entry hour; and,
  when it is a callback's queue leg, that callback's (below);
- a callback attempt stored or finished (`claim_callback`, `finish_attempt`): its request
  time's hour (an answered callback counts there), its leg's entry hours (a leg is no
  caller's call) and the entry hours of the request's own rows in the request's queue (the
  timeout or full a callback answered is folded into it).

Rows written around these writers (a bulk import, a hand edit) are not marked: `ivr report
rebuild` recomputes every hour.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import insert, or_, select, tuple_
from sqlalchemy.engine import Connection

from .models import CallbackAttempt, CallbackRequest, HandleTimeRow, ReportDirtyHour


def hour_of(at: datetime | float) -> datetime:
    """The first instant (UTC, aware) of the UTC hour holding `at` (aware datetime or epoch s)."""
    epoch = at if isinstance(at, (int, float)) else at.timestamp()
    return datetime.fromtimestamp(int(epoch // 3600) * 3600, timezone.utc)


def mark_hours(conn: Connection, instants: Iterable[datetime | float]) -> None:
    """Mark the hours of `instants` stale (one mark per distinct hour)."""
    hours = sorted({hour_of(at) for at in instants})
    if hours:
        conn.execute(insert(ReportDirtyHour), [{"hour": h} for h in hours])


def mark_callbacks(conn: Connection, *, attempt_id: int | None = None,
                   leg_unique_ids: Iterable[str] = ()) -> None:
    """Mark what one attempt (by id), or the attempts whose queue legs are `leg_unique_ids`,
    count in: the request time's hour, the legs' and the request's own rows' entry hours."""
    a, r, t = CallbackAttempt, CallbackRequest, HandleTimeRow
    if attempt_id is not None:
        which = a.id == attempt_id
    else:
        uids = list(set(leg_unique_ids))
        if not uids:
            return
        which = a.queue_unique_id.in_(uids)
    found = conn.execute(select(a.requested_at, a.queue_unique_id, r.unique_id, r.queue)
                         .join(r, r.id == a.request_id).where(which)).all()
    if not found:
        return
    rows = select(t.entered_at).where(or_(
        t.unique_id.in_([leg for _, leg, _, _ in found]),
        tuple_(t.unique_id, t.queue).in_([(uid, queue) for _, _, uid, queue in found])))
    mark_hours(conn, [at for at, _, _, _ in found] + list(conn.execute(rows).scalars()))

