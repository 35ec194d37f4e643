"""Transactional outbox: messages are rows first, deliveries second.

Writing
    :func:`enqueue` adds a row in the caller's transaction, so a hand-off request and the
    notification about it are committed together or not at all, before anything is sent.
    Each (channel, recipient) gets a gap-free-in-practice ``seq`` from a counter row whose
    increment locks it until commit: a later message of a recipient can never be visible
    while an earlier one is not.

Delivering
    :class:`OutboxWorker` claims due rows with a lease (a conditional ``UPDATE … WHERE
    status='pending' AND next_attempt_at<=now``, or ``status='sending'`` with an expired
    lease) — safe with any number of workers in any number of processes, on SQLite and
    PostgreSQL alike, because only one UPDATE can win a row. A row is only claimable when no
    earlier row of the same recipient is pending or sending, so recipients see their messages
    strictly in order; different recipients are served in parallel.

Exactly once?
    Delivery is at-least-once with a tiny window. A message is marked ``sent`` in its own
    short transaction immediately after the channel accepted it, with nothing else in
    between; a crash exactly there (after the remote API accepted, before that commit)
    resends it once when its lease expires. Everything else is made impossible rather than
    unlikely: a second worker cannot claim a leased row; the lease (``lease_s``) is longer
    than the delivery timeout, so a slow worker gives up before its lease can pass to
    another; marking sent/retry checks the lease owner, so a worker that lost its lease
    cannot overwrite a newer state. Channels that accept an idempotency key get
    ``custom["delivery_key"]`` (the row's unique ``dedup_key``) and are then exactly-once:
    the web-chat inbox stores it under a unique constraint. Telegram and Messenger have no
    such key, so for them the crash window above remains.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import CursorResult, Result, and_, event, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot.assistant import BotReply, Button
from bot.channels.base import DeliveryError, OutboundChannel
from bot.handoff.models import OutboxMessage, OutboxSequence, OutboxStatus

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
DeadHandler = Callable[[Session, OutboxMessage], None]

COORDINATOR: Final = "coordinator"
EMAIL: Final = "email"
ERROR_CHARS: Final = 500
MAX_PASSES: Final = 1000


def utcnow() -> datetime:
    return datetime.now(UTC)


def reply_payload(reply: BotReply) -> dict[str, Any]:
    """A BotReply as stored in `OutboxMessage.payload`."""
    return {
        "text": reply.text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
        "custom": dict(reply.custom),
    }


def payload_reply(payload: Mapping[str, Any], **custom: Any) -> BotReply:
    """The BotReply stored in a payload, with `custom` added for the channel."""
    buttons = tuple(
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in payload.get("buttons") or []
    )
    extra = dict(payload.get("custom") or {})
    extra.update(custom)
    return BotReply(text=str(payload.get("text") or ""), buttons=buttons, custom=extra)


def enqueue(
    session: Session,
    *,
    channel: str,
    recipient: str,
    reply: BotReply,
    dedup_key: str,
    now: datetime,
    sender_id: str | None = None,
    request_id: int | None = None,
    wake: Callable[[], None] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; the same key twice is one row.

    `wake` is called after the transaction commits, so an in-process worker sends at once.
    """
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key))
    if existing is not None:
        return existing
    row = OutboxMessage(
        channel=channel,
        recipient=recipient,
        seq=_next_seq(session, channel, recipient),
        payload=reply_payload(reply),
        dedup_key=dedup_key,
        sender_id=sender_id,
        request_id=request_id,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same key written concurrently: that row is the message
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)
        ).one()
    if wake is not None:
        event.listen(session, "after_commit", lambda _session: wake(), once=True)
    return row


def _next_seq(session: Session, channel: str, recipient: str) -> int:
    bump = (
        update(OutboxSequence)
        .where(OutboxSequence.channel == channel, OutboxSequence.recipient == recipient)
        .values(last_seq=OutboxSequence.last_seq + 1)
        .returning(OutboxSequence.last_seq)
        .execution_options(synchronize_session=False)
    )
    seq = session.execute(bump).scalar_one_or_none()
    if seq is not None:
        return int(seq)
    try:
        with session.begin_nested():
            session.add(OutboxSequence(channel=channel, recipient=recipient, last_seq=1))
        return 1
    except IntegrityError:  # another transaction created the counter first
        return int(session.execute(bump).scalar_one())


def dead_letters(session: Session, limit: int = 20) -> list[OutboxMessage]:
    """Messages given up on, oldest first: for staff to see and act on."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.DEAD)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(session.scalars(query).all()))


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter; a server's Retry-After is a floor, never shortened."""

    max_attempts: int = 15
    base_delay_s: float = 2.0
    max_delay_s: float = 900.0
    jitter: float = 0.2

    def delay_s(self, attempts: int, retry_after_s: float | None, rng: random.Random) -> float:
        backoff: float = min(self.max_delay_s, self.base_delay_s * 2.0 ** max(0, attempts - 1))
        backoff *= 1 + self.jitter * (2 * rng.random() - 1)
        if retry_after_s is not None:
            return max(backoff, retry_after_s * (1 + self.jitter * rng.random()))
        return backoff


