"""`/status` and `/usun_dane` for the Telegram channel (its `TelegramCommands` protocol)."""

from __future__ import annotations

from bot.handoff import texts
from bot.handoff.db import Database
from bot.handoff.service import HandoffService
from bot.privacy import TrackerForgetter


class HandoffCommands:
    """Answers from the hand-off tables; pass it as `commands=` to `build_application`."""

    def __init__(
        self,
        service: HandoffService,
        db: Database,
        *,
        forget_tracker: TrackerForgetter | None = None,
    ):
        self._service = service
        self._db = db
        self._forget_tracker = forget_tracker

    async def status(self, sender_id: str) -> str:
        return await self._db.call(lambda s: self._service.status_for(s, sender_id))

    async def delete_data(self, sender_id: str) -> str:
        await self._db.call(lambda s: self._service.delete_user_data(s, sender_id))
        if self._forget_tracker is not None:
            await self._forget_tracker(sender_id)
        return texts.DATA_DELETED_TEXT
