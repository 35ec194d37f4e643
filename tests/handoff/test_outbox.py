"""The outbox worker: order per recipient, back-off, Retry-After, dead letters, leases, wake-up."""

from __future__ import annotations

import asyncio
import random
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from bot.assistant import BotReply, Button
from bot.channels.base import DeliveryError
from bot.handoff.db import Database
from bot.handoff.models import OutboxMessage, OutboxSequence, OutboxStatus
from bot.handoff.outbox import (
    OutboxWorker,
    RetryPolicy,
    dead_letters,
    enqueue,
    payload_reply,
    reply_payload,
)
from tests.handoff.conftest import ManualClock, ScriptedChannel, make_worker, outbox_rows

RETRY = DeliveryError("HTTP 500", retryable=True)


def put(
    db: Database, clock: ManualClock, recipient: str, *texts: str, channel: str = "chat"
) -> None:
    def work(session: Any) -> None:
        for text in texts:
            enqueue(
                session,
                channel=channel,
                recipient=recipient,
                reply=BotReply(text=text),
                dedup_key=f"{channel}:{recipient}:{text}",
                now=clock(),
                sender_id=f"{channel}:{recipient}",
            )

    db.run(work)


def statuses(db: Database) -> dict[str, str]:
    return {row.payload["text"]: row.status for row in outbox_rows(db)}


def test_payloads_round_trip() -> None:
    reply = BotReply(text="Tak?", buttons=(Button("Tak", "/affirm"),), custom={"a": 1})

    assert payload_reply(reply_payload(reply), b=2) == BotReply(
        text="Tak?", buttons=(Button("Tak", "/affirm"),), custom={"a": 1, "b": 2}
    )


def test_enqueue_is_idempotent_per_key_and_numbers_per_recipient(
    db: Database, clock: ManualClock
) -> None:
    put(db, clock, "anna", "1", "2")
    put(db, clock, "piotr", "1")
    put(db, clock, "anna", "2")  # the same key again: still one row

    rows = outbox_rows(db)
    assert [(r.recipient, r.seq) for r in rows] == [("anna", 1), ("anna", 2), ("piotr", 1)]


