"""Migration 0003: one linear history (0001 → 0002 hand-off → 0003 staff), down and up again."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from bot.admin import accounts
from bot.admin.models import Role
from knowledge_base.db import _alembic_config, make_engine, make_session_factory, migrate

STAFF_TABLES = {
    "staff_users",
    "staff_login_attempts",
    "kb_question_log",
    "staff_unanswered_handled",
    "staff_pending_imports",
}
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def test_history_is_linear() -> None:
    script = ScriptDirectory.from_config(_alembic_config())
    assert len(script.get_heads()) == 1
    chain = [rev.revision for rev in script.walk_revisions()]
    assert chain[-3:] == ["0003", "0002", "0001"]
    assert script.get_revision("0003").down_revision == "0002"


def test_downgrade_and_upgrade_on_sqlite(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate(url)
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) >= STAFF_TABLES
    config = _alembic_config()
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
    assert not STAFF_TABLES & set(inspect(engine).get_table_names())
    assert "handoff_requests" in inspect(engine).get_table_names()
    engine.dispose()
    migrate(url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema in the `test` database, dropped afterwards (other suites share it)."""
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as connection:
            schema = f"admin_{secrets.token_hex(4)}"
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_staff_tables_on_postgres(pg_url: str) -> None:
    migrate(pg_url)
    engine = make_engine(pg_url)
    try:
        assert set(inspect(engine).get_table_names()) >= STAFF_TABLES
        sessions = make_session_factory(engine)
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        with sessions.begin() as db:
            accounts.add_user(
                db,
                login="pg",
                password="haslo-postgres-1",
                role=Role.ADMIN,
                display_name=None,
                now=now,
            )
        with sessions.begin() as db:
            assert accounts.authenticate(db, login="pg", password="haslo-postgres-1", now=now)
            for _ in range(5):
                accounts.record_attempt(db, login="pg", ip="10.0.0.1", success=False, now=now)
        with sessions() as db:
            policy = accounts.ThrottlePolicy()
            assert accounts.throttled_until(db, login="pg", ip="10.0.0.1", now=now, policy=policy)
    finally:
        engine.dispose()
