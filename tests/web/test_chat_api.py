"""POST /api/chat and the page's headers, over real HTTP against uvicorn."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.assistant import UNAVAILABLE_TEXT, BotReply, ScriptedAssistant
from bot.web.chat import (
    BAD_SESSION_TEXT,
    EMPTY_TEXT,
    NOT_JSON_TEXT,
    NOT_TEXT_TEXT,
    WRONG_TYPE_TEXT,
    too_long_text,
)
from tests.support.server import serve_app
from tests.web.conftest import (
    AMOUNT_ANSWER,
    DEADLINE_ANSWER,
    DEADLINE_BUTTONS,
    bare_chat_app,
    chat_app,
    polish_answers,
)

SESSION = str(uuid.uuid4())
TOO_LONG = "Wiadomość jest za długa — skróć ją do 2000 znaków."


class HangingAssistant(ScriptedAssistant):
    """Never answers: waits for an event nobody sets (like Rasa stuck on a slow action)."""

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        self.calls.append((sender_id, text, metadata or {}))
        await asyncio.Event().wait()
        return []


@pytest.fixture(scope="module")
def shared_chat() -> Iterator[tuple[str, ScriptedAssistant]]:
    """One server for the module (starting one per test would triple the run time)."""
    assistant = ScriptedAssistant(polish_answers)
    with serve_app(chat_app(assistant)) as base_url:
        yield base_url, assistant


@pytest.fixture
def assistant(shared_chat: tuple[str, ScriptedAssistant]) -> ScriptedAssistant:
    shared_chat[1].calls.clear()
    return shared_chat[1]


@pytest.fixture
def api(
    shared_chat: tuple[str, ScriptedAssistant], assistant: ScriptedAssistant
) -> Iterator[httpx.Client]:
    # verify=False: plain HTTP on loopback, and it skips loading the CA bundle for each client.
    with httpx.Client(base_url=shared_chat[0], timeout=10, verify=False) as client:
        yield client


def ask(client: httpx.Client, message: Any, session: Any = SESSION) -> httpx.Response:
    return client.post("/api/chat", json={"session": session, "message": message})


def test_question_gets_the_answer_as_sender_web_session(
    api: httpx.Client, assistant: ScriptedAssistant
) -> None:
    response = ask(api, "  Kiedy mija termin naboru?\n")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    replies = response.json()["replies"]
    assert [r["text"] for r in replies] == [DEADLINE_ANSWER]
    assert assistant.calls == [(f"web:{SESSION}", "Kiedy mija termin naboru?", {"channel": "web"})]


def test_buttons_come_with_title_and_payload(api: httpx.Client) -> None:
    replies = ask(api, "termin?").json()["replies"]

    assert replies[0]["buttons"] == [
        {"title": b.title, "payload": b.payload} for b in DEADLINE_BUTTONS
    ]


def test_button_payload_is_passed_to_the_assistant(
    api: httpx.Client, assistant: ScriptedAssistant
) -> None:
    replies = ask(api, "/ask_amount").json()["replies"]

    assert replies == [{"text": AMOUNT_ANSWER, "buttons": []}]
    assert assistant.calls[-1][1] == "/ask_amount"


def test_replies_without_text_or_buttons_are_left_out() -> None:
    custom_only = ScriptedAssistant(
        lambda text: [BotReply(custom={"x": 1}), BotReply(text="Jest odpowiedź.")]
    )
    with serve_app(bare_chat_app(custom_only)) as url:
        response = httpx.post(f"{url}/api/chat", json={"session": SESSION, "message": "?"})

    assert response.json() == {"replies": [{"text": "Jest odpowiedź.", "buttons": []}]}


def test_message_of_exactly_max_chars_is_accepted(api: httpx.Client) -> None:
    assert ask(api, "ż" * 2000).status_code == 200


@pytest.mark.parametrize(
    ("message", "status", "detail"),
    [
        pytest.param("", 422, EMPTY_TEXT, id="empty"),
        pytest.param(" \n\t ", 422, EMPTY_TEXT, id="whitespace"),
        pytest.param(None, 422, EMPTY_TEXT, id="null"),
        pytest.param(123, 422, NOT_TEXT_TEXT, id="number"),
        pytest.param(["a"], 422, NOT_TEXT_TEXT, id="list"),
        pytest.param("ż" * 2001, 422, TOO_LONG, id="2001-chars"),
        pytest.param("a" * 30_000, 413, TOO_LONG, id="huge-body"),
    ],
)
def test_bad_message_is_refused_in_polish(
    api: httpx.Client,
    assistant: ScriptedAssistant,
    message: Any,
    status: int,
    detail: str,
) -> None:
    response = ask(api, message)

    assert (response.status_code, response.json()) == (status, {"detail": detail})
    assert assistant.calls == []


def test_too_long_text_names_the_configured_limit() -> None:
    assert too_long_text(2000) == TOO_LONG


def test_missing_message_is_refused(api: httpx.Client) -> None:
    response = api.post("/api/chat", json={"session": SESSION})

    assert (response.status_code, response.json()["detail"]) == (422, EMPTY_TEXT)


@pytest.mark.parametrize(
    "session",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("short", id="too-short"),
        pytest.param("a" * 65, id="too-long"),
        pytest.param("../../etc/passwd", id="path"),
        pytest.param("abc def ghi", id="space"),
        pytest.param("sesja-żółw-123", id="non-ascii"),
        pytest.param("abcdefgh\n", id="trailing-newline"),
        pytest.param(12345678, id="number"),
    ],
)
def test_bad_session_is_refused(
    api: httpx.Client, assistant: ScriptedAssistant, session: Any
) -> None:
    response = ask(api, "Kiedy termin?", session=session)

    assert (response.status_code, response.json()) == (422, {"detail": BAD_SESSION_TEXT})
    assert assistant.calls == []


def test_session_of_64_safe_characters_is_accepted(api: httpx.Client) -> None:
    assert ask(api, "Kiedy termin?", session="A_b-" * 16).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"to nie jest JSON", id="text"),
        pytest.param(b'{"session": "abc', id="truncated"),
        pytest.param(b"\xff\xfe\x00", id="not-utf8"),
        pytest.param(b"[1, 2]", id="array"),
        pytest.param(b'"pytanie"', id="string"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[" * 20_000, id="deeply-nested"),
    ],
)
def test_body_that_is_not_a_json_object_is_refused(api: httpx.Client, body: bytes) -> None:
    response = api.post("/api/chat", content=body, headers={"Content-Type": "application/json"})

    assert (response.status_code, response.json()) == (400, {"detail": NOT_JSON_TEXT})


def test_form_post_is_refused_as_not_json(api: httpx.Client) -> None:
    response = api.post("/api/chat", data={"session": SESSION, "message": "Kiedy termin?"})

    assert (response.status_code, response.json()) == (415, {"detail": WRONG_TYPE_TEXT})


def test_json_with_charset_is_accepted(api: httpx.Client) -> None:
    response = api.post(
        "/api/chat",
        content=f'{{"session": "{SESSION}", "message": "termin"}}'.encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert response.status_code == 200


def test_assistant_down_gives_the_unavailable_reply(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.web.chat"):
        response = ask(api, "Mamy awarię?")

    assert response.status_code == 200
    assert response.json() == {"replies": [{"text": UNAVAILABLE_TEXT, "buttons": []}]}
    assert "web chat assistant unavailable" in caplog.text
    assert "Mamy awarię" not in caplog.text, "the applicant's words stay out of the log"


def test_assistant_crashing_gives_the_unavailable_reply(caplog: pytest.LogCaptureFixture) -> None:
    def broken(text: str) -> list[BotReply]:
        raise RuntimeError("bug in a channel adapter")

    with serve_app(bare_chat_app(ScriptedAssistant(broken))) as url, caplog.at_level(logging.ERROR):
        response = httpx.post(f"{url}/api/chat", json={"session": SESSION, "message": "Pytanie"})

    assert response.json() == {"replies": [{"text": UNAVAILABLE_TEXT, "buttons": []}]}
    assert "web chat assistant failed" in caplog.text


def test_assistant_hanging_times_out_to_the_unavailable_reply(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hanging = HangingAssistant()
    with (
        serve_app(bare_chat_app(hanging, timeout_s=0.5)) as url,
        caplog.at_level(logging.WARNING, logger="bot.web.chat"),
    ):
        started = time.monotonic()
        response = httpx.post(
            f"{url}/api/chat", json={"session": SESSION, "message": "Pytanie"}, timeout=10
        )
        elapsed = time.monotonic() - started

    assert response.json() == {"replies": [{"text": UNAVAILABLE_TEXT, "buttons": []}]}
    assert 0.5 <= elapsed < 3
    assert len(hanging.calls) == 1
    assert "web chat assistant timeout" in caplog.text


@pytest.mark.parametrize("path", ["/", "/static/chat/chat.js", "/api/chat", "/health"])
def test_security_headers_on_every_response(api: httpx.Client, path: str) -> None:
    response = api.post(path, json={}) if path == "/api/chat" else api.get(path)

    csp = response.headers["content-security-policy"]
    assert csp.startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_page_is_polish_and_loads_only_local_files(api: httpx.Client) -> None:
    response = api.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="pl">' in html
    assert "<title>Asystent Naborów</title>" in html
    assert 'name="viewport"' in html
    assert 'placeholder="Zadaj pytanie o nabór…"' in html
    assert ">Wyślij</button>" in html
    assert "Rozmowa służy tylko do odpowiedzi na pytania o nabory" in html
    assert 'aria-live="polite"' in html
    assert 'data-too-long-text="Wiadomość jest za długa — skróć ją do 2000 znaków."' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script would break the CSP"
    assert not re.search(r"\bstyle=", html), "inline style would break the CSP"
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/static/"), url


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/chat/chat.js", "javascript"),
        ("/static/chat/chat.css", "text/css"),
        ("/static/chat/favicon.svg", "image/svg+xml"),
    ],
)
def test_static_files_are_served(api: httpx.Client, path: str, content_type: str) -> None:
    response = api.get(path)

    assert response.status_code == 200
    assert content_type in response.headers["content-type"]


def test_chat_js_never_assigns_html(api: httpx.Client) -> None:
    script = api.get("/static/chat/chat.js").text

    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert risky not in script
