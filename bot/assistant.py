"""Talking to the Rasa server over its REST channel.

Every channel (Telegram, Messenger, web chat) goes through :class:`Assistant`, so tests can
swap in :class:`ScriptedAssistant` instead of a running Rasa.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

logger = logging.getLogger(__name__)

UNAVAILABLE_TEXT = (
    "Przepraszam, asystent chwilowo nie odpowiada. Spróbuj ponownie za kilka minut. "
    "W pilnej sprawie: koordynator projektu Mariusz Godlejewski (Fundacja Studio M6), "
    "tel. +48 786 020 704."
)


@dataclass(frozen=True)
class Button:
    """A quick-reply button: what the user sees and what is sent back when pressed."""

    title: str
    payload: str


@dataclass(frozen=True)
class BotReply:
    """One message of the assistant, channel-neutral."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    custom: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rasa(cls, raw: dict[str, Any]) -> BotReply:
        buttons = tuple(
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in raw.get("buttons") or []
        )
        custom = raw.get("custom") if isinstance(raw.get("custom"), dict) else {}
        return cls(text=str(raw.get("text") or ""), buttons=buttons, custom=custom or {})


class AssistantUnavailableError(Exception):
    """Rasa (or the action server behind it) did not answer in time or answered badly."""


class Assistant(Protocol):
    """What a channel needs from the conversational engine."""

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]: ...


class RasaAssistant:
    """The Rasa REST channel (`/webhooks/rest/webhook`) behind an async HTTP client."""

    def __init__(
        self, base_url: str, timeout_s: float = 8.0, client: httpx.AsyncClient | None = None
    ):
        self._url = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._owns_client = client is None

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        body = {"sender": sender_id, "message": text, "metadata": metadata or {}}
        try:
            response = await self._client.post(self._url, json=body)
            response.raise_for_status()
            raw = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            logger.warning("rasa request failed sender=%s error=%s", sender_id, type(exc).__name__)
            raise AssistantUnavailableError(str(exc)) from exc
        if not isinstance(raw, list):
            raise AssistantUnavailableError("unexpected REST channel response")
        return [BotReply.from_rasa(item) for item in raw if isinstance(item, dict)]

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


class ScriptedAssistant:
    """In-memory stand-in for tests: answers with a function of the text and records calls."""

    def __init__(self, answer: Callable[[str], list[BotReply]] | None = None):
        self._answer = answer or (lambda text: [BotReply(text=f"echo: {text}")])
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        self.calls.append((sender_id, text, metadata or {}))
        return self._answer(text)
