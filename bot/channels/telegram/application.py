"""Building, starting and stopping the python-telegram-bot Application inside our own event loop.

`start_telegram` / `stop_telegram` are `run_polling` without owning the loop, so the web app's
lifespan can run Telegram next to FastAPI: long polling by default, or — when
``TELEGRAM_WEBHOOK_URL`` is set — a registered webhook whose updates arrive through the router
of :mod:`bot.channels.telegram.webhook`.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from telegram import BotCommand
from telegram.constants import UpdateType
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.assistant import Assistant
from bot.channels.telegram.commands import InMemoryTelegramCommands, TelegramCommands
from bot.channels.telegram.conversation import TelegramConversation
from bot.channels.telegram.keyboards import CallbackStore
from bot.channels.telegram.outbound import TelegramChannel
from bot.channels.telegram.ratelimit import Clock, SlidingWindowLimiter
from bot.settings import Settings

logger = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES: Final = [UpdateType.MESSAGE.value, UpdateType.CALLBACK_QUERY.value]
"""Edited messages, channel posts, reactions… are not asked for, so Telegram does not send them."""

MAX_CONCURRENT_UPDATES: Final = 64
"""Chats are answered in parallel (a slow Rasa answer must not hold up everyone); messages of
one chat still wait for each other, see `ChatLocks`."""

BOT_COMMANDS: Final = (
    ("start", "Powitanie i informacja o danych"),
    ("pomoc", "Co potrafię — przykłady pytań"),
    ("koordynator", "Przekaż pytanie koordynatorowi"),
    ("status", "Moje zgłoszenia do koordynatora"),
    ("usun_dane", "Usuń zapisane dane tej rozmowy"),
)

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_CONVERSATION_KEY: Final = "asystent.conversation"


def build_application(
    settings: Settings,
    assistant: Assistant,
    *,
    commands: TelegramCommands | None = None,
    clock: Clock = time.monotonic,
    ask_timeout_s: float = 10.0,
) -> TelegramApp:
    """The Application with our handlers; nothing is contacted until `start_telegram`.

    Raises ValueError when ``TELEGRAM_BOT_TOKEN`` is not set.
    """
    token = settings.telegram_bot_token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    _redact_token_in_logs(token)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings.telegram_api_base_url))
        .concurrent_updates(MAX_CONCURRENT_UPDATES)
    )
    if settings.telegram_webhook_url:
        builder = builder.updater(None)
    app: TelegramApp = builder.build()
    conversation = TelegramConversation(
        assistant,
        commands or InMemoryTelegramCommands(),
        SlidingWindowLimiter(settings.telegram_rate_limit_per_minute, 60.0, clock=clock),
        CallbackStore(),
        ask_timeout_s=ask_timeout_s,
    )
    app.bot_data[_CONVERSATION_KEY] = conversation
    _register_handlers(app, conversation)
    return app


def _register_handlers(app: TelegramApp, conversation: TelegramConversation) -> None:
    new_message = filters.UpdateType.MESSAGE
    command_routes = (
        (["start"], conversation.on_start),
        (["pomoc", "help"], conversation.on_help),
        (["koordynator"], conversation.on_coordinator),
        (["status"], conversation.on_status),
        (["usun_dane"], conversation.on_delete_data),
    )
    for names, callback in command_routes:
        app.add_handler(CommandHandler(names, callback, filters=new_message))
    app.add_handler(MessageHandler(new_message & filters.COMMAND, conversation.on_unknown_command))
    app.add_handler(MessageHandler(new_message & filters.TEXT, conversation.on_text))
    # Service messages (someone joined, a pinned message…) are not addressed to anyone.
    app.add_handler(
        MessageHandler(new_message & ~filters.StatusUpdate.ALL, conversation.on_non_text)
    )
    app.add_handler(CallbackQueryHandler(conversation.on_button))
    app.add_error_handler(_log_error)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log handler failures without message contents; the application keeps running."""
    update_id = getattr(update, "update_id", None)
    error = context.error
    logger.error(
        "telegram update failed update_id=%s error=%s",
        update_id,
        type(error).__name__,
        exc_info=error if not isinstance(error, TelegramError) else None,
    )


def conversation_of(app: TelegramApp) -> TelegramConversation:
    """The handlers' state (limiter, callback store) of an application built here."""
    conversation: TelegramConversation = app.bot_data[_CONVERSATION_KEY]
    return conversation


def telegram_channel(app: TelegramApp) -> TelegramChannel:
    """The outbound channel for hand-off, sharing the application's bot and button store."""
    return TelegramChannel(app.bot, callbacks=conversation_of(app).callbacks)


async def start_telegram(app: TelegramApp, settings: Settings) -> None:
    """Connect to Telegram (getMe), then register the webhook or start long polling.

    Raises telegram.error.TelegramError if Telegram refuses (e.g. a wrong token) and ValueError
    if a webhook is configured without a valid ``TELEGRAM_WEBHOOK_SECRET``.
    """
    webhook_url = settings.telegram_webhook_url
    secret = settings.telegram_webhook_secret
    if webhook_url and not (secret and _SECRET_TOKEN.fullmatch(secret)):
        raise ValueError(
            "TELEGRAM_WEBHOOK_SECRET must be set (1-256 characters: A-Z, a-z, 0-9, _ and -) "
            "when TELEGRAM_WEBHOOK_URL is set"
        )
    try:
        await app.initialize()
        await _publish_commands(app)
        if webhook_url:
            await app.bot.set_webhook(
                webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
        elif app.updater is not None:
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        else:
            raise ValueError("built for a webhook, but TELEGRAM_WEBHOOK_URL is not set")
        await app.start()
    except InvalidToken:
        await stop_telegram(app)
        # PTB's own message quotes the token, which must not end up in logs.
        raise InvalidToken("TELEGRAM_BOT_TOKEN was rejected by Telegram") from None
    except BaseException:
        await stop_telegram(app)
        raise
    mode = "webhook" if webhook_url else "polling"
    logger.info("telegram started mode=%s bot=%s", mode, app.bot.username)


async def stop_telegram(app: TelegramApp) -> None:
    """Stop polling, finish the updates being handled, close connections; safe to call twice.

    A webhook stays registered, so Telegram keeps updates until the next start.
    """
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    # After a failed start the application is not initialised, but its HTTP clients may be.
    await app.bot.shutdown()
    logger.info("telegram stopped")


async def _publish_commands(app: TelegramApp) -> None:
    """The Polish command menu in Telegram clients; not worth failing the start over."""
    try:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in BOT_COMMANDS])
    except TelegramError as exc:
        logger.warning("telegram command menu not set error=%s", type(exc).__name__)


def file_base_url(base_url: str) -> str:
    """The file download URL next to an API URL: ``https://h/bot`` -> ``https://h/file/bot``."""
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(path="/file" + (parts.path or "/bot")))


class _RedactToken(logging.Filter):
    """httpx logs every request URL at INFO, and Telegram URLs contain the bot token."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<telegram-token>")
            record.args = None
        return True


_TOKEN_LOGGERS: Final = ("httpx", "telegram.Bot", "telegram.ext.ExtBot")


def _redact_token_in_logs(token: str) -> None:
    for name in _TOKEN_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, _RedactToken) and f.token == token for f in target.filters):
            target.addFilter(_RedactToken(token))
