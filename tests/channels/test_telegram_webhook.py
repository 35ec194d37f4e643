"""Webhook mode over real HTTP: Telegram's POSTs reach FastAPI (uvicorn in the test's loop,
so the router and the PTB Application share it); replies go to the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from bot.assistant import ScriptedAssistant
from bot.channels.telegram import (
    SECRET_HEADER,
    WEBHOOK_PATH,
    build_application,
    create_telegram_router,
    start_telegram,
)
from tests.fakes.telegram_api import FakeTelegramApi, TelegramHarness, load_update

SECRET = "s3cret-Token_for-webhook"
PUBLIC_URL = "https://asystent.example.org/webhooks/telegram"


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port inside the running loop; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):  # bounded wait for uvicorn's start-up flag
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@pytest.fixture
async def webhook_bot(start_telegram_bot: Any) -> TelegramHarness:
    bot: TelegramHarness = await start_telegram_bot(
        telegram_webhook_url=PUBLIC_URL, telegram_webhook_secret=SECRET
    )
    return bot


@pytest.fixture
async def webhook_url(webhook_bot: TelegramHarness) -> AsyncIterator[str]:
    web = FastAPI()
    web.include_router(create_telegram_router(webhook_bot.app, webhook_bot.settings))
    async with serve(web) as base:
        yield base + WEBHOOK_PATH


async def post(url: str, update: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=json.dumps(update), headers=headers or {})


async def test_webhook_mode_registers_the_webhook_and_does_not_poll(
    webhook_bot: TelegramHarness, telegram_api: FakeTelegramApi
) -> None:
    assert telegram_api.webhook == {
        "url": PUBLIC_URL,
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
    }
    assert webhook_bot.app.updater is None
    assert telegram_api.calls("getUpdates") == []
    assert telegram_api.calls("deleteWebhook") == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "wrong"},
        {SECRET_HEADER: SECRET + "x"},
        {SECRET_HEADER: SECRET.upper()},
        {SECRET_HEADER: "żółć"},  # non-ASCII must not crash compare_digest
    ],
    ids=["missing", "empty", "wrong", "longer", "case", "non-ascii"],
)
async def test_wrong_or_missing_secret_is_refused_and_not_processed(
    webhook_bot: TelegramHarness,
    webhook_url: str,
    scripted_assistant: ScriptedAssistant,
    headers: dict[str, str],
) -> None:
    async with httpx.AsyncClient() as client:  # bytes, so non-ASCII goes out as UTF-8
        response = await client.post(
            webhook_url,
            content=json.dumps(load_update("private_text")),
            headers={k.encode(): v.encode("utf-8") for k, v in headers.items()},
        )

    assert response.status_code == 403
    assert webhook_bot.app.update_queue.qsize() == 0
    await webhook_bot.stop()  # finishes anything queued: there must be nothing
    assert scripted_assistant.calls == []
    assert webhook_bot.api.sent_messages() == []


async def test_right_secret_is_processed_and_answered(
    webhook_bot: TelegramHarness, webhook_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    response = await post(webhook_url, load_update("private_text"), {SECRET_HEADER: SECRET})

    assert response.status_code == 200
    [sent] = await webhook_bot.api.wait_for_call("sendMessage")
    assert sent.text == "echo: Do kiedy można składać wnioski w naborze LGD?"
    assert len(scripted_assistant.calls) == 1


async def test_button_press_arrives_by_webhook_too(
    webhook_bot: TelegramHarness, webhook_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    response = await post(webhook_url, load_update("callback_query"), {SECRET_HEADER: SECRET})
    assert response.status_code == 200
    await webhook_bot.api.wait_for_call("answerCallbackQuery")
    await webhook_bot.api.wait_for_call("sendMessage")
    assert scripted_assistant.calls[0][1] == "/affirm"


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"text"', '{"message": 5}'])
async def test_malformed_update_with_right_secret_is_a_400(
    webhook_bot: TelegramHarness, webhook_url: str, body: str
) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(webhook_url, content=body, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 400
    assert webhook_bot.app.update_queue.qsize() == 0


async def test_without_a_configured_secret_every_request_is_refused(
    webhook_bot: TelegramHarness,
) -> None:
    settings = webhook_bot.settings.model_copy(update={"telegram_webhook_secret": None})
    web = FastAPI()
    web.include_router(create_telegram_router(webhook_bot.app, settings))
    async with serve(web) as base:
        for headers in ({}, {SECRET_HEADER: ""}, {SECRET_HEADER: SECRET}):
            response = await post(base + WEBHOOK_PATH, load_update("private_text"), headers)
            assert response.status_code == 403


@pytest.mark.parametrize("secret", [None, "", "has spaces", "x" * 257, "zażółć"])
async def test_webhook_start_needs_a_valid_secret(
    telegram_settings: Any, telegram_api: FakeTelegramApi, secret: str | None
) -> None:
    settings = telegram_settings.model_copy(
        update={"telegram_webhook_url": PUBLIC_URL, "telegram_webhook_secret": secret}
    )
    app = build_application(settings, ScriptedAssistant())
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET"):
        await start_telegram(app, settings)
    assert telegram_api.calls() == []
