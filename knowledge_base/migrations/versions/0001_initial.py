"""Initial knowledge-base schema: calls, FAQ, guidance, revision counter, history, feedback.

Revision ID: 0001
Revises:
Create Date: 2024-05-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ_DATETIME = sa.DateTime(timezone=True)
MONEY = sa.Numeric(14, 2)


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("updated_at", TZ_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "kb_calls",
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(20), nullable=True),
        sa.Column("organiser", sa.Text(), nullable=True),
        sa.Column("programme", sa.Text(), nullable=True),
        sa.Column("measure", sa.Text(), nullable=True),
        sa.Column("project_type", sa.Text(), nullable=True),
        sa.Column("status_override", sa.String(20), nullable=True),
        sa.Column("opens_at", TZ_DATETIME, nullable=True),
        sa.Column("closes_at", TZ_DATETIME, nullable=True),
        sa.Column("pool_pln", MONEY, nullable=True),
        sa.Column("min_amount_pln", MONEY, nullable=True),
        sa.Column("max_amount_pln", MONEY, nullable=True),
        sa.Column("cofinancing", sa.Text(), nullable=True),
        sa.Column("duration", sa.Text(), nullable=True),
        sa.Column("submission", sa.Text(), nullable=True),
        sa.Column("eligible", sa.Text(), nullable=True),
        sa.Column("attachments", sa.Text(), nullable=True),
        sa.Column("scoring", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("info_date", sa.Date(), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("code", name="pk_kb_calls"),
        sa.CheckConstraint("scope IN ('torun', 'analogia')", name="ck_kb_calls_scope"),
        sa.CheckConstraint(
            "status_override IN ('planned', 'open', 'closed', 'cancelled')",
            name="ck_kb_calls_status_override",
        ),
    )

    op.create_table(
        "kb_faq",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("phrasings", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("call_code", sa.String(100), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("info_date", sa.Date(), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_kb_faq"),
        sa.ForeignKeyConstraint(
            ["call_code"], ["kb_calls.code"], name="fk_kb_faq_call_code_kb_calls"
        ),
        sa.CheckConstraint("scope IN ('torun', 'analogia', 'ogolne')", name="ck_kb_faq_scope"),
        sa.CheckConstraint("status IN ('answered', 'unknown')", name="ck_kb_faq_status"),
    )
    op.create_index("ix_kb_faq_call_code", "kb_faq", ["call_code"])

    op.create_table(
        "kb_guidance",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("phrasings", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("info_date", sa.Date(), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_kb_guidance"),
        sa.CheckConstraint("scope IN ('torun', 'analogia', 'ogolne')", name="ck_kb_guidance_scope"),
    )

    revision_table = op.create_table(
        "kb_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_revision"),
        sa.CheckConstraint("id = 1", name="ck_kb_revision_single_row"),
    )
    op.bulk_insert(revision_table, [{"id": 1, "revision": 0}])

    op.create_table(
        "kb_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_type", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("at", TZ_DATETIME, nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reverts_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kb_changes"),
        sa.CheckConstraint(
            "entity_type IN ('call', 'faq', 'guidance')", name="ck_kb_changes_entity_type"
        ),
        sa.CheckConstraint("action IN ('create', 'update', 'delete')", name="ck_kb_changes_action"),
    )
    op.create_index("ix_kb_changes_entity", "kb_changes", ["entity_type", "entity_id"])

    op.create_table(
        "kb_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender_hash", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=True),
        sa.Column("useful", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_feedback"),
    )
    op.create_index("ix_kb_feedback_entry_id", "kb_feedback", ["entry_id"])
    op.create_index("ix_kb_feedback_created_at", "kb_feedback", ["created_at"])

    op.create_table(
        "kb_unanswered",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalised_text", sa.Text(), nullable=False),
        sa.Column("sender_hash", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=True),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_unanswered"),
        sa.CheckConstraint(
            "reason IN ('dont_know', 'suggest_rejected', 'unhelpful')",
            name="ck_kb_unanswered_reason",
        ),
    )
    op.create_index("ix_kb_unanswered_created_at", "kb_unanswered", ["created_at"])


def downgrade() -> None:
    op.drop_table("kb_unanswered")
    op.drop_table("kb_feedback")
    op.drop_table("kb_changes")
    op.drop_table("kb_revision")
    op.drop_table("kb_guidance")
    op.drop_table("kb_faq")
    op.drop_table("kb_calls")
