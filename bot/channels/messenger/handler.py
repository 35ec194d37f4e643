"""Answers one inbound Messenger event: typing bubble, ask the assistant, send the replies."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from bot.assistant import UNAVAILABLE_TEXT, Assistant, BotReply
from bot.channels.base import DeliveryError
from bot.channels.messenger.events import InboundEvent
from bot.channels.messenger.graph import GraphClient
from bot.channels.messenger.render import MAX_TEXT_CHARS

logger = logging.getLogger(__name__)

ASSISTANT_TIMEOUT_S = 10.0
CHANNEL_METADATA = {"channel": "messenger"}

TOO_LONG_TEXT = (
    "Ta wiadomość jest dla mnie za długa (ponad 2000 znaków). Proszę, skróć wiadomość "
    "i zadaj jedno pytanie naraz – wtedy odpowiem dokładniej."
)
STICKER_TEXT = (
    "Dziękuję za naklejkę! 🙂 Jeśli masz pytanie o nabór, napisz je proszę zwykłym tekstem "
    "– chętnie pomogę."
)
ATTACHMENT_TEXT = (
    "Dziękuję za przesłanie, ale na razie rozumiem tylko wiadomości tekstowe – nie otwieram "
    "zdjęć, nagrań ani plików. Opisz proszę swoje pytanie słowami, a chętnie pomogę."
)


def rasa_sender_id(psid: str) -> str:
    """The conversation id Rasa keeps for a Messenger user."""
    return f"messenger:{psid}"


def user_ref(psid: str) -> str:
    """A short stable pseudonym of the PSID for logs: enough to follow one conversation."""
    return hashlib.sha256(psid.encode("utf-8")).hexdigest()[:10]


class EventHandler:
    """Turns an inbound event into Send API calls; never raises, logs every failure."""

    def __init__(
        self,
        assistant: Assistant,
        client: GraphClient,
        *,
        assistant_timeout_s: float = ASSISTANT_TIMEOUT_S,
    ):
        self._assistant = assistant
        self._client = client
        self._assistant_timeout_s = assistant_timeout_s

    async def handle(self, event: InboundEvent) -> None:
        """Answer `event`; failures end up in the log, never in the caller."""
        user = user_ref(event.psid)
        try:
            replies = await self._replies_for(event, user)
            if replies:
                await self._client.deliver(event.psid, replies)
        except DeliveryError as exc:
            logger.warning(
                "messenger reply not delivered user=%s retryable=%s error=%s",
                user,
                exc.retryable,
                exc,
            )
        except Exception:
            logger.exception("messenger event failed user=%s", user)

    async def _replies_for(self, event: InboundEvent, user: str) -> list[BotReply]:
        if event.kind == "attachment":
            logger.info(
                "messenger attachment user=%s types=%s", user, ",".join(event.attachment_types)
            )
            is_sticker = "sticker" in event.attachment_types
            return [BotReply(text=STICKER_TEXT if is_sticker else ATTACHMENT_TEXT)]
        # Button payloads (`/intent{...}`) go to Rasa exactly as sent; typed text is trimmed.
        text = event.text.strip() if event.source == "message" else event.text
        if not text.strip():
            logger.info("messenger empty text ignored user=%s", user)
            return []
        if len(text) > MAX_TEXT_CHARS:
            logger.info("messenger text too long user=%s chars=%s", user, len(text))
            return [BotReply(text=TOO_LONG_TEXT)]
        return await self._ask(event.psid, text, user)

    async def _ask(self, psid: str, text: str, user: str) -> list[BotReply]:
        # The bubble goes out while Rasa thinks; it must land before the first reply.
        typing = asyncio.create_task(self._typing_on(psid, user))
        try:
            replies = await self._ask_in_time(psid, text, user)
            await typing
        finally:
            typing.cancel()  # only matters when we are cancelled ourselves (shutdown)
        if not replies:
            await self._typing_off(psid, user)
        return replies

    async def _ask_in_time(self, psid: str, text: str, user: str) -> list[BotReply]:
        try:
            async with asyncio.timeout(self._assistant_timeout_s):
                return await self._assistant.ask(
                    rasa_sender_id(psid), text, metadata=dict(CHANNEL_METADATA)
                )
        except TimeoutError:
            logger.warning(
                "assistant timed out user=%s after_s=%s", user, self._assistant_timeout_s
            )
        except Exception as exc:
            logger.warning("assistant unavailable user=%s error=%s", user, type(exc).__name__)
        return [BotReply(text=UNAVAILABLE_TEXT)]

    async def _typing_on(self, psid: str, user: str) -> None:
        try:
            await self._client.sender_action(psid, "typing_on")
        except DeliveryError as exc:
            logger.info("typing_on not delivered user=%s error=%s", user, exc)

    async def _typing_off(self, psid: str, user: str) -> None:
        try:
            await self._client.sender_action(psid, "typing_off")
        except DeliveryError as exc:
            logger.info("typing_off not delivered user=%s error=%s", user, exc)
