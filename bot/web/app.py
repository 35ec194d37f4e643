"""ASGI app factory for the bot web app (health now; web chat, admin and webhooks mount here)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from bot.assistant import Assistant, RasaAssistant
from bot.settings import Settings
from bot.web.chat import chat_router, mount_static
from bot.web.security import add_security_headers

logger = logging.getLogger(__name__)


def create_app(settings: Settings, assistant: Assistant | None = None) -> FastAPI:
    """Build the web app; `assistant` defaults to the Rasa REST channel at `settings.rasa_url`."""
    engine_assistant: Assistant = assistant or RasaAssistant(
        settings.rasa_url, timeout_s=settings.rasa_timeout_s
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info("bot web app starting environment=%s", settings.environment)
        yield
        closer = getattr(engine_assistant, "aclose", None)
        if closer is not None:
            await closer()

    app = FastAPI(title="Asystent Naborów", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.assistant = engine_assistant

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok"}

    add_security_headers(app)
    app.include_router(chat_router(engine_assistant, timeout_s=settings.rasa_timeout_s + 2))
    mount_static(app)
    return app
