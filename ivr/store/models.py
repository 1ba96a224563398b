"""Tables of the call log (SQLAlchemy 2 declarative)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, Numeric, String, Text,
                        TypeDecorator, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC when read, on SQLite too
    (which keeps no zone): no reader has to mend naive values on its own."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        # SQLite stores the wall-clock text: make it UTC's. A naive value is taken as UTC.
        return value.astimezone(timezone.utc) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Call(Base):
    __tablename__ = "calls"
    # The console's call log search: newest first, keyset on (started_at, id), alone or within one
    # caller, called number or outcome (migration 0008).
    __table_args__ = (Index("ix_calls_started_id", "started_at", "id"),
                      Index("ix_calls_caller_started", "caller_id", "started_at", "id"),
                      Index("ix_calls_called_started", "called", "started_at", "id"),
                      Index("ix_calls_outcome_started", "outcome", "started_at", "id"),
                      Index("ix_calls_hotline_started", "hotline", "started_at", "id"),   # migration 0012
                      Index("ix_calls_client_started", "client", "started_at", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unique_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    caller_id: Mapped[str] = mapped_column(String(64), default="")
    called: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    config_version: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    digits: Mapped[str] = mapped_column(String(256), default="")
    outcome: Mapped[str] = mapped_column(String(128), default="")
    hangup_cause: Mapped[str] = mapped_column(String(64), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # None: never asked; the caller's choice and when it was made (issue: consent)
    consent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The FastAGI session that owns the row (its random token) and the controller that ran it:
    # only that session may complete the row; the start-up sweep closes its controller's lost calls.
    session: Mapped[str] = mapped_column(String(32), default="")
    owner: Mapped[str] = mapped_column(String(128), default="", index=True)
    # The hotline the number called belongs to, its client, and its recording policy then.
    hotline: Mapped[str] = mapped_column(String(64), default="", index=True)
    client: Mapped[str] = mapped_column(String(64), default="", index=True)
    recording_policy: Mapped[str] = mapped_column(String(16), default="")
    # The Asterisk that took the call: its `systemname` (asterisk.conf), which the dialplan passes
    # to the controller; "" before migration 0014 or from an Asterisk that has none.
    asterisk: Mapped[str] = mapped_column(String(64), default="", server_default="")

    steps: Mapped[list["Step"]] = relationship(back_populates="call", order_by="Step.seq",
                                               cascade="all, delete-orphan")


class Step(Base):
    """One thing the interpreter did on a call: the raw material of the funnel."""

    __tablename__ = "call_steps"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    node: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    digits: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    call: Mapped[Call] = relationship(back_populates="steps")


class HandleTimeRow(Base):
    """One queued call's figures, folded from app_queue events."""

    __tablename__ = "handle_times"
    __table_args__ = (UniqueConstraint("unique_id", "queue", "entered_second"),
                      # Wait percentiles on SQLite (ivr/reports/store.py): a group's answered waits in
                      # order, the window's entered_at read from the index (migration 0011).
                      Index("ix_handle_times_pct_queue", "outcome", "queue", "wait_s", "entered_at"),
                      Index("ix_handle_times_pct_agent", "outcome", "agent", "wait_s", "entered_at"),
                      Index("ix_handle_times_pct_all", "outcome", "wait_s", "entered_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unique_id: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64), index=True)
    entered_second: Mapped[int] = mapped_column(Integer)  # the key AMI and queue_log agree on
    caller_id: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(128), default="", index=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    wait_s: Mapped[float] = mapped_column(Float, default=0.0)
    ring_s: Mapped[float] = mapped_column(Float, default=0.0)
    talk_s: Mapped[float] = mapped_column(Float, default=0.0)   # bridged with the agent, hold excluded
    hold_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")  # agent hold (MOH) while bridged
    wrapup_s: Mapped[float] = mapped_column(Float, default=0.0)
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(16), default="")
    first_position: Mapped[int] = mapped_column(Integer, default=0)
    last_position: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The Asterisk whose app_queue events made the record: the `name` of its `ami:` entry
    # (its systemname); "" before migration 0014.
    asterisk: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Tariff(Base):
    """A price, valid over a period: the one in force at the call's time is read out."""

    __tablename__ = "tariffs"
    __table_args__ = (UniqueConstraint("name", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    group: Mapped[str] = mapped_column(String(64), default="")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    unit: Mapped[str] = mapped_column(String(16), default="month")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)  # inclusive; None = open


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    pin_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str] = mapped_column(String(128), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    balance: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    tariff: Mapped[str] = mapped_column(String(64), default="")
    failed_pins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    phones: Mapped[list["AccountPhone"]] = relationship(back_populates="account", cascade="all, delete-orphan")


class AccountPhone(Base):
    """A caller id known to belong to an account: such a caller is identified at once."""

    __tablename__ = "account_phones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True, index=True)

    account: Mapped[Account] = relationship(back_populates="phones")


class BillingRule(Base):
    """A billing rule as a prompt per language (`{say: billing_rules}`)."""

    __tablename__ = "billing_rules"
    __table_args__ = (UniqueConstraint("name", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    prompt: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Recording(Base):
    """A finished MixMonitor file of a consenting call."""

    __tablename__ = "recordings"
    __table_args__ = (Index("ix_recordings_started_id", "started_at", "id"),)   # search pages (migration 0008)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unique_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)  # the call's
    caller_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    queue: Mapped[str] = mapped_column(String(64), default="", index=True)
    agent: Mapped[str] = mapped_column(String(128), default="", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    path: Mapped[str] = mapped_column(String(512))   # relative to the recordings directory
    sha256: Mapped[str] = mapped_column(String(64), default="")
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # ok | empty (header only or 0 bytes: no audio) | repaired (header sizes rewritten from the file size)
    state: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok", index=True)


class AuditEntry(Base):
    """Who did what to a recording (replay, download, export, delete): personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))           # a console user, or "cli:<unix user>"
    action: Mapped[str] = mapped_column(String(32), index=True)
    unique_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class User(Base):
    """An ops console login; the password only as a hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))   # ops | admin
    # Sessions issued before this are refused: set at logout and on a new password or role.
    sessions_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CallbackRequest(Base):
    """A caller who asked to be called back (a queue's timeout, full or closed path)."""

    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unique_id: Mapped[str] = mapped_column(String(64), index=True)     # the call that asked
    caller_id: Mapped[str] = mapped_column(String(64), default="")
    account: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(8), default="")
    queue: Mapped[str] = mapped_column(String(64), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str] = mapped_column(String(64), default="")
    # The callback dialer's (migration 0013): waiting -> dialing -> waiting | done | failed.
    state: Mapped[str] = mapped_column(String(16), default="waiting", server_default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (Index("ix_callback_requests_state_queue", "state", "queue"),)


class CallbackAttempt(Base):
    """One call the dialer placed for a request, and how it ended (migration 0013)."""

    __tablename__ = "callback_attempts"
    __table_args__ = (UniqueConstraint("request_id", "attempt", name="uq_callback_attempts_request_attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)                  # 1, 2, ... of its request
    queue: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))                  # agent-first | caller-first
    controller: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    queue_unique_id: Mapped[str] = mapped_column(String(64), index=True, unique=True)   # its handle_times.unique_id
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the caller's virtual place
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[str] = mapped_column(String(16))                # dialing while it runs
    detail: Mapped[str] = mapped_column(String(128), default="", server_default="")


class SurveyAnswer(Base):
    """One answer to a survey question (a `survey` node), kept per call, agent, queue and hotline.
    A question the caller did not answer has no row: a non-response is never a score."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("unique_id", "question", name="uq_survey_answers_call_question"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unique_id: Mapped[str] = mapped_column(String(64), index=True)        # the call answered about
    question: Mapped[str] = mapped_column(String(64), index=True)
    score: Mapped[int] = mapped_column(Integer)                           # 1..scale; yes-no: 1 yes, 0 no
    scale: Mapped[int] = mapped_column(Integer)                           # 1 for a yes/no question
    queue: Mapped[str] = mapped_column(String(64), default="", index=True)
    agent: Mapped[str] = mapped_column(String(128), default="", index=True)
    hotline: Mapped[str] = mapped_column(String(64), default="", index=True)
    client: Mapped[str] = mapped_column(String(64), default="", index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# ---- the handle-time report's summary (migration 0015; ivr/reports/summary/__init__.py) ----

class ReportHour(Base):
    """The handle-time figures' additive sums of one UTC hour, queue and agent: `part` 0 the
    handle_times rows of callers on the line entered in the hour, `part` 1 the callbacks
    answered whose request time is in it (added as ivr/reports/store.py's `_plus` adds them).
    Seconds throughout; `in_sl` for the threshold in report_summary.service_level_s."""

    __tablename__ = "report_hours"

    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)   # the hour's first instant
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent: Mapped[str] = mapped_column(String(128), primary_key=True)
    part: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    calls: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    abandoned: Mapped[int] = mapped_column(Integer)
    timeout: Mapped[int] = mapped_column(Integer)
    full: Mapped[int] = mapped_column(Integer)
    empty: Mapped[int] = mapped_column(Integer)
    in_sl: Mapped[int] = mapped_column(Integer)
    handle_s: Mapped[float] = mapped_column(Float)
    wait_s: Mapped[float] = mapped_column(Float)                 # answered callers on the line (ASA's)
    longest_wait_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    talk_s: Mapped[float] = mapped_column(Float)
    hold_s: Mapped[float] = mapped_column(Float)
    callbacks: Mapped[int] = mapped_column(Integer)
    callback_waits: Mapped[int] = mapped_column(Integer)
    callback_wait_s: Mapped[float] = mapped_column(Float)


class ReportDirtyHour(Base):
    """A UTC hour whose report_hours rows may be out of date: marked in the transaction that
    changed what they sum (ivr/store/report_marks.py), cleared by the refresh that recomputed
    them. Not unique per hour: a refresh clears only the marks it read."""

    __tablename__ = "report_dirty_hours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime())


class ReportSummaryState(Base):
    """One row (id 1): the service-level threshold the summary was built for (None: never
    built, the reports read the detail rows) and when it was last built and refreshed."""

    __tablename__ = "report_summary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    service_level_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
