"""Fixtures for the Telegram channel tests, reusable by hand-off tests in this folder.

- `telegram_api`: the fake Bot API (one server per session, reset for every test);
- `telegram_settings`: Settings pointing the bot at it (polling, generous rate limit);
- `start_telegram_bot`: async factory starting the REAL Application with overrides, stopped
  at teardown; `telegram_bot` is the default one, answering through `scripted_assistant`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from bot.assistant import Assistant, ScriptedAssistant
from bot.channels.telegram import TelegramCommands, build_application, start_telegram
from bot.settings import Settings, load_settings
from tests.fakes.telegram_api import FakeTelegramApi, TelegramHarness

StartBot = Callable[..., Awaitable[TelegramHarness]]


@pytest.fixture(scope="session")
def telegram_api_server() -> Iterator[FakeTelegramApi]:
    with FakeTelegramApi.running() as api:
        yield api


@pytest.fixture
def telegram_api(telegram_api_server: FakeTelegramApi) -> Iterator[FakeTelegramApi]:
    telegram_api_server.reset()
    yield telegram_api_server
    telegram_api_server.reset()


@pytest.fixture
def telegram_settings(telegram_api: FakeTelegramApi) -> Settings:
    return load_settings(
        None,
        environment="test",
        telegram_bot_token=telegram_api.token,
        telegram_api_base_url=telegram_api.base_url,
        telegram_webhook_url=None,
        telegram_webhook_secret=None,
        telegram_rate_limit_per_minute=1000,
    )


@pytest.fixture
def scripted_assistant() -> ScriptedAssistant:
    return ScriptedAssistant()


@pytest.fixture
async def start_telegram_bot(
    telegram_api: FakeTelegramApi,
    telegram_settings: Settings,
    scripted_assistant: ScriptedAssistant,
) -> AsyncIterator[StartBot]:
    started: list[TelegramHarness] = []

    async def start(
        *,
        assistant: Assistant | None = None,
        commands: TelegramCommands | None = None,
        clock: Callable[[], float] = time.monotonic,
        ask_timeout_s: float = 10.0,
        **setting_overrides: Any,
    ) -> TelegramHarness:
        settings = telegram_settings.model_copy(update=setting_overrides)
        app = build_application(
            settings,
            assistant or scripted_assistant,
            commands=commands,
            clock=clock,
            ask_timeout_s=ask_timeout_s,
        )
        harness = TelegramHarness(telegram_api, app, settings)
        started.append(harness)
        await start_telegram(app, settings)
        return harness

    yield start
    for harness in started:
        await harness.stop()


@pytest.fixture
async def telegram_bot(start_telegram_bot: StartBot) -> TelegramHarness:
    return await start_telegram_bot()
