"""Storing and reading recordings, the audit log and the retention purge.

Rows leave this module as frozen dataclasses (`RecordingInfo`,
`AuditInfo`), never as live ORM objects. Every deletion goes through
`delete_recording`, which removes the file, marks the row `deleted_at` and
writes an audit row; the row itself stays, so the log keeps its meaning.
A file in the recordings directory that no row names (an orphan) is
deleted by `delete_orphan`, audited the same way.

A row's `state`: `ok`; `empty`, the file holds no audio (a WAV header only,
or 0 bytes), left out of searches unless asked for; `repaired`, its WAV
header was never finalized and was rewritten from the file size.

A recording's hotline, client and recording policy are its call's (joined on
unique_id). Calls logged before hotlines had a policy stored none (""): they
were asked the consent question, so they count as `explicit`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, literal_column, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..menu.policy import RecordingPolicy
from ..errors import RecordingDeleted, RecordingFileMissing, UnknownRecording
from ..store.calls import PageKey, keyset_page
from ..store.models import AuditEntry, Call, HandleTimeRow, Recording, utcnow
from ..store.window import window

# Pictures the console makes of a recording, under the state dir, named by its sha256: purged with it.
WAVEFORMS = Path("web/waveforms")

# Recording.state
OK, EMPTY, REPAIRED = "ok", "empty", "repaired"
STATES = (OK, EMPTY, REPAIRED)

# The recording policies a search filters on (ivr.menu.policy.RecordingPolicy's values).
POLICIES = tuple(p.value for p in RecordingPolicy)   # explicit, announced, never


@dataclass(frozen=True)
class RecordingFilter:
    since: datetime | None = None      # on started_at, half-open [since, until)
    until: datetime | None = None
    caller: str | None = None          # a substring of the caller id
    queue: str | None = None
    agent: str | None = None
    min_duration: float | None = None  # seconds
    include_deleted: bool = False
    include_empty: bool = False        # files with no audio: not a recording to play
    policy: str | None = None          # the call's recording policy: explicit | announced | never
    hotline: str | None = None         # the call's hotline (its name in config.yaml's hotlines:)
    client: str | None = None


@dataclass(frozen=True)
class RecordingInfo:
    id: int
    unique_id: str
    caller_id: str
    queue: str
    agent: str
    started_at: datetime
    duration_s: float
    size_bytes: int
    path: str
    sha256: str
    deleted_at: datetime | None
    state: str = OK
    hotline: str = ""                 # the call's; "" when the call is not in the log
    recording_policy: str = ""        # the call's: explicit | announced | never ("" before hotlines)

    @classmethod
    def of(cls, row: Recording, hotline: str | None = "", policy: str | None = "") -> "RecordingInfo":
        return cls(row.id, row.unique_id, row.caller_id, row.queue, row.agent, row.started_at,
                   row.duration_s, row.size_bytes, row.path, row.sha256, row.deleted_at, row.state or OK,
                   hotline or "", policy or "")

    def to_json(self) -> dict:
        d = asdict(self)
        d["started_at"] = self.started_at.isoformat()
        d["deleted_at"] = self.deleted_at.isoformat() if self.deleted_at else None
        return d


@dataclass(frozen=True)
class AuditInfo:
    id: int
    at: datetime
    actor: str
    action: str
    unique_id: str
    detail: str

    def to_json(self) -> dict:
        return {**asdict(self), "at": self.at.isoformat()}


@dataclass(frozen=True)
class UnstoredCall:
    """A consenting call whose recording file is on disk but has no row yet."""

    unique_id: str
    caller_id: str
    at: datetime                      # consent time, else the call's start


@dataclass(frozen=True)
class NewRecording:
    """What finalize() learnt of a closed (or repaired) file."""

    unique_id: str
    caller_id: str
    queue: str
    agent: str
    started_at: datetime
    duration_s: float
    size_bytes: int
    path: str                         # relative to the recordings directory
    sha256: str
    state: str = OK


@dataclass(frozen=True)
class OrphanFile:
    """A file in the recordings directory that no (undeleted) row names."""

    path: str                         # relative to the recordings directory
    size_bytes: int
    modified: datetime

    def to_json(self) -> dict:
        return {"path": self.path, "size_bytes": self.size_bytes, "modified": self.modified.isoformat()}


@dataclass(frozen=True)
class PurgePlan:
    cutoff: datetime                  # recordings started (orphan files last modified) before this go
    items: tuple[RecordingInfo, ...]
    orphans: tuple[OrphanFile, ...] = ()


def store_row(engine: Engine, new: NewRecording) -> RecordingInfo:
    """Insert the row unless one exists for its unique_id (idempotent, race-safe)."""
    if new.state not in STATES:
        raise ValueError(f"recording state {new.state!r}: not one of {', '.join(STATES)}")
    by_uid = select(Recording).where(Recording.unique_id == new.unique_id)
    with Session(engine, expire_on_commit=False) as session:
        found = session.scalars(by_uid).first()
        if found is not None:
            return RecordingInfo.of(found)
        row = Recording(**asdict(new))
        session.add(row)
        try:
            session.commit()
            return RecordingInfo.of(row)
        except IntegrityError:  # another finalize() of the same call won
            session.rollback()
            return RecordingInfo.of(session.scalars(by_uid).one())


def _with_call():
    """Recordings with their call's hotline and recording policy beside them (LEFT OUTER: a
    recording whose call is not in the log still lists; calls.unique_id is unique, no row doubles)."""
    r = Recording
    return (select(r, func.coalesce(Call.hotline, literal_column("''")),
                   func.coalesce(Call.recording_policy, literal_column("''")))
            .outerjoin(Call, Call.unique_id == r.unique_id))


def _filtered(flt: RecordingFilter):
    r = Recording
    if flt.policy is not None and flt.policy not in POLICIES:
        raise ValueError(f"policy {flt.policy!r}: not one of {', '.join(POLICIES)}")
    stmt = window(_with_call(), r.started_at, flt.since, flt.until)
    if flt.policy == "explicit":    # "" too: calls from before hotlines were asked for consent
        stmt = stmt.where(or_(Call.recording_policy == "explicit", Call.recording_policy == ""))
    elif flt.policy is not None:
        stmt = stmt.where(Call.recording_policy == flt.policy)
    if flt.hotline:
        stmt = stmt.where(Call.hotline == flt.hotline)
    if flt.client:
        stmt = stmt.where(Call.client == flt.client)
    if flt.caller:
        stmt = stmt.where(r.caller_id.contains(flt.caller, autoescape=True))
    if flt.queue:
        stmt = stmt.where(r.queue == flt.queue)
    if flt.agent:
        stmt = stmt.where(r.agent == flt.agent)
    if flt.min_duration is not None:
        stmt = stmt.where(r.duration_s >= flt.min_duration)
    if not flt.include_deleted:
        stmt = stmt.where(r.deleted_at.is_(None))
    if not flt.include_empty:
        stmt = stmt.where(r.state != EMPTY)
    return stmt


def search(engine: Engine, flt: RecordingFilter = RecordingFilter(), limit: int | None = None) -> list[RecordingInfo]:
    """Newest first; ValueError for a policy that is none of POLICIES."""
    r = Recording
    stmt = _filtered(flt).order_by(r.started_at.desc(), r.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    with Session(engine) as session:
        return [RecordingInfo.of(*row) for row in session.execute(stmt)]


@dataclass(frozen=True)
class RecordingPage:
    """One page of a recordings search, newest first; `older`/`newer` start the next/previous page."""

    rows: tuple[RecordingInfo, ...]
    older: PageKey | None
    newer: PageKey | None


def search_page(engine: Engine, flt: RecordingFilter = RecordingFilter(), limit: int = 50,
                after: PageKey | None = None, before: PageKey | None = None) -> RecordingPage:
    """search() a page at a time: keyset pagination on (started_at, id), as the call log's;
    ValueError for a policy that is none of POLICIES."""
    rows, older, newer = keyset_page(engine, _filtered(flt), Recording.started_at, Recording.id, limit,
                                     after, before, RecordingInfo.of)
    return RecordingPage(tuple(rows), older, newer)


def get(engine: Engine, key: str | int) -> RecordingInfo:
    """By row id (digits) or by the call's unique id; UnknownRecording otherwise."""
    key = str(key)
    with Session(engine) as session:
        row = None
        if key.isdigit():
            row = session.execute(_with_call().where(Recording.id == int(key))).first()
        if row is None:
            row = session.execute(_with_call().where(Recording.unique_id == key)).first()
        if row is None:
            raise UnknownRecording(key)
        return RecordingInfo.of(*row)


