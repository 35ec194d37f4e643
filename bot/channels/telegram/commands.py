"""The /status and /usun_dane commands, behind a small interface the hand-off code implements."""

from __future__ import annotations

from typing import Protocol

from bot.channels.telegram.texts import DATA_DELETED_TEXT, NO_OPEN_REQUESTS_TEXT


class TelegramCommands(Protocol):
    """Answers to the commands that need stored data; `sender_id` is ``telegram:{chat_id}``."""

    async def status(self, sender_id: str) -> str: ...

    async def delete_data(self, sender_id: str) -> str: ...


class InMemoryTelegramCommands:
    """Default until hand-off is wired in, and the stand-in for tests: requests kept in a dict."""

    def __init__(self, open_requests: dict[str, list[str]] | None = None):
        self.open_requests: dict[str, list[str]] = open_requests or {}
        self.deleted: list[str] = []

    async def status(self, sender_id: str) -> str:
        requests = self.open_requests.get(sender_id) or []
        if not requests:
            return NO_OPEN_REQUESTS_TEXT
        lines = "\n".join(f"• {request}" for request in requests)
        return f"Twoje otwarte zgłoszenia do koordynatora ({len(requests)}):\n{lines}"

    async def delete_data(self, sender_id: str) -> str:
        self.open_requests.pop(sender_id, None)
        self.deleted.append(sender_id)
        return DATA_DELETED_TEXT
