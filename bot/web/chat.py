"""The local web chat: the page at ``/`` and its JSON endpoint ``POST /api/chat``.

The browser keeps a random session id (sessionStorage) and sends it with each message; the
assistant sees the conversation as sender ``web:<session>``. Input errors come back as a Polish
``detail`` the page shows as is; an assistant that is down or slow yields one reply with
:data:`~bot.assistant.UNAVAILABLE_TEXT`, so the page never has to explain a 5xx.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.routing import Mount

from bot.assistant import UNAVAILABLE_TEXT, Assistant, AssistantUnavailableError, BotReply

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"

CHAT_PATH = "/api/chat"
CHAT_ROUTE_NAME = "web_chat_api"
MAX_CHARS = 2000
TIMEOUT_S = 10.0
# The page generates a UUID; anything of this shape is accepted so other clients can use it.
SESSION_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
SENDER_PREFIX = "web:"
CHANNEL_METADATA = {"channel": "web"}
# JSON may escape every character as \uXXXX (12 bytes for a surrogate pair), plus the envelope.
BYTES_PER_CHAR = 12
ENVELOPE_BYTES = 1024

EMPTY_TEXT = "Napisz pytanie."
NOT_JSON_TEXT = "Nie udało się odczytać wiadomości. Odśwież stronę i spróbuj ponownie."
WRONG_TYPE_TEXT = "Wiadomość trzeba wysłać jako JSON (Content-Type: application/json)."
NOT_TEXT_TEXT = "Wiadomość musi być tekstem."
BAD_SESSION_TEXT = "Nieprawidłowy identyfikator rozmowy. Odśwież stronę i spróbuj ponownie."


def too_long_text(max_chars: int) -> str:
    """The error for an oversized message ("do N znaków": genitive plural for every N > 1)."""
    return f"Wiadomość jest za długa — skróć ją do {max_chars} znaków."


def chat_router(
    assistant: Assistant,
    *,
    max_chars: int = MAX_CHARS,
    timeout_s: float = TIMEOUT_S,
    updates_path: str | None = None,
) -> APIRouter:
    """The chat page and API; the static files it needs come from :func:`mount_static`."""
    router = APIRouter()
    page = _render_page(max_chars, updates_path)
    max_body = max_chars * BYTES_PER_CHAR + ENVELOPE_BYTES

    @router.get("/", response_class=HTMLResponse, include_in_schema=False, name="web_chat_page")
    async def chat_page() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @router.post(CHAT_PATH, name=CHAT_ROUTE_NAME)
    async def chat(request: Request) -> JSONResponse:
        session, message = await _read_chat_request(request, max_chars, max_body)
        replies = await _ask(assistant, session, message, timeout_s)
        body = {"replies": [_reply_json(r) for r in replies if r.text or r.buttons]}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    return router


def mount_static(app: FastAPI) -> None:
    """Serve ``bot/web/static`` at ``/static`` once (features keep files in their own folder)."""
    if any(isinstance(r, Mount) and r.path == "/static" for r in app.routes):
        return
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _render_page(max_chars: int, updates_path: str | None = None) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"])
    )
    return env.get_template("chat.html").render(
        max_chars=max_chars,
        empty_text=EMPTY_TEXT,
        too_long_text=too_long_text(max_chars),
        updates_path=updates_path or "",
    )


async def _read_chat_request(request: Request, max_chars: int, max_body: int) -> tuple[str, str]:
    """Validate the JSON body; return ``(session, message)`` or raise with a Polish detail."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise HTTPException(415, WRONG_TYPE_TEXT)
    body = await _read_body(request, max_body)
    if body is None:
        raise HTTPException(413, too_long_text(max_chars))
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise HTTPException(400, NOT_JSON_TEXT) from None
    if not isinstance(data, dict):
        raise HTTPException(400, NOT_JSON_TEXT)
    message = data.get("message")
    if message is None:
        raise HTTPException(422, EMPTY_TEXT)
    if not isinstance(message, str):
        raise HTTPException(422, NOT_TEXT_TEXT)
    message = message.strip()
    if not message:
        raise HTTPException(422, EMPTY_TEXT)
    if len(message) > max_chars:
        raise HTTPException(422, too_long_text(max_chars))
    session = data.get("session")
    if not isinstance(session, str) or not SESSION_RE.fullmatch(session):
        raise HTTPException(422, BAD_SESSION_TEXT)
    return session, message


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it grows past `limit` bytes (never read it all)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _ask(
    assistant: Assistant, session: str, message: str, timeout_s: float
) -> list[BotReply]:
    """The assistant's replies, or the "unavailable" reply when it fails or takes too long."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            replies = await assistant.ask(
                SENDER_PREFIX + session, message, metadata=dict(CHANNEL_METADATA)
            )
    except AssistantUnavailableError as exc:
        logger.warning("web chat assistant unavailable session=%s error=%s", session[:8], exc)
    except TimeoutError:
        logger.warning("web chat assistant timeout session=%s after_s=%s", session[:8], timeout_s)
    except Exception:
        logger.exception("web chat assistant failed session=%s", session[:8])
    else:
        elapsed_ms = round((time.monotonic() - started) * 1000)
        logger.info(
            "web chat answered session=%s replies=%s ms=%s", session[:8], len(replies), elapsed_ms
        )
        return replies
    return [BotReply(text=UNAVAILABLE_TEXT)]


def _reply_json(reply: BotReply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
    }