@dataclass
class DeliveryReport:
    """What one `run_once` did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    lost_lease: int = 0

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.lost_lease += other.lost_lease


@dataclass(frozen=True)
class _Claim:
    id: int
    channel: str
    recipient: str
    seq: int
    attempts: int
    dedup_key: str
    request_id: int | None
    payload: dict[str, Any] = field(hash=False)


class OutboxWorker:
    """Delivers outbox rows through a registry of channels (telegram, messenger, web, …)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channels: Mapping[str, OutboundChannel],
        *,
        clock: Clock = utcnow,
        policy: RetryPolicy | None = None,
        lease_s: float = 120.0,
        delivery_timeout_s: float = 30.0,
        batch_size: int = 50,
        poll_s: float = 1.0,
        max_concurrency: int = 8,
        rng: random.Random | None = None,
        owner: str | None = None,
        on_dead: DeadHandler | None = None,
    ):
        if lease_s <= delivery_timeout_s:
            raise ValueError("lease_s must exceed delivery_timeout_s, or a slow send is repeated")
        self._sessions = sessions
        self._channels = dict(channels)
        self._clock = clock
        self._policy = policy or RetryPolicy()
        self._lease = timedelta(seconds=lease_s)
        self._delivery_timeout_s = delivery_timeout_s
        self._batch_size = batch_size
        self._poll_s = poll_s
        self._slots = asyncio.Semaphore(max_concurrency)
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self.owner = owner or f"worker-{uuid.uuid4().hex[:12]}"
        self._on_dead = on_dead
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None

    def register(self, channel: OutboundChannel, name: str | None = None) -> None:
        """Add or replace a channel, e.g. Telegram once its Application exists."""
        self._channels[name or channel.name] = channel

    def wake(self) -> None:
        """New rows were committed: look now instead of at the next poll. Any thread."""
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wakeup.set)

    # --- running ----------------------------------------------------------------------------

    async def run_once(self) -> DeliveryReport:
        """Deliver everything due now, recipient by recipient in order; deterministic for tests."""
        report = DeliveryReport()
        for _ in range(MAX_PASSES):
            claims = await asyncio.to_thread(self._claim_batch)
            if not claims:
                break
            results = await asyncio.gather(*(self._deliver(claim) for claim in claims))
            for result in results:
                report.add(result)
        return report

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set: on `wake()`, when a retry falls due, or every poll_s."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        logger.info(
            "outbox worker started owner=%s channels=%s", self.owner, sorted(self._channels)
        )
        try:
            while not stop.is_set():
                self._wakeup.clear()
                timeout = self._poll_s
                try:
                    await self.run_once()
                    timeout = await asyncio.to_thread(self._seconds_until_due)
                except Exception:
                    logger.exception("outbox pass failed; retrying in %ss", self._poll_s)
                await _first_of(stop, self._wakeup, timeout)
        finally:
            self._loop = None
            self._wakeup = None
            logger.info("outbox worker stopped owner=%s", self.owner)

    # --- claiming ---------------------------------------------------------------------------

    def _claimable(self, now: datetime) -> Any:
        earlier = aliased(OutboxMessage)
        blocked = exists().where(
            earlier.channel == OutboxMessage.channel,
            earlier.recipient == OutboxMessage.recipient,
            earlier.seq < OutboxMessage.seq,
            earlier.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
        due = or_(
            and_(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now
            ),
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
        )
        return and_(due, ~blocked)

    def _claim_batch(self) -> list[_Claim]:
        now = self._clock()
        with self._sessions() as session:
            ids = session.scalars(
                select(OutboxMessage.id)
                .where(self._claimable(now))
                .order_by(OutboxMessage.id)
                .limit(self._batch_size)
            ).all()
        claims = []
        for row_id in ids:
            claim = self._claim(row_id, now)
            if claim is not None:
                claims.append(claim)
        return claims

    def _claim(self, row_id: int, now: datetime) -> _Claim | None:
        with self._sessions.begin() as session:
            won = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, self._claimable(now))
                .values(
                    status=OutboxStatus.SENDING,
                    lease_until=now + self._lease,
                    lease_owner=self.owner,
                    attempts=OutboxMessage.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if rowcount(won) != 1:
                return None  # another worker was faster
            row = session.get_one(OutboxMessage, row_id)
            return _Claim(
                id=row.id,
                channel=row.channel,
                recipient=row.recipient,
                seq=row.seq,
                attempts=row.attempts,
                dedup_key=row.dedup_key,
                request_id=row.request_id,
                payload=dict(row.payload),
            )

    def _seconds_until_due(self) -> float:
        """Until the next retry or lease expiry, at most poll_s.

        Only future moments count: a row already due but not claimed in the last pass waits
        behind an earlier row of its recipient (whose lease expiry is counted), or was written
        since, which a wake-up or the next poll covers. Counting it would spin the loop.
        """
        now = self._clock()
        with self._sessions() as session:
            next_attempt = session.scalar(
                select(func.min(OutboxMessage.next_attempt_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at > now,
                )
            )
            lease_end = session.scalar(
                select(func.min(OutboxMessage.lease_until)).where(
                    OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until > now
                )
            )
        moments = [_aware(m) for m in (next_attempt, lease_end) if m is not None]
        if not moments:
            return self._poll_s
        wait = (min(moments) - now).total_seconds()
        return min(self._poll_s, max(0.0, wait))

    # --- delivering -------------------------------------------------------------------------

    async def _deliver(self, claim: _Claim) -> DeliveryReport:
        if claim.attempts > self._policy.max_attempts:  # e.g. it crashed the process each time
            error = DeliveryError("gave up: too many interrupted attempts", retryable=False)
            return await asyncio.to_thread(self._record_failure, claim, error)
        channel = self._channels.get(claim.channel)
        reply = payload_reply(
            claim.payload, delivery_key=claim.dedup_key, handoff_request_id=claim.request_id
        )
        try:
            if channel is None:
                raise DeliveryError(f"no channel {claim.channel!r} configured", retryable=True)
            async with self._slots:
                async with asyncio.timeout(self._delivery_timeout_s):
                    await channel.deliver(claim.recipient, [reply])
        except DeliveryError as exc:
            return await asyncio.to_thread(self._record_failure, claim, exc)
        except TimeoutError:
            error = DeliveryError(f"timed out after {self._delivery_timeout_s}s", retryable=True)
            return await asyncio.to_thread(self._record_failure, claim, error)
        except Exception as exc:
            logger.exception("outbox channel crashed id=%s channel=%s", claim.id, claim.channel)
            error = DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
            return await asyncio.to_thread(self._record_failure, claim, error)
        return await asyncio.to_thread(self._record_sent, claim)

    def _record_sent(self, claim: _Claim) -> DeliveryReport:
        now = self._clock()
        with self._sessions.begin() as session:
            done = self._finish(
                session,
                claim,
                status=OutboxStatus.SENT,
                sent_at=now,
                lease_until=None,
                last_error=None,
            )
        if not done:
            logger.warning("outbox lease lost after sending id=%s", claim.id)
            return DeliveryReport(lost_lease=1)
        logger.info(
            "outbox sent id=%s channel=%s request=%s seq=%s attempts=%s",
            claim.id,
            claim.channel,
            claim.request_id,
            claim.seq,
            claim.attempts,
        )
        return DeliveryReport(sent=1)

    def _record_failure(self, claim: _Claim, error: DeliveryError) -> DeliveryReport:
        now = self._clock()
        message = str(error)[:ERROR_CHARS]
        give_up = not error.retryable or claim.attempts >= self._policy.max_attempts
        with self._sessions.begin() as session:
            if give_up:
                done = self._finish(
                    session, claim, status=OutboxStatus.DEAD, lease_until=None, last_error=message
                )
                if done and self._on_dead is not None:
                    self._on_dead(session, session.get_one(OutboxMessage, claim.id))
            else:
                delay = self._policy.delay_s(claim.attempts, error.retry_after_s, self._rng)
                done = self._finish(
                    session,
                    claim,
                    status=OutboxStatus.PENDING,
                    next_attempt_at=now + timedelta(seconds=delay),
                    lease_until=None,
                    last_error=message,
                )
        if not done:
            logger.warning("outbox lease lost after a failure id=%s", claim.id)
            return DeliveryReport(lost_lease=1)
        if give_up:
            logger.error(
                "outbox message dead id=%s channel=%s request=%s attempts=%s error=%s",
                claim.id,
                claim.channel,
                claim.request_id,
                claim.attempts,
                message,
            )
            return DeliveryReport(dead=1)
        logger.warning(
            "outbox retry id=%s channel=%s request=%s attempts=%s delay_s=%.1f error=%s",
            claim.id,
            claim.channel,
            claim.request_id,
            claim.attempts,
            delay,
            message,
        )
        return DeliveryReport(retried=1)

    def _finish(self, session: Session, claim: _Claim, **values: Any) -> bool:
        """Apply `values` if this worker still holds the lease; False when it lost it."""
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claim.id,
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.lease_owner == self.owner,
                OutboxMessage.attempts == claim.attempts,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1


def rowcount(result: Result[Any]) -> int:
    """Rows matched by an UPDATE/DELETE (every DML result is a CursorResult)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def _first_of(stop: asyncio.Event, wakeup: asyncio.Event, wait_s: float) -> None:
    """Wait until either event is set or `wait_s` seconds pass."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wakeup.wait())]
    try:
        await asyncio.wait(waiters, timeout=wait_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)


def channels_of(items: Sequence[OutboundChannel]) -> dict[str, OutboundChannel]:
    """A registry keyed by each channel's `name`."""
    return {item.name: item for item in items}
