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
from knowledge_base.context import is_follow_up, resolve
from knowledge_base.documents import Band, SearchResult
from knowledge_base.domain_words import names_the_domain
from knowledge_base.gibberish import is_gibberish
from knowledge_base.responder import (
    NONE_OF_THESE,
    Reply,
    answer_document,
    answer_with_offer,
    dont_know,
    not_understood,
    respond,
)

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


ReplyListener = Callable[[Reply, str], None]
"""Called with every reply and the sender's pseudonymous hash (the staff dashboard logs it)."""


class Answerer:
    """Answers one message at a time; stateless apart from the knowledge service's cache."""

    def __init__(
        self,
        knowledge: KnowledgeService,
        clock: Callable[[], datetime],
        on_reply: ReplyListener | None = None,
    ):
        self._knowledge = knowledge
        self._clock = clock
        self._on_reply = on_reply

    def _notify(self, reply: Reply, sender_id: str) -> Reply:
        if self._on_reply is not None:
            self._on_reply(reply, sender_hash(sender_id))
        return reply

    def answer(
        self,
        text: str,
        *,
        topic_hint: str | None,
        last_entry_id: str | None,
        misunderstandings_before: int,
        sender_id: str,
    ) -> Reply:
        if is_gibberish(text):
            reply = not_understood(misunderstandings_before=misunderstandings_before)
            return self._notify(reply, sender_id)
        result = self._search(text, topic_hint=topic_hint, last_entry_id=last_entry_id)
        return self._reply(
            text,
            result,
            topic_hint=topic_hint,
            misunderstandings_before=misunderstandings_before,
            sender_id=sender_id,
        )

    def _reply(
        self,
        text: str,
        result: SearchResult,
        *,
        topic_hint: str | None,
        misunderstandings_before: int,
        sender_id: str,
    ) -> Reply:
        """The reply to a search result: answer, suggestions or "nie wiem" (recorded)."""
        best = result.best
        extra = None
        if best is not None and result.band is Band.ANSWER:
            extra = self._deadline_line(best.document.call_code, best.document.topic, topic_hint)
        reply = respond(result, misunderstandings_before=misunderstandings_before, extra=extra)
        if result.band is Band.DONT_KNOW:
            self._knowledge.record_unanswered(
                text=text, sender_hash=sender_hash(sender_id), reason="dont_know"
            )
        return self._notify(reply, sender_id)

    def off_topic(
        self,
        text: str,
        *,
        misunderstandings_before: int,
        sender_id: str,
        last_entry_id: str | None = None,
    ) -> Reply | None:
        """The NLU called `text` off-topic; the classifier only saw the wording, so the base
        has a say, in this order:

        - Keyboard mashing is a misunderstanding.
        - A follow-up of the last answer ("a w Toruniu?" after Inowrocław's pool: three words
          the classifier cannot place) that the base answers in that context is answered
          there (not suggested: the subject's words alone would suggest its entries after "a
          jaka jutro pogoda?").
        - A message that names the grant domain (the LGD, a grant, a pilot, an NGO:
          knowledge_base.domain_words) is a question for the base like any other: answer,
          suggestion or an honest "nie wiem" with the coordinator.
        - Anything else is answered only when the base answers it with confidence (band
          ANSWER: one clear winner, never a near-tie or a common-words-only query) and with
          a fact: a known unknown does not count ("jak złożyć PIT przez internet?" shares
          "jak złożyć" with the unknown way of submitting an application, and "that is not
          known yet" would answer a question nobody asked).

        None means the kind refusal."""
        if is_gibberish(text):
            reply = not_understood(misunderstandings_before=misunderstandings_before)
            return self._notify(reply, sender_id)
        if last_entry_id and is_follow_up(text):
            result = self._search(text, topic_hint=None, last_entry_id=last_entry_id)
            if result.band is Band.ANSWER:
                return self._reply(
                    text,
                    result,
                    topic_hint=None,
                    misunderstandings_before=misunderstandings_before,
                    sender_id=sender_id,
                )
        if names_the_domain(text):
            return self.answer(
                text,
                topic_hint=None,
                last_entry_id=None,
                misunderstandings_before=misunderstandings_before,
                sender_id=sender_id,
            )
        confident = self._confident(text)
        if confident is None:
            return None
        result, extra = confident
        if result.candidates[0].document.is_unknown:
            return None
        reply = respond(result, misunderstandings_before=misunderstandings_before, extra=extra)
        return self._notify(reply, sender_id)

    def complex_case(self, text: str, *, sender_id: str) -> Reply | None:
        """The NLU called `text` an individual case for the coordinator. When the base answers
        it with confidence (band ANSWER, an entry that states facts), the answer is given
        with the coordinator offered beside it: the classifier only saw the wording, and a
        question that sounds personal ("prowadzę działalność oświatową, czy mogę…") often
        has a general answer. Otherwise None: the plain offer."""
        confident = self._confident(text)
        if confident is None:
            return None
        result, extra = confident
        document = result.candidates[0].document
        if document.is_unknown:
            return None
        return self._notify(answer_with_offer(document, extra=extra), sender_id)

    def _confident(self, text: str) -> tuple[SearchResult, str | None] | None:
        """The base's result for `text` searched without a topic hint, with the deadline
        line of its best entry, when that entry is answered directly (band ANSWER)."""
        result = self._knowledge.search(text, topic_hint=None)
        best = result.best
        if best is None or result.band is not Band.ANSWER:
            return None
        return result, self._deadline_line(best.document.call_code, best.document.topic, None)

    def choose(self, entry_id: str, *, misunderstandings_before: int, sender_id: str) -> Reply:
        """The user picked a suggestion (or "none of these")."""
        document = None if entry_id == NONE_OF_THESE else self._knowledge.get_document(entry_id)
        if document is None:
            self._knowledge.record_unanswered(
                text=f"[odrzucone sugestie] {entry_id}",
                sender_hash=sender_hash(sender_id),
                reason="suggest_rejected",
            )
            reply = dont_know(misunderstandings_before=misunderstandings_before)
            return self._notify(reply, sender_id)
        extra = self._deadline_line(document.call_code, document.topic, None)
        return self._notify(answer_document(document, extra=extra), sender_id)

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
        previous = None
        if last_entry_id and is_follow_up(text):
            previous = self._knowledge.get_document(last_entry_id)
        if previous is None:
            return self._knowledge.search(text, topic_hint=topic_hint)
        return resolve(
            self._knowledge.search,
            text,
            topic_hint=topic_hint,
            previous=previous,
            documents=self._knowledge.documents(),
        )

    def _deadline_line(
        self, call_code: str | None, topic: str, topic_hint: str | None
    ) -> str | None:
        if not call_code or DEADLINE_TOPIC not in (topic, topic_hint):
            return None
        call = self._knowledge.get_call(call_code)
        return describe_deadline(call, self._clock()) if call is not None else None


def build_answerer(settings: Settings, on_reply: ReplyListener | None = None) -> Answerer:
    """Wire the real knowledge service (database + Polish retrieval) from settings."""
    from bot.settings import kb_thresholds
    from knowledge_base.db import make_engine, make_session_factory
    from knowledge_base.retrieval import Retriever
    from knowledge_base.service import KnowledgeService

    tz = ZoneInfo(settings.timezone)
    engine = make_engine(settings.database_url)
    knowledge = KnowledgeService(make_session_factory(engine), Retriever, kb_thresholds(settings))
    return Answerer(knowledge, clock=lambda: datetime.now(tz), on_reply=on_reply)
