"""Tracker, dispatcher and domain fixtures for rasa_sdk actions, on an in-memory knowledge base."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions.services import ActionServices, set_services
from knowledge_base.answering import Answerer
from knowledge_base.db import make_engine, make_session_factory, migrate_engine
from knowledge_base.documents import Thresholds
from knowledge_base.retrieval import Retriever
from knowledge_base.seed import seed_if_empty
from knowledge_base.service import KnowledgeService

# A fixed "today" (Europe/Warsaw is UTC+1 in November) keeps deadline texts reproducible.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

DEFAULT_SLOTS: dict[str, Any] = {
    "last_topic": None,
    "last_entry": None,
    "kb_band": None,
    "misunderstandings": 0.0,
    "handoff_offered": False,
}


@pytest.fixture(scope="session")
def kb_sessions() -> sessionmaker[Session]:
    """The real starting content, seeded into an in-memory SQLite database once per run."""
    engine = make_engine("sqlite://")
    migrate_engine(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        seed_if_empty(session)
        session.commit()
    return factory


@pytest.fixture(scope="session")
def knowledge(kb_sessions: sessionmaker[Session]) -> KnowledgeService:
    return KnowledgeService(kb_sessions, Retriever, Thresholds())


@pytest.fixture
def services(knowledge: KnowledgeService) -> Iterator[ActionServices]:
    installed = ActionServices(answerer=Answerer(knowledge, clock=lambda: NOW))
    set_services(installed)
    yield installed
    set_services(None)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def domain() -> dict[str, Any]:
    return {}


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def tracker_for() -> TrackerFactory:
    """Build the tracker an action sees after the user's latest message."""

    def build(
        text: str,
        intent: str = "ask_call",
        *,
        entities: list[dict[str, Any]] | None = None,
        sender_id: str = "test-user",
        **slots: Any,
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
        }
        return Tracker(
            sender_id=sender_id,
            slots={**DEFAULT_SLOTS, **slots},
            latest_message=latest,
            events=[{"event": "user", "text": text, "parse_data": latest}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build
