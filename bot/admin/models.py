"""Tables of the staff panel: accounts, login attempts, the question log and panel chores.

They live on the knowledge base's `Base` (one metadata, one Alembic history); the schema itself
is created by migration 0003.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from knowledge_base.models import ID_LENGTH, SENDER_HASH_LENGTH, Base

LOGIN_LENGTH = 64
IP_LENGTH = 64
TOKEN_LENGTH = 64


class Role(StrEnum):
    """What a staff member may do: editors keep the KB, coordinators answer hand-offs."""

    EDITOR = "editor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class StaffUser(Base):
    """A person who logs in to the panel; the password is kept only as an argon2 hash."""

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint(_in("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(LOGIN_LENGTH), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """One login try, kept for throttling (per login and IP address) and for the audit trail."""

    __tablename__ = "staff_login_attempts"
    __table_args__ = (Index("ix_staff_login_attempts_login_ip_at", "login", "ip", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(LOGIN_LENGTH))
    ip: Mapped[str] = mapped_column(String(IP_LENGTH), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    success: Mapped[bool] = mapped_column(Boolean)


class QuestionLog(Base):
    """Every question the assistant handled, for the dashboard (the sender only as a hash).

    `outcome` is a `knowledge_base.responder.Outcome` value, checked when written
    (:func:`bot.admin.queries.log_question`) rather than by a CHECK constraint, so that a new
    kind of reply in the responder needs no migration here.
    """

    __tablename__ = "kb_question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    sender_hash: Mapped[str] = mapped_column(String(SENDER_HASH_LENGTH))
    outcome: Mapped[str] = mapped_column(String(20))
    entry_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    topic: Mapped[str | None] = mapped_column(String(40))


class UnansweredHandled(Base):
    """An unanswered question staff dealt with (an entry was written, or it was dismissed)."""

    __tablename__ = "staff_unanswered_handled"

    unanswered_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime]
    handled_by: Mapped[str] = mapped_column(String(200))
    entry_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))


class PendingImport(Base):
    """An uploaded content file between its dry-run preview and the staff's confirmation."""

    __tablename__ = "staff_pending_imports"

    token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
