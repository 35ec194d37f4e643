"""Retention: closed hand-off data and the assistant's logs older than the cutoff go."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.admin.models import QuestionLog
from bot.admin.queries import log_question
from bot.handoff.db import Database
from bot.handoff.models import HandoffMessage, HandoffRequest, OutboxMessage, OutboxStatus
from bot.handoff.retention import ANONYMOUS, purge
from bot.handoff.service import HandoffService
from knowledge_base.models import Feedback, UnansweredQuestion
from tests.handoff.conftest import ManualClock, open_for

OLD_CLOSED = "telegram:1001"
OLD_OPEN = "telegram:1002"
RECENT_CLOSED = "telegram:1003"


def _logs(session: Session, hashed: str, at: Any) -> None:
    log_question(session, sender_hash=hashed, outcome="answered", entry_id=None, topic=None,
                 at=at)  # fmt: skip
    session.add(Feedback(sender_hash=hashed, entry_id="x", useful=True, created_at=at))
    session.add(UnansweredQuestion(text="Czy mogę?", normalised_text="czy moge",
                                   sender_hash=hashed, reason="dont_know", entry_id=None,
                                   created_at=at))  # fmt: skip


def test_purge_deletes_old_closed_requests_and_logs_and_keeps_the_rest(
    db: Database, service: HandoffService, clock: ManualClock
) -> None:
    for model in (QuestionLog, Feedback, UnansweredQuestion):  # PostgreSQL keeps other tests' rows
        db.run(lambda s, model=model: s.execute(delete(model)))
    old = open_for(db, service, OLD_CLOSED)
    db.run(lambda s: service.close(s, number=old.id, by="koordynator"))
    open_for(db, service, OLD_OPEN)
    db.run(lambda s: _logs(s, "old", clock.now))
    db.run(lambda s: s.execute(update(OutboxMessage).values(status=OutboxStatus.SENT.value)))
    clock.advance(days=100)
    recent = open_for(db, service, RECENT_CLOSED)
    db.run(lambda s: service.close(s, number=recent.id, by="koordynator"))
    db.run(lambda s: _logs(s, "new", clock.now))

    touched = db.run(lambda s: purge(s, cutoff=clock.now - timedelta(days=90)))

    def state(session: Session) -> dict[str, Any]:
        return {
            "requests": sorted(session.scalars(select(HandoffRequest.sender_id))),
            "messages_of_old": session.scalars(
                select(HandoffMessage).where(HandoffMessage.request_id == old.id)
            ).all(),
            "old_outbox_sent": session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.status == OutboxStatus.SENT.value,
                    OutboxMessage.created_at < clock.now - timedelta(days=90),
                )
            ).all(),
            "feedback": sorted(session.scalars(select(Feedback.sender_hash))),
            "unanswered": sorted(session.scalars(select(UnansweredQuestion.sender_hash))),
            "log": sorted(session.scalars(select(QuestionLog.sender_hash))),
        }

    after = db.run(state)
    assert touched > 0
    assert after["requests"] == [OLD_OPEN, RECENT_CLOSED]  # open requests stay, however old
    assert after["messages_of_old"] == []
    assert after["old_outbox_sent"] == []
    assert after["feedback"] == ["new"]
    assert after["unanswered"] == ["new"]
    assert after["log"] == sorted([ANONYMOUS, "new"])  # counts stay, anonymised
    assert db.run(lambda s: purge(s, cutoff=clock.now - timedelta(days=90))) == 0
