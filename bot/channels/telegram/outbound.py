"""Sending assistant replies to a Telegram chat, for the conversation and for hand-off.

Replies go out as plain text (no ``parse_mode``): knowledge-base answers contain ``*``, ``_``,
``<`` and URLs with underscores, and with Markdown/HTML any of those could break the message
(Telegram refuses badly formed markup) or inject formatting and links. Plain text is shown
exactly as written, and Telegram still makes URLs clickable.
"""

from __future__ import annotations

import datetime as dtm
import logging
import warnings
from collections.abc import Sequence

from telegram import Bot, ReplyParameters
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.assistant import BotReply
from bot.channels.base import DeliveryError
from bot.channels.telegram.keyboards import CallbackStore, build_keyboard
from bot.channels.telegram.splitting import split_message
from bot.channels.telegram.texts import CHOOSE_OPTION_TEXT

logger = logging.getLogger(__name__)

SENDER_PREFIX = "telegram:"


def sender_id(chat_id: int) -> str:
    """The Rasa sender id of a Telegram chat: one conversation per chat."""
    return f"{SENDER_PREFIX}{chat_id}"


async def send_replies(
    bot: Bot,
    chat_id: int,
    replies: Sequence[BotReply],
    callbacks: CallbackStore,
    *,
    reply_to: int | None = None,
    thread_id: int | None = None,
) -> int:
    """Send each reply as plain text, long ones split, buttons under the last part.

    In groups the first message quotes the question (`reply_to`) and all stay in its forum
    topic (`thread_id`). Returns the number of messages sent; TelegramError propagates.
    """
    sent = 0
    for reply in replies:
        keyboard = build_keyboard(reply.buttons, callbacks)
        chunks = split_message(reply.text)
        if not chunks and keyboard is not None:
            chunks = [CHOOSE_OPTION_TEXT]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            quote = reply_to if sent == 0 else None
            await bot.send_message(
                chat_id=chat_id,
                text=chunk,
                parse_mode=None,
                reply_markup=keyboard if last else None,
                message_thread_id=thread_id,
                reply_parameters=(
                    ReplyParameters(quote, allow_sending_without_reply=True) if quote else None
                ),
            )
            sent += 1
    return sent


class TelegramChannel:
    """OutboundChannel for Telegram; `recipient` is the chat id, ``"123"`` or ``"telegram:123"``."""

    name = "telegram"

    def __init__(self, bot: Bot, *, callbacks: CallbackStore | None = None):
        self._bot = bot
        self._callbacks = callbacks or CallbackStore()

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        chat_id = _parse_chat_id(recipient)
        try:
            await send_replies(self._bot, chat_id, replies, self._callbacks)
        except TelegramError as exc:
            logger.warning("telegram delivery failed chat=%s error=%s", chat_id, type(exc).__name__)
            raise delivery_error(exc) from exc


def delivery_error(exc: TelegramError) -> DeliveryError:
    """Map a Telegram error to DeliveryError: 429, 5xx and timeouts are worth retrying."""
    if isinstance(exc, RetryAfter):
        return DeliveryError(str(exc), retryable=True, retry_after_s=_retry_after_s(exc))
    # BadRequest subclasses NetworkError, so the permanent errors are checked first.
    if isinstance(exc, Forbidden | BadRequest | InvalidToken | ChatMigrated):
        return DeliveryError(str(exc), retryable=False)
    if isinstance(exc, NetworkError):
        return DeliveryError(str(exc), retryable=True)
    return DeliveryError(str(exc), retryable=False)


def _retry_after_s(exc: RetryAfter) -> float:
    # PTB 22 returns int and warns that a timedelta will come (opt-in via PTB_TIMEDELTA):
    # both are handled, so the warning is noise in our logs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, dtm.timedelta) else float(wait)


def _parse_chat_id(recipient: str) -> int:
    raw = recipient.removeprefix(SENDER_PREFIX)
    try:
        return int(raw)
    except ValueError:
        raise DeliveryError("not a Telegram chat id", retryable=False) from None
