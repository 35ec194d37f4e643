"""Staff panel: accounts, login attempts, question log, handled unanswered questions, imports.

Revision ID: 0003
Revises: 0002
Create Date: 2024-06-15
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("last_login_at", TZ_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_users"),
        sa.UniqueConstraint("login", name="uq_staff_users_login"),
        sa.CheckConstraint(
            "role IN ('editor', 'coordinator', 'admin')", name="ck_staff_users_role"
        ),
    )

    op.create_table(
        "staff_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", TZ_DATETIME, nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_login_attempts"),
    )
    op.create_index(
        "ix_staff_login_attempts_login_ip_at", "staff_login_attempts", ["login", "ip", "at"]
    )
    op.create_index("ix_staff_login_attempts_ip", "staff_login_attempts", ["ip"])
    op.create_index("ix_staff_login_attempts_at", "staff_login_attempts", ["at"])

    op.create_table(
        "kb_question_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.Column("sender_hash", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=True),
        sa.Column("topic", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kb_question_log"),
    )
    op.create_index("ix_kb_question_log_created_at", "kb_question_log", ["created_at"])

    op.create_table(
        "staff_unanswered_handled",
        sa.Column("unanswered_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("handled_at", TZ_DATETIME, nullable=False),
        sa.Column("handled_by", sa.String(200), nullable=False),
        sa.Column("entry_id", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("unanswered_id", name="pk_staff_unanswered_handled"),
    )

    op.create_table(
        "staff_pending_imports",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TZ_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_staff_pending_imports"),
    )


def downgrade() -> None:
    op.drop_table("staff_pending_imports")
    op.drop_table("staff_unanswered_handled")
    op.drop_table("kb_question_log")
    op.drop_table("staff_login_attempts")
    op.drop_table("staff_users")
