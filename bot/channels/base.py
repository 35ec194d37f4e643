"""What every outbound channel offers, so hand-off replies can reach any applicant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.assistant import BotReply


class DeliveryError(Exception):
    """Sending failed; `retryable`: trying again later may succeed (429, 5xx, timeout)."""

    def __init__(self, message: str, *, retryable: bool, retry_after_s: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class OutboundChannel(Protocol):
    """Sends replies to one user of one channel (recipient id as the channel knows it)."""

    name: str

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None: ...


class MemoryChannel:
    """In-memory channel for tests: records what would have been sent."""

    def __init__(self, name: str = "memory"):
        self.name = name
        self.sent: list[tuple[str, BotReply]] = []

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        self.sent.extend((recipient, reply) for reply in replies)