def test_sequences_stay_unique_under_concurrent_writers(db: Database, clock: ManualClock) -> None:
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def writer(index: int) -> None:
        try:
            barrier.wait()
            for n in range(5):
                put(db, clock, "koordynator", f"{index}-{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = sorted(row.seq for row in outbox_rows(db))
    assert seqs == list(range(1, 31))
    # each writer's own messages are numbered in the order it wrote them
    for index in range(6):
        mine = [r.seq for r in outbox_rows(db) if r.payload["text"].startswith(f"{index}-")]
        assert mine == sorted(mine)
    last = db.run(lambda s: s.get_one(OutboxSequence, ("chat", "koordynator")).last_seq)
    assert last == 30


async def test_everything_due_is_delivered_in_order(db: Database, clock: ManualClock) -> None:
    channel = ScriptedChannel("chat")
    put(db, clock, "anna", "a1", "a2", "a3")
    put(db, clock, "piotr", "p1", "p2")

    report = await make_worker(db, clock, channel).run_once()

    assert report.sent == 5
    assert channel.texts("anna") == ["a1", "a2", "a3"]
    assert channel.texts("piotr") == ["p1", "p2"]
    assert set(statuses(db).values()) == {"sent"}
    assert all(row.sent_at == clock.now for row in outbox_rows(db))


async def test_a_failing_message_holds_back_only_its_recipient(
    db: Database, clock: ManualClock
) -> None:
    channel = ScriptedChannel("chat")
    put(db, clock, "anna", "a1", "a2")
    put(db, clock, "piotr", "p1")

    class AnnaDown(ScriptedChannel):
        async def deliver(self, recipient: str, replies: Any) -> None:
            if recipient == "anna":
                raise RETRY
            await super().deliver(recipient, replies)

    flaky = AnnaDown("chat")
    worker = make_worker(db, clock, flaky)
    report = await worker.run_once()

    assert (report.sent, report.retried) == (1, 1)
    assert flaky.texts() == ["p1"]
    assert statuses(db) == {"a1": "pending", "a2": "pending", "p1": "sent"}
    # a2 was never tried: a1 goes first
    assert [r.attempts for r in outbox_rows(db, recipient="anna")] == [1, 0]

    clock.advance(seconds=2)
    worker.register(channel)
    await worker.run_once()
    assert channel.texts("anna") == ["a1", "a2"]


async def test_backoff_doubles_and_gives_up_after_max_attempts(
    db: Database, clock: ManualClock
) -> None:
    channel = ScriptedChannel("chat", failures=[RETRY] * 5)
    dead: list[str] = []
    worker = make_worker(
        db, clock, channel, on_dead=lambda session, row: dead.append(row.payload["text"])
    )
    put(db, clock, "anna", "a1", "a2")

    delays = []
    for _ in range(4):
        start = clock()
        assert (await worker.run_once()).retried == 1
        [row, _] = outbox_rows(db)
        delays.append((row.next_attempt_at - start).total_seconds())
        assert (await worker.run_once()).retried == 0  # not due yet
        clock.now = row.next_attempt_at
    report = await worker.run_once()

    assert delays == [2.0, 4.0, 8.0, 16.0]
    assert (report.dead, report.sent) == (1, 1)  # a1 dead, then a2 goes out
    assert statuses(db) == {"a1": "dead", "a2": "sent"}
    assert dead == ["a1"]
    [letter] = db.run(dead_letters)
    assert (letter.attempts, letter.last_error) == (5, "HTTP 500")


async def test_retry_after_is_honoured(db: Database, clock: ManualClock) -> None:
    limited = DeliveryError("429", retryable=True, retry_after_s=30)
    channel = ScriptedChannel("chat", failures=[limited])
    worker = make_worker(db, clock, channel)
    put(db, clock, "anna", "a1")

    await worker.run_once()
    [row] = outbox_rows(db)
    assert row.next_attempt_at == clock.now + timedelta(seconds=30)

    clock.advance(seconds=29)
    assert (await worker.run_once()).sent == 0
    clock.advance(seconds=1)
    assert (await worker.run_once()).sent == 1


def test_jitter_stays_within_bounds() -> None:
    policy = RetryPolicy(base_delay_s=2.0, max_delay_s=60.0, jitter=0.2)
    rng = random.Random(7)

    delays = [policy.delay_s(attempt, None, rng) for attempt in range(1, 10)]
    limited = policy.delay_s(1, 45.0, rng)

    for attempt, delay in enumerate(delays, start=1):
        nominal = min(60.0, 2.0 * 2 ** (attempt - 1))
        assert 0.8 * nominal <= delay <= 1.2 * nominal
    assert 45.0 <= limited <= 54.0


async def test_permanent_errors_are_dead_at_once(db: Database, clock: ManualClock) -> None:
    blocked = DeliveryError("Forbidden: bot was blocked by the user", retryable=False)
    channel = ScriptedChannel("chat", failures=[blocked])
    put(db, clock, "anna", "a1")

    report = await make_worker(db, clock, channel).run_once()

    assert report.dead == 1
    assert statuses(db) == {"a1": "dead"}


async def test_a_missing_channel_is_retried_not_dropped(db: Database, clock: ManualClock) -> None:
    put(db, clock, "anna", "a1", channel="messenger")

    report = await make_worker(db, clock).run_once()

    assert report.retried == 1
    [row] = outbox_rows(db)
    assert row.last_error == "no channel 'messenger' configured"


async def test_a_hanging_channel_times_out_and_is_retried(db: Database, clock: ManualClock) -> None:
    class Hanging(ScriptedChannel):
        async def deliver(self, recipient: str, replies: Any) -> None:
            await asyncio.Event().wait()

    put(db, clock, "anna", "a1")

    report = await make_worker(db, clock, Hanging("chat"), delivery_timeout_s=0.05).run_once()

    assert report.retried == 1
    assert outbox_rows(db)[0].last_error == "timed out after 0.05s"


async def test_a_crashing_channel_is_retried(db: Database, clock: ManualClock) -> None:
    channel = ScriptedChannel("chat", failures=[KeyError("bug")])
    put(db, clock, "anna", "a1")
    worker = make_worker(db, clock, channel)

    assert (await worker.run_once()).retried == 1
    clock.advance(seconds=2)
    assert (await worker.run_once()).sent == 1


def test_lease_must_outlast_the_delivery_timeout(db: Database) -> None:
    with pytest.raises(ValueError, match="lease_s"):
        OutboxWorker(db.sessions, {}, lease_s=10, delivery_timeout_s=10)


async def test_a_leased_row_waits_for_its_lease_to_expire(db: Database, clock: ManualClock) -> None:
    """A worker that died mid-send: the row is retried after the lease, never before."""
    channel = ScriptedChannel("chat")
    put(db, clock, "anna", "a1", "a2")
    crashed = make_worker(db, clock, channel)
    [claim] = crashed._claim_batch()  # claimed, then the process died
    assert claim.seq == 1

    survivor = make_worker(db, clock, channel)
    assert (await survivor.run_once()).sent == 0  # a1 is leased, a2 waits behind it

    clock.advance(seconds=61)
    report = await survivor.run_once()

    assert report.sent == 2
    assert channel.texts() == ["a1", "a2"]
    assert [r.attempts for r in outbox_rows(db)] == [2, 1]


async def test_a_worker_that_lost_its_lease_cannot_overwrite(
    db: Database, clock: ManualClock
) -> None:
    channel = ScriptedChannel("chat")
    put(db, clock, "anna", "a1")
    slow = make_worker(db, clock, channel)
    [claim] = slow._claim_batch()
    clock.advance(seconds=61)
    fast = make_worker(db, clock, channel)
    assert (await fast.run_once()).sent == 1

    assert slow._record_failure(claim, RETRY).lost_lease == 1
    assert statuses(db) == {"a1": "sent"}


async def test_concurrent_workers_deliver_each_message_once(
    db: Database, clock: ManualClock
) -> None:
    channel = ScriptedChannel("chat")
    for recipient in ("anna", "piotr", "ewa", "jan"):
        put(db, clock, recipient, *(f"{recipient}-{n}" for n in range(5)))
    workers = [make_worker(db, clock, channel) for _ in range(3)]

    reports = await asyncio.gather(*(w.run_once() for w in workers))

    assert sum(r.sent for r in reports) == 20
    assert len(channel.delivered) == 20
    for recipient in ("anna", "piotr", "ewa", "jan"):
        assert channel.texts(recipient) == [f"{recipient}-{n}" for n in range(5)]


async def test_run_forever_sends_as_soon_as_it_is_woken(db: Database, clock: ManualClock) -> None:
    arrived = asyncio.Event()

    class Signalling(ScriptedChannel):
        async def deliver(self, recipient: str, replies: Any) -> None:
            await super().deliver(recipient, replies)
            arrived.set()

    channel = Signalling("chat")
    worker = make_worker(db, clock, channel, poll_s=60)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run_forever(stop))
    await asyncio.sleep(0)  # let it start and go idle for (up to) a minute

    def write(session: Any) -> None:
        enqueue(
            session,
            channel="chat",
            recipient="anna",
            reply=BotReply(text="hej"),
            dedup_key="k1",
            now=clock(),
            wake=worker.wake,
        )

    await asyncio.to_thread(db.run, write)
    async with asyncio.timeout(5):
        await arrived.wait()
    stop.set()
    await running

    assert channel.texts() == ["hej"]


