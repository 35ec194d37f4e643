"""Telegram update handlers: who is addressed, what reaches Rasa, and what the user sees."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.assistant import UNAVAILABLE_TEXT, Assistant, AssistantUnavailableError, BotReply
from bot.channels.telegram import texts
from bot.channels.telegram.addressing import is_addressed, is_blank, is_private, question_text
from bot.channels.telegram.commands import TelegramCommands
from bot.channels.telegram.keyboards import CallbackStore, offered_on
from bot.channels.telegram.outbound import send_replies, sender_id
from bot.channels.telegram.ratelimit import Admission, SlidingWindowLimiter

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

TYPING_REFRESH_S = 4.5
"""Telegram shows "typing…" for about 5 seconds; a slow answer needs it renewed."""


@dataclass(frozen=True)
class Origin:
    """Where a question came from and where its answer goes."""

    chat_id: int
    chat_type: str
    language: str | None = None
    reply_to: int | None = None  # in groups, the answer quotes the question
    thread_id: int | None = None  # forum topic of the question

    @classmethod
    def of(cls, message: Message) -> Origin:
        language = message.from_user.language_code if message.from_user else None
        return cls(
            chat_id=message.chat_id,
            chat_type=message.chat.type,
            language=language,
            reply_to=None if is_private(message) else message.message_id,
            thread_id=_thread_of(message),
        )


class ChatLocks:
    """One lock per chat, so a chat's questions are answered in order while chats run in
    parallel; a lock is dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._holders[chat_id] = self._holders.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[chat_id] -= 1
            if not self._holders[chat_id]:
                del self._holders[chat_id]
                del self._locks[chat_id]

    def __len__(self) -> int:
        return len(self._locks)


