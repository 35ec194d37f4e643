"""Coordinator replies for web-chat users: stored for the page to poll.

The outbox delivers to :class:`WebInbox` (channel "web", recipient = the chat session id),
which stores each message once (its outbox key is unique here). The chat page polls::

    GET /api/chat/updates?session=<session id>&after=<last id seen, 0 at first>
    200 {"messages": [{"id": 12, "text": "…", "buttons": [{"title": "…", "payload": "…"}],
                       "created_at": "2026-11-25T13:05:00+00:00"}, …],
         "last_id": 12}

Messages come oldest first, at most `limit` per call; `last_id` is the `after` for the next
call (unchanged when there is nothing new). The session id is the secret: it must be the
unguessable id the web chat also uses as the Rasa sender ``web:<session>``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.assistant import BotReply
from bot.handoff.db import Database
from bot.handoff.models import Channel, WebInboxMessage
from bot.handoff.outbox import Clock, utcnow

logger = logging.getLogger(__name__)

UPDATES_PATH: Final = "/api/chat/updates"
SESSION_PATTERN: Final = r"^[A-Za-z0-9_-]{8,128}$"
MAX_BATCH: Final = 50


class WebInbox:
    """OutboundChannel "web" backed by the database, plus the reading side for the router."""

    name = Channel.WEB.value

    def __init__(self, db: Database, clock: Clock = utcnow):
        self._db = db
        self._clock = clock

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        await self._db.call(lambda s: self._store(s, recipient, replies))

    def _store(self, session: Session, recipient: str, replies: Sequence[BotReply]) -> None:
        for index, reply in enumerate(replies):
            key = reply.custom.get("delivery_key")
            delivery_key = f"{key}#{index}" if key else None
            if delivery_key and session.scalar(
                select(WebInboxMessage.id).where(WebInboxMessage.delivery_key == delivery_key)
            ):
                continue  # delivered before a crash: exactly once
            row = WebInboxMessage(
                session_id=recipient,
                text=reply.text,
                buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
                delivery_key=delivery_key,
                created_at=self._clock(),
            )
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                logger.info("web inbox duplicate skipped key=%s", delivery_key)

    def updates(
        self, session: Session, session_id: str, *, after: int, limit: int = MAX_BATCH
    ) -> list[WebInboxMessage]:
        return list(
            session.scalars(
                select(WebInboxMessage)
                .where(WebInboxMessage.session_id == session_id, WebInboxMessage.id > after)
                .order_by(WebInboxMessage.id)
                .limit(limit)
            ).all()
        )


def web_inbox_router(inbox: WebInbox, db: Database) -> APIRouter:
    """`GET /api/chat/updates` for the web chat page (see the module doc for the contract)."""
    router = APIRouter()

    @router.get(UPDATES_PATH)
    async def chat_updates(
        response: Response,
        session: Annotated[str, Query(pattern=SESSION_PATTERN)],
        after: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        rows = await db.call(lambda s: inbox.updates(s, session, after=after))
        response.headers["Cache-Control"] = "no-store"
        messages = [
            {
                "id": row.id,
                "text": row.text,
                "buttons": row.buttons,
                "created_at": row.created_at.isoformat(),
            }
            for row in rows
        ]
        return {"messages": messages, "last_id": rows[-1].id if rows else after}

    return router
