"""Post-call survey answers: stored per call, agent, queue and hotline, and read
back for `ivr report survey`.

An answer is written once per call and question (a retry after an outage, or
a spool replayed, never doubles it). The agent is taken from the call's
answered handle-time record in that queue when it is already stored, and
otherwise at read time: AMI's record may land after the caller answered.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .models import HandleTimeRow, SurveyAnswer
from .writer import BatchWriter

log = logging.getLogger("ivr.store.surveys")


@dataclass(frozen=True)
class SurveyAnswerItem:
    """One answer as the controller hands it over."""

    unique_id: str
    question: str
    score: int
    scale: int
    queue: str
    hotline: str
    client: str
    answered_at: datetime
    agent: str = ""


@dataclass(frozen=True)
class SurveyAnswerView:
    """One stored answer, with its agent resolved."""

    unique_id: str
    question: str
    score: int
    scale: int
    queue: str
    agent: str
    hotline: str
    client: str
    answered_at: datetime


def _agent_subquery(answer=SurveyAnswer):
    t = HandleTimeRow
    return (select(func.max(t.agent))
            .where(t.unique_id == answer.unique_id, t.queue == answer.queue, t.answered_at.is_not(None))
            .scalar_subquery())


def store_answers(engine: Engine, items: list[SurveyAnswerItem]) -> int:
    """Store answers not stored yet (one per call and question); how many were new."""
    new = 0
    with Session(engine) as s, s.begin():
        for item in items:
            known = s.scalars(select(SurveyAnswer.id).where(SurveyAnswer.unique_id == item.unique_id,
                                                            SurveyAnswer.question == item.question)).first()
            if known is not None:
                continue
            agent = item.agent or s.scalar(
                select(func.max(HandleTimeRow.agent)).where(HandleTimeRow.unique_id == item.unique_id,
                                                            HandleTimeRow.queue == item.queue,
                                                            HandleTimeRow.answered_at.is_not(None))) or ""
            s.add(SurveyAnswer(unique_id=item.unique_id, question=item.question, score=item.score,
                               scale=item.scale, queue=item.queue, agent=agent, hotline=item.hotline,
                               client=item.client, answered_at=item.answered_at))
            s.flush()
            new += 1
    return new


def answers(engine: Engine, since: datetime, until: datetime, client: str = "", hotline: str = "",
            queue: str = "") -> list[SurveyAnswerView]:
    """Answers given in [since, until), oldest first; the agent from the handle-time record
    when the answer was stored before it."""
    a = SurveyAnswer
    agent = func.coalesce(func.nullif(a.agent, ""), _agent_subquery(), "")
    stmt = (select(a.unique_id, a.question, a.score, a.scale, a.queue, agent, a.hotline, a.client, a.answered_at)
            .where(and_(a.answered_at >= since, a.answered_at < until)).order_by(a.answered_at, a.id))
    if client:
        stmt = stmt.where(a.client == client)
    if hotline:
        stmt = stmt.where(a.hotline == hotline)
    if queue:
        stmt = stmt.where(a.queue == queue)
    with engine.connect() as conn:
        return [SurveyAnswerView(*row) for row in conn.execute(stmt)]


class SurveyWriter(BatchWriter[SurveyAnswerItem]):
    """Stores answers off the event loop, spooling them while the database is away;
    store_answers is idempotent, so a replayed batch never doubles an answer."""

    thread_name = "survey-writer"
    logger = log

    def __init__(self, engine: Engine, spool_dir: Path | None = None):
        self.engine = engine
        super().__init__(50, spool_dir)

    def write(self, items: list[SurveyAnswerItem]) -> None:
        store_answers(self.engine, items)

    def describe(self, label: str, unit: list[SurveyAnswerItem]) -> tuple[str, dict]:
        return f"could not store the survey answer to {unit[0].question!r}", {"uid": unit[0].unique_id}

    def encode(self, item: SurveyAnswerItem) -> dict:
        return {**dataclasses.asdict(item), "answered_at": item.answered_at.isoformat()}

    def decode(self, data: dict) -> SurveyAnswerItem:
        return SurveyAnswerItem(**{**data, "answered_at": datetime.fromisoformat(data["answered_at"])})
