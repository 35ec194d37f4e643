"""The hand-off use cases: open, follow up, take, answer, close, report, forget.

Every method takes the session explicitly and never commits: the caller's transaction makes a
state change and the outbox messages announcing it one atomic write (see :mod:`.outbox`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.assistant import BotReply, Button
from bot.handoff import texts
from bot.handoff.models import (
    OPEN_STATUSES,
    Channel,
    Direction,
    HandoffMessage,
    HandoffRequest,
    OutboxMessage,
    OutboxSequence,
    Reason,
    Status,
    WebInboxMessage,
    format_number,
)
from bot.handoff.office_hours import OfficeHours
from bot.handoff.outbox import COORDINATOR, EMAIL, Clock, enqueue, rowcount, utcnow
from bot.privacy import delete_kb_traces
from bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 4000
MAX_FIELD_CHARS = 300


class HandoffError(Exception):
    """A coordinator action that cannot be done; the message is Polish, fit to show them."""


class RequestNotFoundError(HandoffError):
    pass


class RequestClosedError(HandoffError):
    pass


@dataclass(frozen=True)
class Applicant:
    """Where an applicant is reached, parsed from the Rasa sender id ``<channel>:<id>``."""

    sender_id: str
    channel: Channel
    recipient: str

    @classmethod
    def parse(cls, sender_id: str) -> Applicant:
        """Raises ValueError for a sender id of no known channel."""
        prefix, _, recipient = sender_id.partition(":")
        try:
            channel = Channel(prefix)
        except ValueError:
            raise ValueError(f"unknown channel in sender id {prefix!r}") from None
        if not recipient:
            raise ValueError("sender id without a recipient")
        return cls(sender_id=sender_id, channel=channel, recipient=recipient)


@dataclass(frozen=True)
class Opened:
    request: HandoffRequest
    created: bool


@dataclass(frozen=True)
class Transition:
    request: HandoffRequest
    changed: bool


@dataclass(frozen=True)
class DeletedData:
    requests: int
    messages: int
    outbox: int
    web_messages: int


def turn(who: str, text: str, at: datetime | None = None) -> dict[str, Any]:
    """One transcript entry: ``who`` is "user" or "bot"."""
    return {"who": who, "text": text, "time": at.isoformat() if at else None}


class HandoffService:
    """Hand-off rules; configuration in, sessions passed to each call."""

    def __init__(
        self,
        *,
        office_hours: OfficeHours,
        coordinator_chat_id: int | None,
        email_to: str | None = None,
        transcript_turns: int = 10,
        clock: Clock = utcnow,
        wake: Callable[[], None] | None = None,
    ):
        self.office_hours = office_hours
        self.coordinator_chat_id = coordinator_chat_id
        self.email_to = email_to
        self.transcript_turns = transcript_turns
        self.clock = clock
        self.wake = wake

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> HandoffService:
        """Configured from settings: office hours, coordinator chat, e-mail copy, transcript."""
        options: dict[str, Any] = {
            "office_hours": OfficeHours.parse(
                settings.handoff_office_hours,
                settings.handoff_holidays,
                response_working_days=settings.handoff_response_working_days,
            ),
            "coordinator_chat_id": settings.coordinator_chat_id,
            "email_to": settings.handoff_email_to if settings.smtp_host else None,
            "transcript_turns": settings.handoff_transcript_turns,
        }
        options.update(overrides)
        return cls(**options)

    # --- applicant side ---------------------------------------------------------------------

    def open_request(
        self,
        session: Session,
        *,
        sender_id: str,
        reason: Reason,
        transcript: Sequence[dict[str, Any]],
        organisation: str | None = None,
        contact: str | None = None,
    ) -> Opened:
        """Store a request and its notifications; an open request of the sender is reused."""
        applicant = Applicant.parse(sender_id)
        existing = self.find_open(session, sender_id)
        if existing is not None:
            return Opened(existing, created=False)
        organisation, contact = _clean(organisation), _clean(contact)
        request = HandoffRequest(
            sender_id=sender_id,
            channel=applicant.channel,
            recipient=applicant.recipient,
            status=Status.NEW,
            reason=reason,
            organisation=organisation,
            contact=contact,
            consent=bool(organisation or contact),
            transcript=[dict(t) for t in transcript][-self.transcript_turns :],
            created_at=self.clock(),
        )
        try:
            with session.begin_nested():
                session.add(request)
        except IntegrityError:  # opened concurrently by another process: one request only
            found = self.find_open(session, sender_id)
            if found is None:
                raise
            return Opened(found, created=False)
        self._notify_coordinator(session, request)
        logger.info(
            "handoff opened request=%s channel=%s reason=%s",
            request.number,
            request.channel,
            request.reason,
        )
        return Opened(request, created=True)

    def opened_text(self, request: HandoffRequest) -> str:
        """The applicant's confirmation: number and when to expect an answer."""
        return texts.OPENED_TEXT.format(
            number=request.number, expectation=self.office_hours.expectation_text(self.clock())
        )

    def find_open(self, session: Session, sender_id: str) -> HandoffRequest | None:
        return session.scalar(
            select(HandoffRequest).where(
                HandoffRequest.sender_id == sender_id, HandoffRequest.status.in_(OPEN_STATUSES)
            )
        )

    def add_applicant_message(
        self, session: Session, *, sender_id: str, text: str
    ) -> HandoffRequest | None:
        """Store and forward a message of an applicant with an open request; None if none."""
        request = self.find_open(session, sender_id)
        if request is None:
            return None
        message = self._add_message(session, request, Direction.FROM_APPLICANT, text, author=None)
        if self.coordinator_chat_id is not None:
            forward = texts.FORWARD_TEXT.format(
                number=request.number,
                channel=texts.channel_name(request.channel),
                text=message.text,
            )
            self._to_coordinator(
                session, request, forward, key=f"forward:{message.id}", thread=True
            )
        return request

    def status_for(self, session: Session, sender_id: str) -> str:
        """The `/status` answer: the sender's latest requests, newest first."""
        requests = session.scalars(
            select(HandoffRequest)
            .where(HandoffRequest.sender_id == sender_id)
            .order_by(HandoffRequest.id.desc())
            .limit(texts.STATUS_LIMIT)
        ).all()
        return texts.status_text(requests)

    def delete_user_data(self, session: Session, sender_id: str) -> DeletedData:
        """Remove every row about `sender_id`: requests, messages, outbox, web inbox, and the
        knowledge-base logs of the sender's hash (`bot.privacy.delete_kb_traces`).

        The coordinator is told which requests are gone, so the copies in their chat and
        mailbox can be removed too (the bot cannot delete those itself).
        """
        requests = session.scalars(
            select(HandoffRequest).where(HandoffRequest.sender_id == sender_id)
        ).all()
        ids = [r.id for r in requests]
        numbers = [r.number for r in requests]
        messages = _count_deleted(
            session, delete(HandoffMessage).where(HandoffMessage.request_id.in_(ids))
        )
        _count_deleted(session, delete(HandoffRequest).where(HandoffRequest.id.in_(ids)))
        outbox, web = _delete_deliveries(session, sender_id)
        delete_kb_traces(session, sender_id)
        if numbers and self.coordinator_chat_id is not None:
            enqueue(
                session,
                channel=COORDINATOR,
                recipient=str(self.coordinator_chat_id),
                reply=BotReply(text=texts.DELETED_NOTICE_TEXT.format(numbers=", ".join(numbers))),
                dedup_key=f"deleted:{min(ids)}:{max(ids)}:{self.clock().isoformat()}",
                now=self.clock(),
                wake=self.wake,
            )
        logger.info("handoff data deleted requests=%s outbox=%s", len(ids), outbox)
        return DeletedData(len(ids), messages, outbox, web)

    # --- coordinator side -------------------------------------------------------------------

    def get(self, session: Session, number: int) -> HandoffRequest:
        request = session.get(HandoffRequest, number)
        if request is None:
            raise RequestNotFoundError(texts.NOT_FOUND_TEXT.format(number=format_number(number)))
        return request

    def open_requests(self, session: Session) -> list[HandoffRequest]:
        return list(
            session.scalars(
                select(HandoffRequest)
                .where(HandoffRequest.status.in_(OPEN_STATUSES))
                .order_by(HandoffRequest.id)
            ).all()
        )

    def take(self, session: Session, *, number: int, by: str) -> Transition:
        """The coordinator takes a new request; taking a taken one reports who has it."""
        request = self._open(session, number)
        if request.status != Status.NEW:
            return Transition(request, changed=False)
        request.status = Status.TAKEN
        request.taken_by = _clean(by)
        request.taken_at = self.clock()
        logger.info("handoff taken request=%s", request.number)
        return Transition(request, changed=True)

    def close(self, session: Session, *, number: int, by: str) -> Transition:
        """Close a request and tell the applicant; closing a closed one changes nothing."""
        request = self.get(session, number)
        if request.status == Status.CLOSED:
            return Transition(request, changed=False)
        request.status = Status.CLOSED
        request.closed_at = self.clock()
        request.taken_by = request.taken_by or _clean(by)
        self._to_applicant(
            session,
            request,
            texts.CLOSED_TEXT.format(number=request.number),
            key=f"closed:{request.id}",
        )
        logger.info("handoff closed request=%s", request.number)
        return Transition(request, changed=True)

    def coordinator_reply(
        self, session: Session, *, number: int, text: str, author: str
    ) -> HandoffMessage:
        """Store the coordinator's answer and send it to the applicant's channel."""
        request = self._open(session, number)
        message = self._add_message(
            session, request, Direction.FROM_COORDINATOR, text, author=_clean(author)
        )
        now = self.clock()
        request.status = Status.ANSWERED
        request.answered_at = now
        if request.taken_by is None:
            request.taken_by, request.taken_at = message.author, now
        self._to_applicant(
            session,
            request,
            texts.REPLY_TEXT.format(number=request.number, text=message.text),
            key=f"reply:{message.id}",
        )
        logger.info("handoff answered request=%s", request.number)
        return message

    def record_notification(
        self, session: Session, *, request_id: int, chat_id: int, message_id: int
    ) -> None:
        """Remember the coordinator's notice of a request, so a reply to it finds the request."""
        request = session.get(HandoffRequest, request_id)
        if request is not None and request.coordinator_message_id is None:
            request.coordinator_chat_id = chat_id
            request.coordinator_message_id = message_id

    def request_for_notice(self, session: Session, *, chat_id: int, message_id: int) -> int | None:
        return session.scalar(
            select(HandoffRequest.id).where(
                HandoffRequest.coordinator_chat_id == chat_id,
                HandoffRequest.coordinator_message_id == message_id,
            )
        )

    def notification_of(self, session: Session, request_id: int) -> int | None:
        return session.scalar(
            select(HandoffRequest.coordinator_message_id).where(HandoffRequest.id == request_id)
        )

    # --- reminders and failures -------------------------------------------------------------

    def due_reminders(
        self, session: Session, *, now: datetime, after_minutes: int
    ) -> list[HandoffRequest]:
        """Requests nobody has answered for `after_minutes`, not reminded about in as long."""
        cutoff = now - timedelta(minutes=after_minutes)
        return list(
            session.scalars(
                select(HandoffRequest)
                .where(
                    HandoffRequest.status.in_((Status.NEW, Status.TAKEN)),
                    HandoffRequest.created_at <= cutoff,
                    or_(
                        HandoffRequest.last_reminder_at.is_(None),
                        HandoffRequest.last_reminder_at <= cutoff,
                    ),
                )
                .order_by(HandoffRequest.id)
            ).all()
        )

    def remind(self, session: Session, request: HandoffRequest, *, now: datetime) -> None:
        """Post a reminder about `request` to the coordinator and note when."""
        state = (
            "nikt go jeszcze nie przejął"
            if request.status == Status.NEW
            else f"przejęte przez: {request.taken_by or '?'}, bez odpowiedzi"
        )
        text = texts.REMINDER_TEXT.format(
            number=request.number, waiting=texts.waiting_time(request.created_at, now), state=state
        )
        request.last_reminder_at = now
        if self.coordinator_chat_id is not None:
            self._to_coordinator(
                session, request, text, key=f"reminder:{request.id}:{now.isoformat()}", thread=True
            )

    def report_dead(self, session: Session, message: OutboxMessage) -> None:
        """Tell the coordinator that a message to an applicant could not be delivered."""
        if message.channel in (COORDINATOR, EMAIL) or message.request_id is None:
            return
        if self.coordinator_chat_id is None:
            return
        request = session.get(HandoffRequest, message.request_id)
        if request is None:
            return
        text = texts.DEAD_TEXT.format(
            number=request.number,
            channel=texts.channel_name(message.channel),
            attempts=message.attempts,
            error=message.last_error or "nieznany błąd",
        )
        self._to_coordinator(session, request, text, key=f"dead:{message.id}", thread=True)

    # --- helpers ----------------------------------------------------------------------------

    def _open(self, session: Session, number: int) -> HandoffRequest:
        request = self.get(session, number)
        if request.status == Status.CLOSED:
            raise RequestClosedError(texts.IS_CLOSED_TEXT.format(number=request.number))
        return request

    def _add_message(
        self,
        session: Session,
        request: HandoffRequest,
        direction: Direction,
        text: str,
        *,
        author: str | None,
    ) -> HandoffMessage:
        message = HandoffMessage(
            request_id=request.id,
            direction=direction,
            text=text.strip()[:MAX_TEXT_CHARS],
            author=author,
            created_at=self.clock(),
        )
        session.add(message)
        session.flush()
        return message

    def _notify_coordinator(self, session: Session, request: HandoffRequest) -> None:
        if self.coordinator_chat_id is None:
            logger.warning("COORDINATOR_CHAT_ID not set: request=%s not announced", request.number)
        else:
            buttons = (
                Button("Przejmuję", f"{texts.TAKE_PREFIX}{request.id}"),
                Button("Zamknij", f"{texts.CLOSE_PREFIX}{request.id}"),
            )
            self._to_coordinator(
                session,
                request,
                texts.notification_text(request),
                key=f"notify:{request.id}",
                buttons=buttons,
                notice=True,
            )
        if self.email_to:
            subject = texts.EMAIL_SUBJECT.format(number=request.number)
            enqueue(
                session,
                channel=EMAIL,
                recipient=self.email_to,
                reply=BotReply(text=texts.email_body(request), custom={"subject": subject}),
                dedup_key=f"email:{request.id}",
                now=self.clock(),
                sender_id=request.sender_id,
                request_id=request.id,
                wake=self.wake,
            )

    def _to_coordinator(
        self,
        session: Session,
        request: HandoffRequest,
        text: str,
        *,
        key: str,
        buttons: tuple[Button, ...] = (),
        notice: bool = False,
        thread: bool = False,
    ) -> None:
        custom = {"notice": True} if notice else {"thread": True} if thread else {}
        enqueue(
            session,
            channel=COORDINATOR,
            recipient=str(self.coordinator_chat_id),
            reply=BotReply(text=text, buttons=buttons, custom=custom),
            dedup_key=key,
            now=self.clock(),
            sender_id=request.sender_id,
            request_id=request.id,
            wake=self.wake,
        )

    def _to_applicant(
        self, session: Session, request: HandoffRequest, text: str, *, key: str
    ) -> None:
        enqueue(
            session,
            channel=request.channel,
            recipient=request.recipient,
            reply=BotReply(text=text),
            dedup_key=key,
            now=self.clock(),
            sender_id=request.sender_id,
            request_id=request.id,
            wake=self.wake,
        )


def _delete_deliveries(session: Session, sender_id: str) -> tuple[int, int]:
    """Outbox rows about or to the sender, their sequence counter and web inbox; counts."""
    about = [OutboxMessage.sender_id == sender_id]
    web = 0
    try:
        applicant: Applicant | None = Applicant.parse(sender_id)
    except ValueError:
        applicant = None
    if applicant is not None:
        about.append(
            (OutboxMessage.channel == applicant.channel)
            & (OutboxMessage.recipient == applicant.recipient)
        )
        _count_deleted(
            session,
            delete(OutboxSequence).where(
                OutboxSequence.channel == applicant.channel,
                OutboxSequence.recipient == applicant.recipient,
            ),
        )
        if applicant.channel is Channel.WEB:
            web = _count_deleted(
                session,
                delete(WebInboxMessage).where(WebInboxMessage.session_id == applicant.recipient),
            )
    return _count_deleted(session, delete(OutboxMessage).where(or_(*about))), web


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text[:MAX_FIELD_CHARS] or None


def _count_deleted(session: Session, statement: Any) -> int:
    return rowcount(session.execute(statement.execution_options(synchronize_session=False)))
