"""The question-answering use case behind the Rasa actions.

Combines retrieval, follow-up context, call deadlines computed against today's date in
Europe/Warsaw, and the record of unanswered questions and feedback for the staff.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from knowledge_base.calls import describe_deadline
from knowledge_base.context import contextual_query, is_follow_up
from knowledge_base.documents import Band, SearchResult
from knowledge_base.responder import NONE_OF_THESE, Reply, answer_document, dont_know, respond

if TYPE_CHECKING:
    from bot.settings import Settings
    from knowledge_base.service import KnowledgeService

DEADLINE_TOPIC = "terminy"
HANDOFF_FALLBACK = (
    "Twoje pytanie wymaga rozmowy z człowiekiem. Koordynator projektu (Fundacja Studio M6): "
    "Mariusz Godlejewski, Dyrektor Biura Projektów, tel. +48 786 020 704."
)


def sender_hash(sender_id: str) -> str:
    """Pseudonymous id for statistics: staff see patterns, not people."""
    return hashlib.sha256(sender_id.encode()).hexdigest()[:16]


class Answerer:
    """Answers one message at a time; stateless apart from the knowledge service's cache."""

    def __init__(self, knowledge: KnowledgeService, clock: Callable[[], datetime]):
        self._knowledge = knowledge
        self._clock = clock

    def answer(
        self,
        text: str,
        *,
        topic_hint: str | None,
        last_entry_id: str | None,
        misunderstandings_before: int,
        sender_id: str,
    ) -> Reply:
        result = self._search(text, topic_hint=topic_hint, last_entry_id=last_entry_id)
        best = result.best
        extra = None
        if best is not None and result.band is Band.ANSWER:
            extra = self._deadline_line(best.document.call_code, best.document.topic, topic_hint)
        reply = respond(result, misunderstandings_before=misunderstandings_before, extra=extra)
        if result.band is Band.DONT_KNOW:
            self._knowledge.record_unanswered(
                text=text, sender_hash=sender_hash(sender_id), reason="dont_know"
            )
        return reply

    def choose(self, entry_id: str, *, misunderstandings_before: int, sender_id: str) -> Reply:
        """The user picked a suggestion (or "none of these")."""
        document = None if entry_id == NONE_OF_THESE else self._knowledge.get_document(entry_id)
        if document is None:
            self._knowledge.record_unanswered(
                text=f"[odrzucone sugestie] {entry_id}",
                sender_hash=sender_hash(sender_id),
                reason="suggest_rejected",
            )
            return dont_know(misunderstandings_before=misunderstandings_before)
        extra = self._deadline_line(document.call_code, document.topic, None)
        return answer_document(document, extra=extra)

    def record_feedback(
        self, *, entry_id: str | None, useful: bool, sender_id: str, text: str
    ) -> None:
        self._knowledge.record_feedback(
            entry_id=entry_id, useful=useful, sender_hash=sender_hash(sender_id)
        )
        if not useful:
            self._knowledge.record_unanswered(
                text=text, sender_hash=sender_hash(sender_id), reason="unhelpful"
            )

    def handoff_fallback_text(self) -> str:
        return HANDOFF_FALLBACK

    def _search(
        self, text: str, *, topic_hint: str | None, last_entry_id: str | None
    ) -> SearchResult:
        plain = self._knowledge.search(text, topic_hint=topic_hint)
        if not last_entry_id or not is_follow_up(text):
            return plain
        previous = self._knowledge.get_document(last_entry_id)
        if previous is None:
            return plain
        enriched = self._knowledge.search(
            contextual_query(text, previous.title), topic_hint=topic_hint or previous.topic
        )
        plain_score = plain.best.score if plain.best else 0.0
        enriched_score = enriched.best.score if enriched.best else 0.0
        return enriched if enriched_score >= plain_score else plain

    def _deadline_line(
        self, call_code: str | None, topic: str, topic_hint: str | None
    ) -> str | None:
        if not call_code or DEADLINE_TOPIC not in (topic, topic_hint):
            return None
        call = self._knowledge.get_call(call_code)
        return describe_deadline(call, self._clock()) if call is not None else None


def build_answerer(settings: Settings) -> Answerer:
    """Wire the real knowledge service (database + Polish retrieval) from settings."""
    from knowledge_base.db import make_engine, make_session_factory
    from knowledge_base.documents import Thresholds
    from knowledge_base.retrieval import Retriever
    from knowledge_base.service import KnowledgeService

    tz = ZoneInfo(settings.timezone)
    engine = make_engine(settings.database_url)
    knowledge = KnowledgeService(
        make_session_factory(engine),
        Retriever,
        Thresholds(answer=settings.kb_answer_threshold, suggest=settings.kb_suggest_threshold),
    )
    return Answerer(knowledge, clock=lambda: datetime.now(tz))
