"""The hand-off wired as in production, with a stand-in for Rasa, for end-to-end tests.

`RasaStandIn` keeps Rasa-like tracker events per sender and, for the hand-off payload, does what
``action_handoff_submit`` does: opens the request through the same `HandoffDesk`, with the
transcript taken from those events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from bot.assistant import BotReply
from bot.channels.base import OutboundChannel
from bot.handoff.models import Reason
from bot.handoff.rasa_flow import HandoffDesk
from tests.fakes.telegram_api import BOT_USER, load_update

DONT_KNOW = (
    "Nie znalazłem odpowiedzi na to pytanie w bazie wiedzy, a nie chcę zgadywać. "
    "Mogę przekazać pytanie koordynatorowi projektu — odpowie w tej rozmowie."
)
HANDOFF_TEXTS = frozenset({"/request_human", "koordynator"})
COORDINATOR_USER = {
    "id": 6111222333,
    "is_bot": False,
    "first_name": "Mariusz",
    "last_name": "Godlejewski",
    "language_code": "pl",
}


class RasaStandIn:
    """Answers "nie wiem" to questions; the hand-off payload opens a request like the action."""

    def __init__(self, desk: HandoffDesk, *, organisation: str | None = "Stowarzyszenie Ziarno"):
        self.desk = desk
        self.organisation = organisation
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.calls: list[tuple[str, str]] = []

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        self.calls.append((sender_id, text))
        events = self.events.setdefault(sender_id, [])
        events.append({"event": "user", "text": text, "timestamp": time.time()})
        if text.strip().lower() in HANDOFF_TEXTS:
            events.append({"event": "action", "name": "action_handoff_request"})
            submitted = await asyncio.to_thread(
                self.desk.submit,
                sender_id=sender_id,
                events=list(events),
                reason=Reason.ASKED,
                organisation=self.organisation,
                contact=None,
            )
            answer = submitted.text
        else:
            answer = DONT_KNOW
        events.append({"event": "bot", "text": answer, "timestamp": time.time()})
        return [BotReply(text=answer)]


class ObservedChannel:
    """Wraps a channel and counts finished deliveries, so a test can wait for them."""

    def __init__(self, inner: OutboundChannel):
        self.inner = inner
        self.name = inner.name
        self.done = 0
        self._changed = asyncio.Condition()

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        await self.inner.deliver(recipient, replies)
        async with self._changed:
            self.done += 1
            self._changed.notify_all()

    async def wait_for(self, count: int, timeout_s: float = 5.0) -> None:
        async with asyncio.timeout(timeout_s), self._changed:
            await self._changed.wait_for(lambda: self.done >= count)


def coordinator_message(
    chat: dict[str, Any],
    text: str,
    *,
    message_id: int,
    reply_to: dict[str, Any] | None = None,
    command: bool = False,
) -> dict[str, Any]:
    """An update: the coordinator writes `text` in their chat (optionally replying)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "from": COORDINATOR_USER,
        "chat": chat,
        "date": int(time.time()),
        "text": text,
    }
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    if command:
        length = len(text.split()[0])
        message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return {"message": message}


def bot_message(chat: dict[str, Any], message_id: int, text: str, **extra: Any) -> dict[str, Any]:
    """A message the bot sent, as Telegram embeds it in replies and button presses."""
    return {
        "message_id": message_id,
        "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")},
        "chat": chat,
        "date": int(time.time()),
        "text": text,
        **extra,
    }


def button_press(
    chat: dict[str, Any], notice: dict[str, Any], data: str, *, query_id: str
) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": query_id,
            "from": COORDINATOR_USER,
            "message": notice,
            "chat_instance": "-3829174650193847000",
            "data": data,
        }
    }


def user_command(text: str) -> dict[str, Any]:
    """A private-chat command from the applicant of the recorded `private_text` update."""
    update = load_update("private_text")
    update["message"]["text"] = text
    update["message"]["entities"] = [
        {"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}
    ]
    return update
