"""ASGI app factory for the bot web app: health, web chat, Messenger and Telegram webhooks.

Channels are switched on by their settings only: without tokens the app serves the web
chat alone. Telegram long polling runs inside this process, started and stopped by the
app's lifespan, so `make run` has one process per role.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from bot.assistant import Assistant, RasaAssistant
from bot.channels.messenger.graph import GraphClient
from bot.channels.messenger.router import messenger_router
from bot.channels.telegram import (
    TelegramApp,
    TelegramCommands,
    build_application,
    create_telegram_router,
    start_telegram,
    stop_telegram,
)
from bot.settings import Settings
from bot.web.chat import chat_router, mount_static
from bot.web.security import add_security_headers

logger = logging.getLogger(__name__)

SHUTDOWN_DRAIN_S = 5.0


def create_app(
    settings: Settings,
    assistant: Assistant | None = None,
    *,
    telegram_commands: TelegramCommands | None = None,
) -> FastAPI:
    """Build the web app; `assistant` defaults to the Rasa REST channel at `settings.rasa_url`."""
    engine_assistant: Assistant = assistant or RasaAssistant(
        settings.rasa_url, timeout_s=settings.rasa_timeout_s
    )
    graph_http = httpx.AsyncClient(timeout=10.0)
    telegram: TelegramApp | None = None
    if settings.telegram_enabled:
        telegram = build_application(settings, engine_assistant, commands=telegram_commands)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info("bot web app starting environment=%s", settings.environment)
        async with AsyncExitStack() as stack:
            stack.push_async_callback(graph_http.aclose)
            closer = getattr(engine_assistant, "aclose", None)
            if closer is not None:
                stack.push_async_callback(closer)
            messenger = getattr(app.state, "messenger", None)
            if messenger is not None:
                stack.push_async_callback(messenger.drain, SHUTDOWN_DRAIN_S)
            if telegram is not None:
                await start_telegram(telegram, settings)
                stack.push_async_callback(stop_telegram, telegram)
            yield

    app = FastAPI(title="Asystent Naborów", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.assistant = engine_assistant
    app.state.telegram = telegram

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "telegram": telegram is not None,
            "messenger": settings.messenger_enabled,
        }

    add_security_headers(app)
    if settings.messenger_enabled:
        graph = GraphClient.from_settings(settings, graph_http)
        app.state.messenger = messenger_router(settings, engine_assistant, graph)
        app.include_router(app.state.messenger)
    if telegram is not None and settings.telegram_webhook_url:
        app.include_router(create_telegram_router(telegram, settings))
    app.include_router(chat_router(engine_assistant, timeout_s=settings.rasa_timeout_s + 2))
    mount_static(app)
    return app