class TelegramConversation:
    """The handlers registered on the Application; state is in memory and per process."""

    def __init__(
        self,
        assistant: Assistant,
        commands: TelegramCommands,
        limiter: SlidingWindowLimiter,
        callbacks: CallbackStore,
        *,
        ask_timeout_s: float = 10.0,
    ):
        self.assistant = assistant
        self.commands = commands
        self.limiter = limiter
        self.callbacks = callbacks
        self.ask_timeout_s = ask_timeout_s
        self.locks = ChatLocks()

    # --- messages -------------------------------------------------------------------------

    async def on_text(self, update: Update, context: Context) -> None:
        """A text message: checked, then asked to Rasa."""
        message = await self._admitted_message(update, context)
        if message is None or message.text is None:
            return
        text = question_text(message.text, context.bot.username)
        if is_blank(text):
            await self._say(context.bot, message, texts.EMPTY_TEXT)
            return
        if len(text) > texts.MAX_INPUT_CHARS:
            logger.info("telegram text too long chat=%s length=%s", message.chat_id, len(text))
            await self._say(context.bot, message, texts.TOO_LONG_TEXT)
            return
        await self.converse(context.bot, message, text)

    async def on_non_text(self, update: Update, context: Context) -> None:
        """A sticker, photo, voice message, file, location…: a kind reply, nothing for Rasa."""
        message = await self._admitted_message(update, context)
        if message is None:
            return
        logger.info("telegram non-text message chat=%s kind=%s", message.chat_id, _kind(message))
        await self._say(context.bot, message, texts.NON_TEXT_TEXT)

    # --- commands -------------------------------------------------------------------------

    async def on_start(self, update: Update, context: Context) -> None:
        """/start: welcome and the privacy note."""
        message = await self._admitted_message(update, context)
        if message is not None:
            await self._say(context.bot, message, texts.WELCOME_TEXT)

    async def on_help(self, update: Update, context: Context) -> None:
        """/pomoc: what the bot can do, with examples."""
        message = await self._admitted_message(update, context)
        if message is not None:
            await self._say(context.bot, message, texts.HELP_TEXT)

    async def on_coordinator(self, update: Update, context: Context) -> None:
        """/koordynator: Rasa runs the hand-off flow for this payload."""
        message = await self._admitted_message(update, context)
        if message is not None:
            await self.converse(context.bot, message, texts.HANDOFF_PAYLOAD)

    async def on_status(self, update: Update, context: Context) -> None:
        """/status: the user's open hand-off requests."""
        message = await self._admitted_message(update, context)
        if message is not None:
            await self._run_command(context.bot, message, "status", self.commands.status)

    async def on_delete_data(self, update: Update, context: Context) -> None:
        """/usun_dane: forget what is stored about this chat."""
        message = await self._admitted_message(update, context)
        if message is not None:
            await self._run_command(context.bot, message, "delete_data", self.commands.delete_data)

    async def on_unknown_command(self, update: Update, context: Context) -> None:
        """Any other /command; typed intents such as /request_human never reach Rasa."""
        message = await self._admitted_message(update, context)
        if message is not None:
            await self._say(context.bot, message, texts.UNKNOWN_COMMAND_TEXT)

    # --- buttons --------------------------------------------------------------------------

    async def on_button(self, update: Update, context: Context) -> None:
        """A button press: the payload goes to Rasa as the user's message, nothing is echoed."""
        query = update.callback_query
        if query is None:
            return
        pressed_on = query.message
        if pressed_on is None:
            await query.answer()
            return
        chat = pressed_on.chat
        admission = self.limiter.check(_rate_key(update, chat.id))
        if admission is not Admission.ALLOWED:
            await query.answer(texts.SLOW_DOWN_SHORT_TEXT)
            return
        payload = self.callbacks.decode(query.data) if query.data else None
        if payload is None or not offered_on(pressed_on, query.data or ""):
            logger.info("telegram stale or unknown button chat=%s", chat.id)
            await query.answer(texts.BUTTON_EXPIRED_TEXT, show_alert=True)
            return
        await query.answer()
        await self._remove_keyboard(context.bot, chat.id, pressed_on.message_id)
        origin = Origin(
            chat_id=chat.id,
            chat_type=chat.type,
            language=query.from_user.language_code,
            thread_id=_thread_of(pressed_on),
        )
        await self._converse(context.bot, origin, payload)

    # --- conversation ---------------------------------------------------------------------

    async def converse(self, bot: Bot, message: Message, text: str) -> None:
        """Ask Rasa about `text` on behalf of `message`'s chat and send the replies."""
        await self._converse(bot, Origin.of(message), text)

    async def _converse(self, bot: Bot, origin: Origin, text: str) -> None:
        metadata: dict[str, Any] = {
            "channel": "telegram",
            "chat_type": origin.chat_type,
            "user_language": origin.language,
        }
        async with self.locks.hold(origin.chat_id):
            async with _typing(bot, origin.chat_id, origin.thread_id):
                replies = await self._ask(sender_id(origin.chat_id), text, metadata)
            count = await send_replies(
                bot,
                origin.chat_id,
                replies,
                self.callbacks,
                reply_to=origin.reply_to,
                thread_id=origin.thread_id,
            )
        logger.info(
            "telegram answered chat=%s replies=%s messages=%s", origin.chat_id, len(replies), count
        )

    async def _ask(self, sender: str, text: str, metadata: dict[str, Any]) -> list[BotReply]:
        try:
            async with asyncio.timeout(self.ask_timeout_s):
                return await self.assistant.ask(sender, text, metadata=metadata)
        except (AssistantUnavailableError, TimeoutError) as exc:
            logger.warning("assistant unavailable sender=%s error=%s", sender, type(exc).__name__)
        except Exception:
            logger.exception("assistant failed unexpectedly sender=%s", sender)
        return [BotReply(text=UNAVAILABLE_TEXT)]

    async def _run_command(
        self, bot: Bot, message: Message, name: str, action: Callable[[str], Awaitable[str]]
    ) -> None:
        sender = sender_id(message.chat_id)
        try:
            answer = await action(sender)
        except Exception:
            logger.exception("telegram command failed command=%s sender=%s", name, sender)
            answer = texts.COMMAND_FAILED_TEXT
        logger.info("telegram command command=%s sender=%s", name, sender)
        await self._say(bot, message, answer)

    # --- helpers --------------------------------------------------------------------------

    async def _admitted_message(self, update: Update, context: Context) -> Message | None:
        """The message if it is addressed to the bot and within the rate limit, else None;
        tells the user to slow down once per window."""
        message = update.message
        if message is None:
            return None
        bot = context.bot
        if not is_addressed(message, bot_id=bot.id, bot_username=bot.username):
            return None
        admission = self.limiter.check(_rate_key(update, message.chat_id))
        if admission is Admission.LIMITED_NOTIFY:
            logger.info("telegram rate limited chat=%s", message.chat_id)
            await self._say(bot, message, texts.SLOW_DOWN_TEXT)
        return message if admission is Admission.ALLOWED else None

    async def _say(self, bot: Bot, message: Message, text: str) -> None:
        origin = Origin.of(message)
        await send_replies(
            bot,
            origin.chat_id,
            [BotReply(text=text)],
            self.callbacks,
            reply_to=origin.reply_to,
            thread_id=origin.thread_id,
        )

    async def _remove_keyboard(self, bot: Bot, chat_id: int, message_id: int) -> None:
        """Best effort, so an answered question's buttons cannot be pressed twice."""
        try:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
        except TelegramError as exc:
            logger.debug("telegram keyboard not removed chat=%s error=%s", chat_id, exc)


_NON_TEXT_KINDS = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
    "game",
    "story",
)


def _thread_of(message: MaybeInaccessibleMessage) -> int | None:
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None


def _rate_key(update: Update, chat_id: int) -> str:
    user = update.effective_user
    return f"user:{user.id}" if user is not None else f"chat:{chat_id}"


def _kind(message: Message) -> str:
    """The kind of a non-text message for logs, never its content."""
    for kind in _NON_TEXT_KINDS:
        if getattr(message, kind, None):
            return kind
    return "other"


@contextlib.asynccontextmanager
async def _typing(bot: Bot, chat_id: int, thread_id: int | None) -> AsyncIterator[None]:
    """Show "typing…" while the body runs; failures to show it never fail the answer."""

    async def send() -> None:
        try:
            await bot.send_chat_action(
                chat_id=chat_id, action=ChatAction.TYPING, message_thread_id=thread_id
            )
        except TelegramError as exc:
            logger.debug("telegram typing not shown chat=%s error=%s", chat_id, type(exc).__name__)

    async def refresh() -> None:
        while True:
            await asyncio.sleep(TYPING_REFRESH_S)
            await send()

    first = asyncio.create_task(send())
    refresher = asyncio.create_task(refresh())
    try:
        yield
    finally:
        refresher.cancel()
        # The first action is awaited, not cancelled, so it always precedes the answer.
        await asyncio.gather(first, refresher, return_exceptions=True)
