"""The services the actions use, built once on first use (never at import time)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from knowledge_base.answering import Answerer, ReplyListener
from knowledge_base.responder import Reply

if TYPE_CHECKING:
    from bot.handoff.rasa_flow import HandoffDesk

_lock = threading.Lock()
_services: ActionServices | None = None


@dataclass
class ActionServices:
    answerer: Answerer
    handoff: HandoffDesk | None = None
    """Opens hand-off requests; None falls back to telling the coordinator's phone number."""


def build_services() -> ActionServices:
    """Wire the real services from settings (DATABASE_URL, thresholds, hand-off, question log)."""
    from bot.handoff.rasa_flow import HandoffDesk
    from bot.settings import load_settings
    from knowledge_base.answering import build_answerer

    settings = load_settings()
    return ActionServices(
        answerer=build_answerer(settings, on_reply=question_logger(settings.database_url)),
        handoff=HandoffDesk.from_settings(settings),
    )


def question_logger(database_url: str) -> ReplyListener:
    """Count every reply for the staff dashboard (outcome, entry, topic; never the text)."""
    from bot.admin.queries import log_question
    from knowledge_base.db import make_engine, make_session_factory

    sessions = make_session_factory(make_engine(database_url))

    def log(reply: Reply, sender_hash: str) -> None:
        with sessions.begin() as session:
            log_question(
                session,
                sender_hash=sender_hash,
                outcome=reply.outcome,
                entry_id=reply.entry_id,
                topic=reply.topic,
                at=datetime.now(UTC),
            )

    return log


def get_services() -> ActionServices:
    global _services
    with _lock:
        if _services is None:
            _services = build_services()
        return _services


def set_services(services: ActionServices | None) -> None:
    """Install services for tests (an in-memory knowledge base), or reset with None."""
    global _services
    with _lock:
        _services = services
