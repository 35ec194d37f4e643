"""Fixtures for the web chat: a scripted Polish assistant, the app served over HTTP, a browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import NoMatchFound

from bot.assistant import AssistantUnavailableError, BotReply, Button, ScriptedAssistant
from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.chat import CHAT_ROUTE_NAME, chat_router, mount_static
from bot.web.security import add_security_headers
from tests.support.browser import browser_page, chromium  # noqa: F401  (fixtures)
from tests.support.server import serve_app

DEADLINE_ANSWER = (
    "Nabór trwa do 15 marca 2025 r., do godz. 15:30.\n"
    "Wniosek składasz przez generator wniosków.\n"
    "Ogłoszenie: https://lgd.example.pl/nabory/2025-1."
)
DOCUMENTS_ANSWER = "Do wniosku dołącz:\n– statut organizacji,\n– wypis z KRS,\n– kosztorys."
AMOUNT_ANSWER = "Maksymalnie 50 000 zł na jeden projekt."
HOSTILE_ANSWER = 'Przykład: <script>alert(1)</script> oraz <img src=x onerror="alert(2)"> — koniec.'
LINKS_ANSWER = (
    "Regulamin (https://example.org/regulamin_(2025)), "
    "formularz: http://example.org/formularz?x=1&y=ż.\n"
    "Nie linkuj: javascript:alert(1) ani ftp://example.org/plik."
)
FALLBACK_PREFIX = "Nie znam jeszcze odpowiedzi na pytanie:"
DEADLINE_BUTTONS = (
    Button("Jakie dokumenty trzeba dołączyć?", "/ask_documents"),
    Button("Ile wynosi dofinansowanie?", "/ask_amount"),
)


def polish_answers(text: str) -> list[BotReply]:
    """What the scripted assistant answers, by keyword or button payload."""
    lowered = text.lower()
    if text == "/ask_documents":
        return [BotReply(text=DOCUMENTS_ANSWER)]
    if text == "/ask_amount":
        return [BotReply(text=AMOUNT_ANSWER)]
    if "awari" in lowered:
        raise AssistantUnavailableError("rasa is down (scripted)")
    if "termin" in lowered:
        return [BotReply(text=DEADLINE_ANSWER, buttons=DEADLINE_BUTTONS)]
    if "skrypt" in lowered:
        return [BotReply(text=HOSTILE_ANSWER)]
    if "link" in lowered:
        return [BotReply(text=LINKS_ANSWER)]
    return [BotReply(text=f"{FALLBACK_PREFIX} „{text}”. Zapytaj o termin, dokumenty albo kwotę.")]


def chat_app(assistant: Any, **router_options: Any) -> FastAPI:
    """The real app with the web chat; wires the chat in only if create_app does not yet."""
    app = create_app(load_settings(env_file=None, environment="test"), assistant)
    try:
        app.url_path_for(CHAT_ROUTE_NAME)  # create_app already serves the chat
    except NoMatchFound:
        app.include_router(chat_router(assistant, **router_options))
    mount_static(app)
    add_security_headers(app)
    return app


def bare_chat_app(assistant: Any, **router_options: Any) -> FastAPI:
    """Only the web chat (with /health), for router options create_app does not expose."""
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(chat_router(assistant, **router_options))
    mount_static(app)
    add_security_headers(app)
    return app


@pytest.fixture
def scripted_assistant() -> ScriptedAssistant:
    return ScriptedAssistant(polish_answers)


@pytest.fixture
def chat_app_url(scripted_assistant: ScriptedAssistant) -> Iterator[str]:
    """Base URL of create_app(...) with the chat and the scripted assistant, over real HTTP."""
    with serve_app(chat_app(scripted_assistant)) as base_url:
        yield base_url
