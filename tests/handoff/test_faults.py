"""Faults over real HTTP: 5xx, 429 + retry_after, timeouts and workers dying mid-way.

The worker runs on a manual clock (`run_once`, deterministic); the chat APIs are the fake
Telegram Bot API and the fake Graph API. Every test checks what the applicant finally saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import Any

import httpx
import pytest
from telegram import Bot

from bot.assistant import BotReply
from bot.channels.messenger.graph import GraphClient
from bot.channels.telegram.outbound import TelegramChannel
from bot.handoff.db import Database
from bot.handoff.outbox import RetryPolicy
from bot.handoff.service import HandoffService
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.handoff.conftest import ManualClock, ScriptedChannel, make_worker, open_for, outbox_rows

ANNA_CHAT = 5123456789
ALICE = "6543210987654321"
PATIENT = RetryPolicy(max_attempts=10, base_delay_s=2.0, jitter=0.0)


class ProcessDied(BaseException):
    """Stands for the process being killed: nothing in the worker catches it."""


class Dying:
    """A channel whose process dies after `crash_after` successful deliveries."""

    name = "telegram"

    def __init__(self, inner: TelegramChannel):
        self.inner = inner
        self.sent = 0
        self.crash_after: int | None = None

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        if self.sent == self.crash_after:
            raise ProcessDied
        await self.inner.deliver(recipient, replies)
        self.sent += 1


class DiesAfterSending:
    """The crash window: the API accepted the message, the process dies before noting it."""

    name = "messenger"

    def __init__(self, inner: GraphClient):
        self.inner = inner
        self.accepted = asyncio.Event()

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        await self.inner.deliver(recipient, replies)
        self.accepted.set()
        await asyncio.Event().wait()  # killed here


def reply_texts(count: int) -> list[str]:
    return [
        f"Odpowiedź koordynatora (zgłoszenie Z-0001):\n\nCzęść {n}" for n in range(1, count + 1)
    ]


def answer_many(db: Database, service: HandoffService, count: int) -> None:
    for n in range(1, count + 1):
        db.run(partial(service.coordinator_reply, number=1, text=f"Część {n}", author="Ewa"))


@pytest.fixture
async def telegram_bot_client(telegram_api: FakeTelegramApi) -> AsyncIterator[Bot]:
    async with Bot(telegram_api.token, base_url=telegram_api.base_url) as bot:
        yield bot


@pytest.fixture
def graph() -> Any:
    with FakeGraphApi.running() as fake:
        yield fake


async def test_telegram_500s_429_and_a_restart(
    database_url: str,
    service: HandoffService,
    clock: ManualClock,
    telegram_api: FakeTelegramApi,
    telegram_bot_client: Bot,
) -> None:
    first_db = Database.from_url(database_url)
    open_for(first_db, service, f"telegram:{ANNA_CHAT}")
    answer_many(first_db, service, 6)
    coordinator = ScriptedChannel("coordinator")
    telegram = Dying(TelegramChannel(telegram_bot_client))
    worker = make_worker(first_db, clock, telegram, coordinator, policy=PATIENT)

    telegram_api.fail_next(3, status=500, method="sendMessage")
    for wait in (0, 2, 4):  # 500 three times, back-off 2 s, 4 s, 8 s
        clock.advance(seconds=wait)
        report = await worker.run_once()
        assert report.retried == 1
    telegram_api.fail_next(1, status=429, retry_after=30, method="sendMessage")
    clock.advance(seconds=8)
    assert (await worker.run_once()).retried == 1
    [row] = outbox_rows(first_db, recipient=str(ANNA_CHAT), status="pending")[:1]
    assert "retry in 30 seconds" in (row.last_error or "").lower()
    clock.advance(seconds=29)
    assert (await worker.run_once()).sent == 0  # Telegram said 30 s

    clock.advance(seconds=1)
    telegram.crash_after = 3  # the process dies just before sending the 4th reply
    with pytest.raises(ProcessDied):
        await worker.run_once()
    assert len(telegram_api.sent_messages(ANNA_CHAT)) == 3
    first_db.dispose()  # "restart": new engine, new worker, new bot client

    second_db = Database.from_url(database_url)
    async with Bot(telegram_api.token, base_url=telegram_api.base_url) as bot:
        restarted = make_worker(second_db, clock, TelegramChannel(bot), coordinator, policy=PATIENT)
        assert (await restarted.run_once()).sent == 0  # the dead process's lease holds
        clock.advance(seconds=61)
        assert (await restarted.run_once()).sent == 3
    second_db.dispose()

    assert telegram_api.sent_texts(ANNA_CHAT) == reply_texts(6)
    assert {r.status for r in outbox_rows(Database.from_url(database_url))} == {"sent"}


async def test_messenger_5xx_429_slow_and_a_crash_before_sending(
    database_url: str, service: HandoffService, clock: ManualClock, graph: FakeGraphApi
) -> None:
    db = Database.from_url(database_url)
    open_for(db, service, f"messenger:{ALICE}")
    answer_many(db, service, 5)
    coordinator = ScriptedChannel("coordinator")
    async with httpx.AsyncClient() as http:
        messenger = GraphClient(graph.base_url, graph.access_token, http, timeout_s=2.0)
        worker = make_worker(db, clock, messenger, coordinator, policy=PATIENT)

        graph.fail_next(2, status=500)
        assert (await worker.run_once()).retried == 1
        clock.advance(seconds=2)
        assert (await worker.run_once()).retried == 1
        graph.rate_limit_next(1, retry_after_s=20)
        clock.advance(seconds=4)
        assert (await worker.run_once()).retried == 1
        clock.advance(seconds=19)
        assert (await worker.run_once()).sent == 0
        graph.delay_next(1, seconds=0.3)  # slow, but within the timeout: sent once
        clock.advance(seconds=1)
        assert (await worker.run_once()).sent == 5

    # a worker that died after claiming, before sending: the next one sends it, once
    db.run(lambda s: service.coordinator_reply(s, number=1, text="Część 6", author="Ewa"))
    dying = make_worker(db, clock, coordinator, policy=PATIENT)
    [claim] = [c for c in dying._claim_batch() if c.channel == "messenger"]
    db.dispose()
    fresh_db = Database.from_url(database_url)
    async with httpx.AsyncClient() as http:
        messenger = GraphClient(graph.base_url, graph.access_token, http, timeout_s=2.0)
        fresh = make_worker(fresh_db, clock, messenger, coordinator, policy=PATIENT)
        assert (await fresh.run_once()).sent == 0  # still leased
        clock.advance(seconds=61)
        assert (await fresh.run_once()).sent == 1

    assert claim.seq == 6
    assert graph.texts(ALICE) == reply_texts(6)
    fresh_db.dispose()


async def test_a_timeout_after_the_api_accepted_repeats_only_that_message(
    database_url: str, service: HandoffService, clock: ManualClock, graph: FakeGraphApi
) -> None:
    """The one ambiguous case: Meta took the message, the answer came too late. The worker
    cannot know, so it sends again (at-least-once); nothing is lost and the order holds."""
    db = Database.from_url(database_url)
    open_for(db, service, f"messenger:{ALICE}")
    answer_many(db, service, 3)
    async with httpx.AsyncClient() as http:
        # 1 s is far above a loopback round trip even on a loaded machine; only the delayed
        # answer (3 s) times out.
        messenger = GraphClient(graph.base_url, graph.access_token, http, timeout_s=1.0)
        worker = make_worker(db, clock, messenger, ScriptedChannel("coordinator"), policy=PATIENT)
        graph.delay_next(1, seconds=3.0)

        assert (await worker.run_once()).retried == 1
        clock.advance(seconds=2)
        assert (await worker.run_once()).sent == 3

    texts = graph.texts(ALICE)
    assert texts == [reply_texts(3)[0], *reply_texts(3)]
    db.dispose()


async def test_a_crash_after_sending_is_the_only_duplicate(
    database_url: str, service: HandoffService, clock: ManualClock, graph: FakeGraphApi
) -> None:
    """The documented crash window: killed after Meta accepted, before `sent` was written."""
    db = Database.from_url(database_url)
    open_for(db, service, f"messenger:{ALICE}")
    answer_many(db, service, 3)
    async with httpx.AsyncClient() as http:
        messenger = GraphClient(graph.base_url, graph.access_token, http, timeout_s=5.0)
        dying = DiesAfterSending(messenger)
        doomed = make_worker(db, clock, dying, ScriptedChannel("coordinator"), policy=PATIENT)
        running = asyncio.create_task(doomed.run_once())
        await dying.accepted.wait()  # "Meta" has the first message…
        running.cancel()  # …and the process is killed before it records that
        with pytest.raises(asyncio.CancelledError):
            await running

        db.dispose()
        restarted_db = Database.from_url(database_url)
        survivor = make_worker(restarted_db, clock, messenger, ScriptedChannel("coordinator"))
        clock.advance(seconds=61)
        assert (await survivor.run_once()).sent == 3

    assert graph.texts(ALICE) == [reply_texts(3)[0], *reply_texts(3)]
    restarted_db.dispose()
