"""The knowledge base as the bot sees it: search, look-ups, and what users tell us back.

The retriever is cached and rebuilt only when the KB revision in the database changed, which
costs one small query per question. That is how an edit made in one process (the staff
dashboard, `kb import`) becomes live in every other process without a restart.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from knowledge_base import repository
from knowledge_base.calls import CallInfo
from knowledge_base.documents import Document, SearchResult, Thresholds
from knowledge_base.models import UnansweredReason

logger = logging.getLogger(__name__)

MAX_STORED_QUESTION_CHARS = 2000
_FOLD = str.maketrans({"ł": "l", "Ł": "L"})
_WORD = re.compile(r"\w+")


class Retriever(Protocol):
    """Ranks documents for a question; the real one is `knowledge_base.retrieval.Retriever`."""

    def search(
        self,
        query: str,
        *,
        limit: int = 3,
        topic_hint: str | None = None,
        exclude: Collection[str] = (),
    ) -> SearchResult: ...


RetrieverFactory = Callable[[Sequence[Document], Thresholds], Retriever]


def normalise_question(text: str) -> str:
    """Lower case, no diacritics or punctuation: groups the same question typed differently."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(_WORD.findall(plain))


@dataclass(frozen=True)
class _Snapshot:
    revision: int
    documents: dict[str, Document]
    retriever: Retriever


class KnowledgeService:
    """Search and look-ups over the KB, always as of the newest committed revision."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        retriever_factory: RetrieverFactory,
        thresholds: Thresholds,
    ) -> None:
        self._session_factory = session_factory
        self._retriever_factory = retriever_factory
        self._thresholds = thresholds
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def thresholds(self) -> Thresholds:
        return self._thresholds

    def _current(self) -> _Snapshot:
        with self._session_factory() as session:
            revision = repository.current_revision(session)
            snapshot = self._snapshot
            if snapshot is not None and snapshot.revision == revision:
                return snapshot
            with self._lock:
                snapshot = self._snapshot
                if snapshot is None or snapshot.revision != revision:
                    documents = repository.all_documents(session)
                    snapshot = _Snapshot(
                        revision=revision,
                        documents={document.id: document for document in documents},
                        retriever=self._retriever_factory(documents, self._thresholds),
                    )
                    self._snapshot = snapshot
                    logger.info(
                        "knowledge base loaded revision=%s documents=%s", revision, len(documents)
                    )
                return snapshot

    def revision(self) -> int:
        """The revision the next search will answer from."""
        return self._current().revision

    def documents(self) -> list[Document]:
        return list(self._current().documents.values())

    def search(
        self,
        query: str,
        topic_hint: str | None = None,
        *,
        limit: int = 3,
        exclude: Collection[str] = (),
    ) -> SearchResult:
        return self._current().retriever.search(
            query, limit=limit, topic_hint=topic_hint, exclude=exclude
        )

    def get_document(self, entry_id: str) -> Document | None:
        return self._current().documents.get(entry_id)

    def get_call(self, code: str) -> CallInfo | None:
        with self._session_factory() as session:
            row = repository.get_call(session, code=code)
            return repository.call_info(row) if row is not None else None

    def record_feedback(self, *, sender_hash: str, entry_id: str | None, useful: bool) -> None:
        with self._session_factory.begin() as session:
            repository.add_feedback(
                session, sender_hash=sender_hash, entry_id=entry_id, useful=useful
            )

    def record_unanswered(
        self,
        *,
        text: str,
        sender_hash: str,
        reason: UnansweredReason | str,
        entry_id: str | None = None,
    ) -> None:
        text = text.strip()[:MAX_STORED_QUESTION_CHARS]
        with self._session_factory.begin() as session:
            repository.add_unanswered(
                session,
                text=text,
                normalised_text=normalise_question(text),
                sender_hash=sender_hash,
                reason=UnansweredReason(reason),
                entry_id=entry_id,
            )