def test_the_idle_wait_ends_at_the_next_retry_or_lease_expiry(
    db: Database, clock: ManualClock
) -> None:
    worker = make_worker(db, clock, ScriptedChannel("chat"), poll_s=30)
    assert worker._seconds_until_due() == 30  # nothing to wait for: the poll

    put(db, clock, "anna", "a1", "a2")
    make_worker(db, clock)._claim_batch()  # a1 leased for 60 s by a worker that died
    # a2 is due but blocked behind a1: the wait is the poll, not zero (no busy loop)
    assert worker._seconds_until_due() == 30

    put(db, clock, "piotr", "p1")
    db.run(
        lambda s: s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.recipient == "piotr")
            .values(next_attempt_at=clock.now + timedelta(seconds=5))
        )
    )
    assert worker._seconds_until_due() == 5  # the retry falls due first

    clock.advance(seconds=50)
    db.run(lambda s: s.execute(delete(OutboxMessage).where(OutboxMessage.recipient == "piotr")))
    assert worker._seconds_until_due() == 10  # a1's lease expires


async def test_dead_rows_are_listed_for_staff(db: Database, clock: ManualClock) -> None:
    put(db, clock, "anna", "a1")
    blocked = DeliveryError("blocked", retryable=False)
    await make_worker(db, clock, ScriptedChannel("chat", failures=[blocked])).run_once()

    letters = db.run(dead_letters)
    assert [(r.payload["text"], r.status) for r in letters] == [("a1", OutboxStatus.DEAD)]
    assert db.run(lambda s: s.scalars(select(OutboxMessage.lease_until)).all()) == [None]
