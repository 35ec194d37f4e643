"""ASGI app factory for the bot web app: health, web chat, admin panel, webhooks, hand-off.

Channels are switched on by their settings only: without tokens the app serves the web
chat alone. Telegram long polling, the hand-off outbox worker and reminders run inside this
process, started and stopped by the app's lifespan, so `make run` has one process per role.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from bot.handoff.runtime import HandoffRuntime
    from knowledge_base.service import KnowledgeService

logger = logging.getLogger(__name__)

SHUTDOWN_DRAIN_S = 5.0


def create_app(
    settings: Settings,
    assistant: Assistant | None = None,
    *,
    handoff: HandoffRuntime | None = None,
    kb_sessions: sessionmaker[Session] | None = None,
    knowledge: KnowledgeService | None = None,
    telegram_commands: TelegramCommands | None = None,
) -> FastAPI:
    """Build the web app.

    Args:
        assistant: the conversational engine; defaults to Rasa's REST channel.
        handoff: when given, applicants with an open request talk to the coordinator, and
            replies are delivered by its outbox worker.
        kb_sessions: when given, the staff panel is served at /admin on that database.
    """
    inner: Assistant = assistant or RasaAssistant(
        settings.rasa_url, timeout_s=settings.rasa_timeout_s
    )
    engine_assistant: Assistant = handoff.assistant(inner) if handoff else inner
    if handoff is not None and telegram_commands is None:
        telegram_commands = handoff.commands()
    graph_http = httpx.AsyncClient(timeout=10.0)
    telegram: TelegramApp | None = None
    if settings.telegram_enabled:
        telegram = build_application(settings, engine_assistant, commands=telegram_commands)
        if handoff is not None:
            handoff.attach_telegram(telegram)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info("bot web app starting environment=%s", settings.environment)
        async with AsyncExitStack() as stack:
            stack.push_async_callback(graph_http.aclose)
            closer = getattr(inner, "aclose", None)
            if closer is not None:
                stack.push_async_callback(closer)
            messenger = getattr(app.state, "messenger", None)
            if messenger is not None:
                stack.push_async_callback(messenger.drain, SHUTDOWN_DRAIN_S)
            if handoff is not None:
                await handoff.start()
                stack.push_async_callback(handoff.stop)
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
            "handoff": handoff is not None,
            "admin": kb_sessions is not None,
        }

    add_security_headers(app)
    if settings.messenger_enabled:
        graph = GraphClient.from_settings(settings, graph_http)
        if handoff is not None:
            handoff.attach_messenger(graph)
        app.state.messenger = messenger_router(settings, engine_assistant, graph)
        app.include_router(app.state.messenger)
    if telegram is not None and settings.telegram_webhook_url:
        app.include_router(create_telegram_router(telegram, settings))
    if handoff is not None:
        app.include_router(handoff.router())
    if kb_sessions is not None:
        from bot.admin.router import admin_router

        app.include_router(
            admin_router(
                settings,
                kb_sessions,
                knowledge,
                handoff.service if handoff else None,
                handoff_db=handoff.db if handoff else None,
            )
        )
    app.include_router(
        chat_router(
            engine_assistant,
            timeout_s=settings.rasa_timeout_s + 2,
            updates_path="/api/chat/updates" if handoff is not None else None,
        )
    )
    mount_static(app)
    return app
