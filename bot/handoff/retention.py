"""Retention: what the hand-off and the assistant's logs keep about people, for N days.

``python -m bot.production retention --days N`` (a daily timer in deploy/systemd) calls
:func:`purge` with ``cutoff = now - N days``:

- closed hand-off requests closed before the cutoff go, with their messages (an open
  request stays, however old: somebody still owes the applicant an answer);
- finished deliveries (sent or dead) and web-chat inbox messages created before it go;
- the staff's to-do list of unanswered questions and the feedback rows go (they hold
  the applicants' own words or a pseudonymous link to them);
- the question log (counts for the dashboard) stays, anonymised: its sender hash is blanked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.admin.models import QuestionLog
from bot.handoff.models import (
    HandoffMessage,
    HandoffRequest,
    OutboxMessage,
    OutboxStatus,
    Status,
    WebInboxMessage,
)
from bot.handoff.outbox import rowcount
from knowledge_base.models import Feedback, UnansweredQuestion

ANONYMOUS = ""


def purge(session: Session, *, cutoff: datetime) -> int:
    """Delete or anonymise what is older than `cutoff` (see the module doc); rows touched."""
    closed = select(HandoffRequest.id).where(
        HandoffRequest.status == Status.CLOSED.value, HandoffRequest.closed_at < cutoff
    )
    statements = [
        delete(HandoffMessage).where(HandoffMessage.request_id.in_(closed)),
        delete(HandoffRequest).where(HandoffRequest.id.in_(closed)),
        delete(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.SENT.value, OutboxStatus.DEAD.value]),
            OutboxMessage.created_at < cutoff,
        ),
        delete(WebInboxMessage).where(WebInboxMessage.created_at < cutoff),
        delete(UnansweredQuestion).where(UnansweredQuestion.created_at < cutoff),
        delete(Feedback).where(Feedback.created_at < cutoff),
        update(QuestionLog)
        .where(QuestionLog.created_at < cutoff, QuestionLog.sender_hash != ANONYMOUS)
        .values(sender_hash=ANONYMOUS),
    ]
    return sum(rowcount(session.execute(statement)) for statement in statements)
