"""Hand-off to the coordinator: requests, their messages, the outbox and the web-chat inbox.

Revision ID: 0002
Revises: 0001
Create Date: 2024-06-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ_DATETIME = sa.DateTime(timezone=True)
OPEN_REQUEST = "status IN ('new', 'taken', 'answered')"


def upgrade() -> None:
    op.create_table(
        "handoff_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("taken_by", sa.String(200), nullable=True),
        sa.Column("taken_at", TZ_DATETIME, nullable=True),
        sa.Column("answered_at", TZ_DATETIME, nullable=True),
        sa.Column("closed_at", TZ_DATETIME, nullable=True),
        sa.Column("coordinator_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("coordinator_message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_reminder_at", TZ_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_requests"),
        sa.CheckConstraint(
            "channel IN ('telegram', 'messenger', 'web')", name="ck_handoff_requests_channel"
        ),
        sa.CheckConstraint(
            "status IN ('new', 'taken', 'answered', 'closed')", name="ck_handoff_requests_status"
        ),
        sa.CheckConstraint(
            "reason IN ('asked', 'unknown_accepted', 'misunderstood', 'complex_case')",
            name="ck_handoff_requests_reason",
        ),
    )
    op.create_index("ix_handoff_requests_sender_id", "handoff_requests", ["sender_id"])
    op.create_index(
        "ix_handoff_requests_status_created_at", "handoff_requests", ["status", "created_at"]
    )
    op.create_index(
        "uq_handoff_requests_open_sender",
        "handoff_requests",
        ["sender_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_REQUEST),
        postgresql_where=sa.text(OPEN_REQUEST),
    )

    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_messages"),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["handoff_requests.id"],
            name="fk_handoff_messages_request_id_handoff_requests",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "direction IN ('from_applicant', 'from_coordinator')",
            name="ck_handoff_messages_direction",
        ),
    )
    op.create_index("ix_handoff_messages_request_id", "handoff_messages", ["request_id"])

    op.create_table(
        "handoff_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ_DATETIME, nullable=False),
        sa.Column("lease_until", TZ_DATETIME, nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("sent_at", TZ_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_outbox"),
        sa.UniqueConstraint("dedup_key", name="uq_handoff_outbox_dedup_key"),
        sa.UniqueConstraint(
            "channel", "recipient", "seq", name="uq_handoff_outbox_channel_recipient_seq"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'dead')", name="ck_handoff_outbox_status"
        ),
    )
    op.create_index(
        "ix_handoff_outbox_status_next_attempt_at", "handoff_outbox", ["status", "next_attempt_at"]
    )
    op.create_index("ix_handoff_outbox_sender_id", "handoff_outbox", ["sender_id"])

    op.create_table(
        "handoff_outbox_sequences",
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "recipient", name="pk_handoff_outbox_sequences"),
    )

    op.create_table(
        "handoff_web_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("delivery_key", sa.String(200), nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_web_inbox"),
        sa.UniqueConstraint("delivery_key", name="uq_handoff_web_inbox_delivery_key"),
    )
    op.create_index("ix_handoff_web_inbox_session_id", "handoff_web_inbox", ["session_id"])


def downgrade() -> None:
    op.drop_table("handoff_web_inbox")
    op.drop_table("handoff_outbox_sequences")
    op.drop_table("handoff_outbox")
    op.drop_table("handoff_messages")
    op.drop_table("handoff_requests")