def of_call(engine: Engine, unique_id: str) -> RecordingInfo | None:
    """The call's recording, unless deleted; None if it has none."""
    with Session(engine) as session:
        row = session.scalars(select(Recording).where(Recording.unique_id == unique_id,
                                                      Recording.deleted_at.is_(None))).first()
        return RecordingInfo.of(row) if row else None


def file_of(recordings_dir: Path, info: RecordingInfo) -> Path:
    """The file on disk, which must lie inside recordings_dir; RecordingFileMissing if not there."""
    base = Path(recordings_dir).resolve()
    path = (base / info.path).resolve()
    # The row's path is ours, but a row is data: never follow it out of the directory.
    if info.deleted_at is not None:
        raise RecordingDeleted(str(info.id), info.deleted_at.isoformat())
    if not path.is_relative_to(base) or not path.is_file():
        raise RecordingFileMissing(str(info.id), str(base / info.path))
    return path


def audit(engine: Engine, actor: str, action: str, unique_id: str, detail: str = "") -> None:
    with Session(engine) as session:
        session.add(AuditEntry(at=utcnow(), actor=actor, action=action, unique_id=unique_id, detail=detail))
        session.commit()


def audited_since(engine: Engine, actor: str, action: str, unique_id: str, since: datetime) -> bool:
    """Whether actor already has an `action` row for this call since `since`."""
    with Session(engine) as session:
        return session.scalars(select(AuditEntry.id).where(
            AuditEntry.actor == actor, AuditEntry.action == action, AuditEntry.unique_id == unique_id,
            AuditEntry.at >= since).limit(1)).first() is not None


