"""The coordinator's side on Telegram: notices with buttons, and the commands to answer them.

The coordinator works in one chat (``COORDINATOR_CHAT_ID``: a private chat or a group). New
requests arrive there as plain-text notices with "Przejmuję" / "Zamknij" buttons; replying to a
notice (or to a forwarded follow-up) answers the applicant on their own channel. Commands:
``/odpowiedz Z-0007 treść``, ``/przejmij Z-0007``, ``/zamknij Z-0007``, ``/zgloszenia``.

The handlers are registered in a group that runs before the applicant handlers and stop every
update from the coordinator chat there, so nothing said in it ever reaches Rasa; updates from
any other chat pass through untouched.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy.orm import Session
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.assistant import BotReply
from bot.channels.base import DeliveryError
from bot.channels.telegram.application import TelegramApp
from bot.channels.telegram.outbound import delivery_error
from bot.channels.telegram.splitting import split_message
from bot.handoff import texts
from bot.handoff.db import Database
from bot.handoff.models import format_number
from bot.handoff.outbox import COORDINATOR, dead_letters
from bot.handoff.service import HandoffError, HandoffService, Transition

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE

HANDLER_GROUP: Final = -10
"""Before the applicant handlers (group 0) of the Telegram channel."""

_BUTTON = re.compile(r"^ho:(take|close):(\d+)$")


class CoordinatorChannel:
    """OutboundChannel "coordinator": sends notices to the coordinator chat via the Bot API.

    A new-request notice (``custom["notice"]``) is remembered as the request's notification
    message; follow-ups (``custom["thread"]``) quote that notice, so a group stays readable.
    """

    name = COORDINATOR

    def __init__(self, bot: Bot, db: Database, service: HandoffService):
        self._bot = bot
        self._db = db
        self._service = service

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        try:
            chat_id = int(recipient)
        except ValueError:
            raise DeliveryError("not a Telegram chat id", retryable=False) from None
        for reply in replies:
            await self._send(chat_id, reply)

    async def _send(self, chat_id: int, reply: BotReply) -> None:
        request_id = reply.custom.get("handoff_request_id")
        quote = None
        if reply.custom.get("thread") and isinstance(request_id, int):
            quote = await self._db.call(lambda s: self._service.notification_of(s, request_id))
        keyboard = _keyboard(reply)
        chunks = split_message(reply.text)
        if not chunks:
            raise DeliveryError("empty message for the coordinator", retryable=False)
        try:
            for index, chunk in enumerate(chunks):
                sent = await self._bot.send_message(
                    chat_id=chat_id,
                    text=chunk,
                    parse_mode=None,
                    reply_markup=keyboard if index == len(chunks) - 1 else None,
                    reply_parameters=(
                        ReplyParameters(quote, allow_sending_without_reply=True)
                        if quote and index == 0
                        else None
                    ),
                )
                if index == 0 and reply.custom.get("notice") and isinstance(request_id, int):
                    await self._remember(request_id, chat_id, sent.message_id)
        except TelegramError as exc:
            logger.warning("coordinator delivery failed error=%s", type(exc).__name__)
            raise delivery_error(exc) from exc

    async def _remember(self, request_id: int, chat_id: int, message_id: int) -> None:
        # Sent already: failing here would send the notice twice. Replies still find the
        # request by the number in the notice text.
        try:
            await self._db.call(
                lambda s: self._service.record_notification(
                    s, request_id=request_id, chat_id=chat_id, message_id=message_id
                )
            )
        except Exception:
            logger.exception("notice not recorded request=%s", request_id)


def _keyboard(reply: BotReply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    row = [InlineKeyboardButton(b.title, callback_data=b.payload) for b in reply.buttons]
    return InlineKeyboardMarkup([row])


class CoordinatorHandlers:
    """PTB handlers for the coordinator chat; `register` adds them to an Application."""

    def __init__(self, db: Database, service: HandoffService, chat_id: int):
        self.db = db
        self.service = service
        self.chat_id = chat_id

    def register(self, app: TelegramApp, group: int = HANDLER_GROUP) -> None:
        """Add the handlers to `app` (built by the Telegram channel's `build_application`)."""
        here = filters.Chat(chat_id=self.chat_id) & filters.UpdateType.MESSAGE
        routes = (
            ("odpowiedz", self.on_reply_command),
            ("przejmij", self.on_take_command),
            ("zamknij", self.on_close_command),
            ("zgloszenia", self.on_list),
        )
        for name, callback in routes:
            app.add_handler(CommandHandler(name, callback, filters=here), group)
        app.add_handler(CallbackQueryHandler(self.on_button), group)
        replies = here & filters.REPLY & filters.TEXT & ~filters.COMMAND
        app.add_handler(MessageHandler(replies, self.on_reply), group)
        app.add_handler(MessageHandler(here, self.on_other), group)

    # --- answering --------------------------------------------------------------------------

    async def on_reply(self, update: Update, context: Context) -> None:
        """A reply to a notice or a forwarded message: the text goes to the applicant."""
        message = update.message
        if message is None or message.text is None:
            raise ApplicationHandlerStop
        number = await self._request_replied_to(message, context.bot.id)
        if number is None:
            if message.chat.type == ChatType.PRIVATE or _replies_to_bot(message, context.bot.id):
                await _answer(message, texts.UNKNOWN_REPLY_TEXT)
            raise ApplicationHandlerStop
        await self._reply(message, number, message.text)
        raise ApplicationHandlerStop

    async def on_reply_command(self, update: Update, context: Context) -> None:
        """/odpowiedz Z-0007 treść (the number may be left out when replying to a notice)."""
        message = update.message
        if message is None:
            raise ApplicationHandlerStop
        arguments = _arguments(message.text or "")
        head, body = _first_word(arguments)
        number = texts.parse_number(head)
        if number is None:  # "/odpowiedz treść" sent as a reply to a notice
            number = await self._request_replied_to(message, context.bot.id)
            body = arguments
        if number is None or not body.strip():
            await _answer(message, texts.USAGE_REPLY_TEXT)
        else:
            await self._reply(message, number, body)
        raise ApplicationHandlerStop

    async def _reply(self, message: Message, number: int, text: str) -> None:
        author = _author(message)
        try:
            channel = await self.db.call(lambda s: self._do_reply(s, number, text, author))
        except HandoffError as exc:
            await _answer(message, str(exc))
            return
        await _answer(
            message,
            texts.REPLY_QUEUED_TEXT.format(number=format_number(number), channel=channel),
        )

    def _do_reply(self, session: Session, number: int, text: str, author: str) -> str:
        reply = self.service.coordinator_reply(session, number=number, text=text, author=author)
        return texts.channel_name(reply.request.channel)

    # --- take / close -----------------------------------------------------------------------

    async def on_take_command(self, update: Update, context: Context) -> None:
        """/przejmij Z-0007."""
        await self._command_on_number(update, "przejmij", take=True)

    async def on_close_command(self, update: Update, context: Context) -> None:
        """/zamknij Z-0007."""
        await self._command_on_number(update, "zamknij", take=False)

    async def _command_on_number(self, update: Update, command: str, *, take: bool) -> None:
        message = update.message
        if message is None:
            raise ApplicationHandlerStop
        number = texts.parse_number(_first_word(_arguments(message.text or ""))[0])
        if number is None:
            await _answer(message, texts.USAGE_NUMBER_TEXT.format(command=command))
            raise ApplicationHandlerStop
        try:
            outcome, _ = await self._transition(number, _author(message), take=take)
        except HandoffError as exc:
            outcome = str(exc)
        await _answer(message, outcome)
        raise ApplicationHandlerStop

    async def on_button(self, update: Update, context: Context) -> None:
        """ "Przejmuję" / "Zamknij" under a notice; presses from other chats pass through."""
        query = update.callback_query
        pressed_on = query.message if query is not None else None
        if query is None or pressed_on is None or pressed_on.chat.id != self.chat_id:
            return
        match = _BUTTON.match(query.data or "")
        if match is None:  # not a hand-off button: nothing to do in this chat
            await _safe(query.answer())
            raise ApplicationHandlerStop
        action, number = match.group(1), int(match.group(2))
        who = query.from_user.full_name or str(query.from_user.id)
        still_open = False
        try:
            outcome, still_open = await self._transition(number, who, take=action == "take")
        except HandoffError as exc:
            outcome = str(exc)
        await _safe(query.answer(outcome[:190]))
        await _safe(context.bot.send_message(chat_id=self.chat_id, text=outcome, parse_mode=None))
        await _safe(
            context.bot.edit_message_reply_markup(
                chat_id=self.chat_id,
                message_id=pressed_on.message_id,
                reply_markup=_close_only(number) if still_open else None,
            )
        )
        raise ApplicationHandlerStop

    async def _transition(self, number: int, who: str, *, take: bool) -> tuple[str, bool]:
        """Take or close; returns what to tell the chat and whether the request is still open."""

        def work(session: Session) -> tuple[str, bool]:
            if take:
                return _take_text(self.service.take(session, number=number, by=who)), True
            closed = self.service.close(session, number=number, by=who)
            if not closed.changed:
                return texts.IS_CLOSED_TEXT.format(number=closed.request.number), False
            return texts.CLOSED_BY_TEXT.format(number=closed.request.number, who=who), False

        return await self.db.call(work)

    # --- listing and everything else --------------------------------------------------------

    async def on_list(self, update: Update, context: Context) -> None:
        """/zgloszenia: open requests, and a warning while messages could not be delivered."""
        message = update.message
        if message is not None:

            def work(session: Session) -> str:
                listing = texts.open_requests_text(
                    self.service.open_requests(session), self.service.clock()
                )
                return listing + texts.dead_letters_text(dead_letters(session))

            await _answer(message, await self.db.call(work))
        raise ApplicationHandlerStop

    async def on_other(self, update: Update, context: Context) -> None:
        """Anything else in the coordinator chat: help in private, silence in a group."""
        message = update.message
        if message is not None and message.chat.type == ChatType.PRIVATE:
            await _answer(message, texts.COORDINATOR_HELP_TEXT)
        raise ApplicationHandlerStop

    async def _request_replied_to(self, message: Message, bot_id: int) -> int | None:
        replied = message.reply_to_message
        if replied is None or not _replies_to_bot(message, bot_id):
            return None
        found = await self.db.call(
            lambda s: self.service.request_for_notice(
                s, chat_id=message.chat_id, message_id=replied.message_id
            )
        )
        return found if found is not None else texts.number_in_text(replied.text)


def _take_text(done: Transition) -> str:
    request = done.request
    if done.changed:
        return texts.TAKEN_TEXT.format(number=request.number, who=request.taken_by or "?")
    return texts.ALREADY_TAKEN_TEXT.format(number=request.number, who=request.taken_by or "?")


def _close_only(number: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("Zamknij", callback_data=f"{texts.CLOSE_PREFIX}{number}")]]
    )


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def _arguments(text: str) -> str:
    """What follows the command word, line breaks kept: `/odpowiedz@bot Z-7 a\nb` → `Z-7 a\nb`."""
    parts = text.strip().split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


def _first_word(text: str) -> tuple[str, str]:
    parts = text.split(maxsplit=1)
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


def _author(message: Message) -> str:
    user = message.from_user
    if user is None:
        return "koordynator"
    return user.full_name or user.username or str(user.id)


async def _answer(message: Message, text: str) -> None:
    await _safe(
        message.reply_text(
            text,
            parse_mode=None,
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True),
        )
    )


async def _safe(sending: Any) -> None:
    """Confirmations to the coordinator are best effort: the state change already happened."""
    try:
        await sending
    except TelegramError as exc:
        logger.warning("coordinator chat message not sent error=%s", type(exc).__name__)
