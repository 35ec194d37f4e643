"""Every channel's assistant, hand-off aware: while a request is open, the coordinator listens.

Wrap the Rasa assistant once and give the wrapper to every channel::

    assistant = HandoffAwareAssistant(RasaAssistant(settings.rasa_url), service, db)

While the sender has an open request, their messages are stored, forwarded to the coordinator
and acknowledged instead of being answered from the FAQ — until the coordinator closes it.
``/status`` and ``/usun_dane`` work the same on every channel.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from bot.assistant import Assistant, BotReply
from bot.handoff import texts
from bot.handoff.commands import HandoffCommands
from bot.handoff.db import Database
from bot.handoff.service import HandoffService
from bot.privacy import TrackerForgetter

logger = logging.getLogger(__name__)

STATUS_COMMANDS = frozenset({"/status"})
DELETE_COMMANDS = frozenset({"/usun_dane", "/usuń_dane"})
HANDOFF_PAYLOADS = frozenset({"/request_human", "/koordynator"})


class HandoffAwareAssistant:
    """The Assistant protocol around another assistant (Rasa), see the module doc."""

    def __init__(
        self,
        inner: Assistant,
        service: HandoffService,
        db: Database,
        *,
        forget_tracker: TrackerForgetter | None = None,
    ):
        self.inner = inner
        self.service = service
        self.db = db
        # /status and /usun_dane answer exactly as the Telegram commands do.
        self.commands = HandoffCommands(service, db, forget_tracker=forget_tracker)

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        command = text.strip().lower()
        if command in STATUS_COMMANDS:
            return [BotReply(text=await self.commands.status(sender_id))]
        if command in DELETE_COMMANDS:
            return [BotReply(text=await self.commands.delete_data(sender_id))]
        try:
            answer = await self.db.call(lambda s: self._while_open(s, sender_id, text))
        except Exception:
            # The FAQ must keep working when the hand-off tables cannot be read.
            logger.exception("handoff lookup failed sender=%s", sender_id)
            answer = None
        if answer is not None:
            return [BotReply(text=answer)]
        return await self.inner.ask(sender_id, text, metadata=metadata)

    def _while_open(self, session: Session, sender_id: str, text: str) -> str | None:
        """The acknowledgement if a request is open (the text forwarded), else None."""
        request = self.service.find_open(session, sender_id)
        if request is None:
            return None
        payload = text.strip()
        if payload.startswith("/"):  # a button or command from before: nothing to forward
            template = (
                texts.ALREADY_OPEN_TEXT
                if payload.split("{")[0].lower() in HANDOFF_PAYLOADS
                else texts.BUTTON_WHILE_OPEN_TEXT
            )
            return template.format(number=request.number)
        if not payload:
            return texts.BUTTON_WHILE_OPEN_TEXT.format(number=request.number)
        self.service.add_applicant_message(session, sender_id=sender_id, text=payload)
        return texts.FORWARDED_TEXT.format(number=request.number)

    async def aclose(self) -> None:
        closer = getattr(self.inner, "aclose", None)
        if closer is not None:
            await closer()
