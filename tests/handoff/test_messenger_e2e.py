"""End to end over real HTTP: a Messenger applicant, the coordinator on Telegram.

Signed webhook POSTs reach the served Messenger router (the channel's own test server), the
coordinator's chat is the real PTB Application on the fake Bot API, replies go out through
the outbox to the fake Graph API.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bot.channels.messenger.graph import GraphClient
from bot.handoff.coordinator import CoordinatorChannel
from bot.handoff.rasa_flow import HandoffDesk
from bot.handoff.runtime import HandoffRuntime
from bot.settings import Settings, load_settings
from tests.channels.test_messenger import APP_SECRET, VERIFY_TOKEN, Bot, serve_bot, with_text
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.handoff.conftest import COORDINATOR_CHAT
from tests.handoff.stack import ObservedChannel, RasaStandIn, bot_message, coordinator_message

ALICE = "6543210987654321"
GROUP = {"id": COORDINATOR_CHAT, "title": "Koordynacja naborów", "type": "supergroup"}


@dataclass
class MessengerStack:
    webhook: Bot
    graph: FakeGraphApi
    api: FakeTelegramApi
    runtime: HandoffRuntime
    coordinator: ObservedChannel


@pytest.fixture
def graph() -> Any:
    with FakeGraphApi.running() as fake:
        yield fake


@pytest.fixture
async def stack(
    start_telegram_bot: Any, telegram_api: FakeTelegramApi, telegram_settings: Settings,
    database_url: str, graph: FakeGraphApi,
) -> AsyncIterator[MessengerStack]:  # fmt: skip
    settings = telegram_settings.model_copy(
        update={"database_url": database_url, "coordinator_chat_id": COORDINATOR_CHAT}
    )
    runtime = HandoffRuntime.build(settings)
    assistant = runtime.assistant(RasaStandIn(HandoffDesk(runtime.db, runtime.service)))
    telegram = await start_telegram_bot(assistant=assistant, commands=runtime.commands())
    runtime.attach_telegram(telegram.app)
    coordinator = ObservedChannel(CoordinatorChannel(telegram.app.bot, runtime.db, runtime.service))
    runtime.register(coordinator)
    messenger_settings = load_settings(
        None,
        environment="test",
        messenger_verify_token=VERIFY_TOKEN,
        messenger_app_secret=APP_SECRET,
        messenger_page_access_token=graph.access_token,
        messenger_graph_api_url=graph.base_url,
    )
    async with httpx.AsyncClient() as http:
        runtime.attach_messenger(GraphClient(graph.base_url, graph.access_token, http))
        await runtime.start()
        try:
            async with serve_bot(messenger_settings, assistant, graph) as webhook:
                yield MessengerStack(webhook, graph, telegram_api, runtime, coordinator)
        finally:
            await telegram.stop()
            await runtime.stop()


async def test_messenger_applicant_gets_the_coordinators_answer(stack: MessengerStack) -> None:
    started = time.monotonic()
    await stack.webhook.deliver(with_text("koordynator", mid="m_ho_1", psid=ALICE))
    [notice] = await stack.api.wait_for_call(
        "sendMessage", where=lambda c: c.chat_id == COORDINATOR_CHAT
    )
    to_coordinator = notice.received_at - started
    await stack.coordinator.wait_for(1)

    assert (notice.text or "").startswith("Zgłoszenie Z-0001 — nowe\nKanał: Messenger\n")
    confirmation = await stack.graph.wait_for(
        1, where=lambda c: (c.text or "").startswith("Przekazałem Twoje pytanie")
    )
    assert "zgłoszenie Z-0001" in (confirmation[0].text or "")

    request = stack.runtime.db.run(lambda s: stack.runtime.service.get(s, 1))
    replied = bot_message(GROUP, request.coordinator_message_id or 0, notice.text or "")
    started = time.monotonic()
    stack.api.push_update(
        coordinator_message(
            GROUP, "Dzień dobry! Proszę przesłać umowę.", message_id=901, reply_to=replied
        )
    )
    [answer] = await stack.graph.wait_for(
        1, where=lambda c: (c.text or "").startswith("Odpowiedź koordynatora")
    )
    to_applicant = answer.received_at - started
    assert answer.recipient == ALICE
    assert (
        answer.text
        == "Odpowiedź koordynatora (zgłoszenie Z-0001):\n\nDzień dobry! Proszę przesłać umowę."
    )
    assert answer.messaging_type == "RESPONSE"

    await stack.webhook.deliver(with_text("/status", mid="m_ho_2", psid=ALICE))
    [status] = await stack.graph.wait_for(
        1, where=lambda c: (c.text or "").startswith("Twoje zgłoszenia")
    )
    assert (status.text or "").endswith("— odpowiedziano")
    print(f"messenger: request→coordinator {to_coordinator * 1000:.0f} ms, "
          f"reply→applicant {to_applicant * 1000:.0f} ms")  # fmt: skip


async def test_messenger_follow_ups_reach_the_coordinator(stack: MessengerStack) -> None:
    await stack.webhook.deliver(with_text("koordynator", mid="m_ho_3", psid=ALICE))
    await stack.coordinator.wait_for(1)

    await stack.webhook.deliver(with_text("Umowa nr 5/2023, aneks 2.", mid="m_ho_4", psid=ALICE))

    [forwarded] = await stack.api.wait_for_call(
        "sendMessage",
        where=lambda c: c.chat_id == COORDINATOR_CHAT and "nowa wiadomość" in (c.text or ""),
    )
    assert forwarded.text == (
        "Z-0001 · nowa wiadomość od wnioskodawcy (Messenger):\n\nUmowa nr 5/2023, aneks 2."
    )
    ack = await stack.graph.wait_for(
        1, where=lambda c: (c.text or "").startswith("Twoja wiadomość trafiła do koordynatora")
    )
    assert ack
