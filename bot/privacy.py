"""`/usun_dane` beyond the hand-off tables: the knowledge-base logs and Rasa's tracker.

The hand-off service deletes requests, messages and deliveries; this module deletes the
rest of what is stored about one sender:

- the staff's statistics and to-do lists keep the sender only as a pseudonymous hash
  (``knowledge_base.answering.sender_hash``), but the hash still links rows to one person,
  so the rows of that hash go too (question log, feedback, unanswered questions);
- Rasa's tracker (the conversation itself) is forgotten through
  ``bot.production.forget_conversation``: SQL in the production profile, Rasa's HTTP API in
  the embedded one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.admin.models import QuestionLog
from bot.handoff.outbox import rowcount
from bot.settings import Settings
from knowledge_base.answering import sender_hash
from knowledge_base.models import Feedback, UnansweredQuestion

logger = logging.getLogger(__name__)

TrackerForgetter = Callable[[str], Awaitable[None]]
"""Forgets one sender's Rasa conversation; never raises (a failure is logged)."""


def delete_kb_traces(session: Session, sender_id: str) -> int:
    """Delete the sender's question-log, feedback and unanswered-question rows; the count."""
    hashed = sender_hash(sender_id)
    return sum(
        rowcount(session.execute(delete(model).where(model.sender_hash == hashed)))
        for model in (QuestionLog, Feedback, UnansweredQuestion)
    )


def rasa_tracker_forgetter(settings: Settings) -> TrackerForgetter:
    """A `TrackerForgetter` for the running profile (see ``forget_conversation``)."""

    async def forget(sender_id: str) -> None:
        from bot.production import forget_conversation  # redis/httpx only when needed

        try:
            events = await asyncio.to_thread(forget_conversation, sender_id, settings)
        except Exception:
            logger.exception("could not delete the Rasa tracker of a sender")
            return
        logger.info("rasa tracker deleted events=%s", events)

    return forget
