"""Tables of the hand-off: requests, their messages, the outbox and the web-chat inbox.

They live on the knowledge base's `Base` (one metadata, one Alembic history); the schema itself
is created by migration 0002.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from knowledge_base.models import Base

SENDER_LENGTH = 200
RECIPIENT_LENGTH = 200
KEY_LENGTH = 200
AUTHOR_LENGTH = 200
NUMBER_PREFIX = "Z-"


class Channel(StrEnum):
    """Where an applicant talks to the assistant."""

    TELEGRAM = "telegram"
    MESSENGER = "messenger"
    WEB = "web"


class Status(StrEnum):
    """new → taken → answered → closed; `answered` stays open for follow-ups."""

    NEW = "new"
    TAKEN = "taken"
    ANSWERED = "answered"
    CLOSED = "closed"


OPEN_STATUSES = (Status.NEW, Status.TAKEN, Status.ANSWERED)


class Reason(StrEnum):
    """Why the conversation was handed to a person."""

    ASKED = "asked"
    UNKNOWN_ACCEPTED = "unknown_accepted"
    MISUNDERSTOOD = "misunderstood"
    COMPLEX_CASE = "complex_case"


class Direction(StrEnum):
    FROM_APPLICANT = "from_applicant"
    FROM_COORDINATOR = "from_coordinator"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


_OPEN_SQL = _in("status", Status).replace(f", '{Status.CLOSED.value}'", "")


class HandoffRequest(Base):
    """One applicant's case handed to the coordinator; at most one open per sender."""

    __tablename__ = "handoff_requests"
    __table_args__ = (
        CheckConstraint(_in("channel", Channel), name="channel"),
        CheckConstraint(_in("status", Status), name="status"),
        CheckConstraint(_in("reason", Reason), name="reason"),
        # Two processes (action server, web app) may open at once: the database decides.
        Index(
            "uq_handoff_requests_open_sender",
            "sender_id",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_handoff_requests_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(SENDER_LENGTH), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(RECIPIENT_LENGTH))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30))
    organisation: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    consent: Mapped[bool] = mapped_column(Boolean)
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    taken_by: Mapped[str | None] = mapped_column(String(AUTHOR_LENGTH))
    taken_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    coordinator_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # groups: -100…
    coordinator_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_reminder_at: Mapped[datetime | None]

    messages: Mapped[list[HandoffMessage]] = relationship(
        back_populates="request",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="HandoffMessage.id",
    )

    @property
    def number(self) -> str:
        """What people see and type: ``Z-0007``."""
        return format_number(self.id)

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED


class HandoffMessage(Base):
    """A message of a request after it was opened, either way."""

    __tablename__ = "handoff_messages"
    __table_args__ = (CheckConstraint(_in("direction", Direction), name="direction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_requests.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(AUTHOR_LENGTH))
    created_at: Mapped[datetime]

    request: Mapped[HandoffRequest] = relationship(back_populates="messages")


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change it reports.

    `seq` orders the messages of one (channel, recipient); `sender_id` is the applicant the
    message is about, so that their data can be deleted on request.
    """

    __tablename__ = "handoff_outbox"
    __table_args__ = (
        CheckConstraint(_in("status", OutboxStatus), name="status"),
        UniqueConstraint("channel", "recipient", "seq"),
        Index("ix_handoff_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(RECIPIENT_LENGTH))
    seq: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedup_key: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    sender_id: Mapped[str | None] = mapped_column(String(SENDER_LENGTH), index=True)
    request_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class OutboxSequence(Base):
    """The last `seq` handed out per (channel, recipient).

    Incrementing it locks the row until commit, so a later message of a recipient can never
    become visible before an earlier one.
    """

    __tablename__ = "handoff_outbox_sequences"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(RECIPIENT_LENGTH), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class WebInboxMessage(Base):
    """A message for a web-chat session, fetched by the page with `after=<id>` polling."""

    __tablename__ = "handoff_web_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(RECIPIENT_LENGTH), index=True)
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    delivery_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH), unique=True)
    created_at: Mapped[datetime]


def format_number(request_id: int) -> str:
    return f"{NUMBER_PREFIX}{request_id:04d}"
