"""Telegram channel: python-telegram-bot in front of the Rasa REST channel.

Wiring (from the web app's lifespan)::

    telegram_app = build_application(settings, assistant, commands=handoff_commands)
    if settings.telegram_webhook_url:
        fastapi_app.include_router(create_telegram_router(telegram_app, settings))
    await start_telegram(telegram_app, settings)
    ...
    await stop_telegram(telegram_app)

Replies are sent as plain text, never Markdown/HTML: see :mod:`.outbound`.
"""

from bot.channels.telegram.application import (
    TelegramApp,
    build_application,
    conversation_of,
    start_telegram,
    stop_telegram,
    telegram_channel,
)
from bot.channels.telegram.commands import InMemoryTelegramCommands, TelegramCommands
from bot.channels.telegram.outbound import TelegramChannel, delivery_error
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH, create_telegram_router

__all__ = [
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "InMemoryTelegramCommands",
    "TelegramApp",
    "TelegramChannel",
    "TelegramCommands",
    "build_application",
    "conversation_of",
    "create_telegram_router",
    "delivery_error",
    "start_telegram",
    "stop_telegram",
    "telegram_channel",
]
