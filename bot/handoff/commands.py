"""`/status` and `/usun_dane` for the Telegram channel (its `TelegramCommands` protocol)."""

from __future__ import annotations

from bot.handoff import texts
from bot.handoff.db import Database
from bot.handoff.service import HandoffService


class HandoffCommands:
    """Answers from the hand-off tables; pass it as `commands=` to `build_application`."""

    def __init__(self, service: HandoffService, db: Database):
        self._service = service
        self._db = db

    async def status(self, sender_id: str) -> str:
        return await self._db.call(lambda s: self._service.status_for(s, sender_id))

    async def delete_data(self, sender_id: str) -> str:
        await self._db.call(lambda s: self._service.delete_user_data(s, sender_id))
        return texts.DATA_DELETED_TEXT