def audit_log(engine: Engine, since: datetime | None = None, until: datetime | None = None,
              unique_id: str | None = None, action: str | None = None,
              limit: int | None = None) -> list[AuditInfo]:
    """Newest first."""
    a = AuditEntry
    stmt = window(select(a), a.at, since, until)
    if unique_id:
        stmt = stmt.where(a.unique_id == unique_id)
    if action:
        stmt = stmt.where(a.action == action)
    stmt = stmt.order_by(a.at.desc(), a.id.desc())
    if limit:
        stmt = stmt.limit(limit)
    with Session(engine) as session:
        return [AuditInfo(e.id, e.at, e.actor, e.action, e.unique_id, e.detail) for e in session.scalars(stmt)]


def live_rows(engine: Engine) -> list[RecordingInfo]:
    """Every recording not deleted, empty ones too, by path."""
    with Session(engine) as session:
        return [RecordingInfo.of(row) for row in
                session.scalars(select(Recording).where(Recording.deleted_at.is_(None)).order_by(Recording.path))]


def orphan_files(engine: Engine, recordings_dir: Path) -> list[OrphanFile]:
    """Regular files under recordings_dir that no undeleted row names, by path.
    A live call's file is one too until its row is stored: see its age."""
    from .files import files_in
    named = {Path(r.path).as_posix() for r in live_rows(engine)}
    return [OrphanFile(f.path, f.size_bytes, datetime.fromtimestamp(f.mtime, timezone.utc))
            for f in files_in(recordings_dir) if f.path not in named]


