"""FastAPI route receiving Telegram updates in webhook mode (``POST /webhooks/telegram``)."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Final

from fastapi import APIRouter, Request, Response
from telegram import Update

from bot.channels.telegram.application import TelegramApp
from bot.settings import Settings

logger = logging.getLogger(__name__)

WEBHOOK_PATH: Final = "/webhooks/telegram"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


def create_telegram_router(app: TelegramApp, settings: Settings) -> APIRouter:
    """The webhook route; requests without the exact secret token get 403 and are not read.

    Updates are queued for the running Application and acknowledged at once, so Telegram is
    never kept waiting for Rasa. With no secret configured every request is refused.
    """
    secret = (settings.telegram_webhook_secret or "").encode("utf-8")
    router = APIRouter()

    @router.post(WEBHOOK_PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        supplied = request.headers.get(SECRET_HEADER)
        if not _secret_matches(supplied, secret):
            logger.warning(
                "telegram webhook refused reason=%s",
                "missing secret" if supplied is None else "wrong secret",
            )
            return Response(status_code=403)
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, app.bot)
        except Exception as exc:  # PTB's parser raises whatever a malformed field causes
            logger.warning("telegram webhook bad update error=%s", type(exc).__name__)
            return Response(status_code=400)
        await app.update_queue.put(update)
        return Response(status_code=200)

    return router


def _secret_matches(supplied: str | None, secret: bytes) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str; an empty secret never matches.
    if supplied is None or not secret:
        return False
    return hmac.compare_digest(supplied.encode("utf-8"), secret)
