"""SQLAlchemy models of the knowledge base; the schema itself is created by Alembic migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID_LENGTH = 100
WHO_LENGTH = 200
SENDER_HASH_LENGTH = 64


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite keeps no offset, so it gets naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EntityType(StrEnum):
    CALL = "call"
    FAQ = "faq"
    GUIDANCE = "guidance"


class ChangeAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class UnansweredReason(StrEnum):
    """Why a question ended up on the staff's list of questions to answer."""

    DONT_KNOW = "dont_know"
    SUGGEST_REJECTED = "suggest_rejected"
    UNHELPFUL = "unhelpful"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), date: Date()}


class Call(Base):
    """A grant call (nabór); unknown facts stay NULL instead of being guessed."""

    __tablename__ = "kb_calls"
    __table_args__ = (
        CheckConstraint("scope IN ('torun', 'analogia')", name="scope"),
        CheckConstraint(
            "status_override IN ('planned', 'open', 'closed', 'cancelled')",
            name="status_override",
        ),
    )

    code: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    scope: Mapped[str | None] = mapped_column(String(20))
    organiser: Mapped[str | None] = mapped_column(Text)
    programme: Mapped[str | None] = mapped_column(Text)
    measure: Mapped[str | None] = mapped_column(Text)
    project_type: Mapped[str | None] = mapped_column(Text)
    status_override: Mapped[str | None] = mapped_column(String(20))
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    pool_pln: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    min_amount_pln: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    max_amount_pln: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cofinancing: Mapped[str | None] = mapped_column(Text)
    duration: Mapped[str | None] = mapped_column(Text)
    submission: Mapped[str | None] = mapped_column(Text)
    eligible: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[str | None] = mapped_column(Text)
    scoring: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    info_date: Mapped[date]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(WHO_LENGTH))


class FaqEntry(Base):
    """A question-and-answer entry; `phrasings` and `keywords` are JSON lists of strings."""

    __tablename__ = "kb_faq"
    __table_args__ = (
        CheckConstraint("scope IN ('torun', 'analogia', 'ogolne')", name="scope"),
        CheckConstraint("status IN ('answered', 'unknown')", name="status"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    call_code: Mapped[str | None] = mapped_column(
        String(ID_LENGTH), ForeignKey("kb_calls.code"), index=True
    )
    source: Mapped[str] = mapped_column(Text)
    info_date: Mapped[date]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(WHO_LENGTH))


class GuidanceArticle(Base):
    """A longer article (social innovation, writing a pilot proposal)."""

    __tablename__ = "kb_guidance"
    __table_args__ = (CheckConstraint("scope IN ('torun', 'analogia', 'ogolne')", name="scope"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(Text)
    phrasings: Mapped[list[str]] = mapped_column(JSON)
    keywords: Mapped[list[str]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    info_date: Mapped[date]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(WHO_LENGTH))


class KbRevision(Base):
    """Single row (id = 1) bumped with every KB write, so every process sees edits live."""

    __tablename__ = "kb_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer)


class ChangeLog(Base):
    """One staff-visible change of a KB entity, with full before/after records for revert."""

    __tablename__ = "kb_changes"
    __table_args__ = (
        CheckConstraint(_in("entity_type", EntityType), name="entity_type"),
        CheckConstraint(_in("action", ChangeAction), name="action"),
        Index("ix_kb_changes_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    action: Mapped[str] = mapped_column(String(10))
    who: Mapped[str] = mapped_column(String(WHO_LENGTH))
    at: Mapped[datetime]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reverts_id: Mapped[int | None] = mapped_column(Integer)


class Feedback(Base):
    """A 👍/👎 on an answer; the sender is stored only as a keyed hash."""

    __tablename__ = "kb_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_hash: Mapped[str] = mapped_column(String(SENDER_HASH_LENGTH))
    entry_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    useful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(index=True)


class UnansweredQuestion(Base):
    """A question the base could not answer well: the staff's to-do list."""

    __tablename__ = "kb_unanswered"
    __table_args__ = (CheckConstraint(_in("reason", UnansweredReason), name="reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    normalised_text: Mapped[str] = mapped_column(Text)
    sender_hash: Mapped[str] = mapped_column(String(SENDER_HASH_LENGTH))
    reason: Mapped[str] = mapped_column(String(30))
    entry_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(index=True)