def purge_plan(engine: Engine, retention_days: int, now: datetime | None = None,
               recordings_dir: Path | None = None) -> PurgePlan:
    """The recordings started before retention_days ago, not yet deleted, empty ones
    too (oldest first); with recordings_dir, also the orphan files last modified before then."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    items = search(engine, RecordingFilter(until=cutoff, include_empty=True))
    orphans = () if recordings_dir is None else tuple(
        sorted((o for o in orphan_files(engine, recordings_dir) if o.modified < cutoff), key=lambda o: o.modified))
    return PurgePlan(cutoff, tuple(reversed(items)), orphans)


def delete_recording(engine: Engine, recordings_dir: Path, info: RecordingInfo, actor: str, why: str,
                     derived_dirs: tuple[Path, ...] = ()) -> None:
    """Remove the file (and what was made from it, e.g. waveform pictures named
    by its sha256 in derived_dirs), mark the row deleted and audit it, in that
    order: a crash between leaves a row whose file is gone, which a second purge finishes."""
    base = Path(recordings_dir).resolve()
    path = (base / info.path).resolve()
    detail = why
    if not path.is_relative_to(base):
        detail += f"; not removed: {path} is outside the recordings directory"
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            detail += "; file was already missing"
    if info.sha256:
        for d in derived_dirs:
            for made in Path(d).glob(f"{info.sha256}.*"):
                made.unlink(missing_ok=True)
    with Session(engine) as session:
        row = session.get(Recording, info.id)
        row.deleted_at = utcnow()
        session.add(AuditEntry(at=row.deleted_at, actor=actor, action="delete", unique_id=info.unique_id,
                               detail=f"{detail}; {info.path}"))
        session.commit()


def delete_orphan(engine: Engine, recordings_dir: Path, orphan: OrphanFile, actor: str, why: str) -> bool:
    """Remove a file no row names, and audit it (unique id: the file's name
    without its suffix, as MixMonitor names it). False if it was already gone."""
    base = Path(recordings_dir).resolve()
    path = (base / orphan.path).resolve()
    if not path.is_relative_to(base):
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    audit(engine, actor, "delete", Path(orphan.path).name.rsplit(".", 1)[0][:64],
          f"{why}; orphan file (no recordings row), {orphan.size_bytes} bytes, modified "
          f"{orphan.modified.isoformat()}; {orphan.path}")
    return True


def execute_purge(engine: Engine, recordings_dir: Path, plan: PurgePlan, actor: str, yes: bool = False,
                  derived_dirs: tuple[Path, ...] = ()) -> int:
    """Delete what the plan lists, only if yes; the number of recordings and orphan files deleted."""
    if not yes:
        return 0
    for info in plan.items:
        delete_recording(engine, recordings_dir, info, actor, f"retention: started before {plan.cutoff.isoformat()}",
                         derived_dirs)
    orphans = sum(delete_orphan(engine, recordings_dir, o, actor,
                                f"retention: modified before {plan.cutoff.isoformat()}") for o in plan.orphans)
    return len(plan.items) + orphans


def attach_queue_and_agent(engine: Engine, unique_id: str) -> bool:
    """Copy the call's last handle-time queue and agent onto its recording; False if none yet."""
    with Session(engine) as s, s.begin():
        ht = s.execute(select(HandleTimeRow.queue, HandleTimeRow.agent).where(HandleTimeRow.unique_id == unique_id)
                       .order_by(HandleTimeRow.entered_at.desc())).first()
        if ht is None:
            return False
        s.execute(update(Recording).where(Recording.unique_id == unique_id).values(queue=ht.queue, agent=ht.agent))
        return True


def unstored_consenting_calls(engine: Engine, recordings_dir: Path, fmt: str) -> list[UnstoredCall]:
    """Consenting calls with a file `<unique id>.<fmt>` in recordings_dir but
    no recording row (the controller stopped before storing it)."""
    with Session(engine) as s:
        rows = s.execute(select(Call.unique_id, Call.caller_id, Call.consent_at, Call.started_at)
                         .outerjoin(Recording, Recording.unique_id == Call.unique_id)
                         .where(Call.consent.is_(True), Recording.id.is_(None))).all()
    folder = Path(recordings_dir)
    return [UnstoredCall(uid, caller, consent_at or started) for uid, caller, consent_at, started in rows
            if "/" not in uid and (folder / f"{uid}.{fmt}").is_file()]
