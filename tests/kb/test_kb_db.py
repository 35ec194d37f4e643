"""Engines, migrations and the "database is down" path."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text

from knowledge_base.db import (
    SCHEMA_HEAD,
    DatabaseUnavailableError,
    SchemaOutdatedError,
    ensure_schema_current,
    head_revision,
    make_engine,
    migrate,
)
from knowledge_base.models import (
    Base,
    Call,
    ChangeLog,
    FaqEntry,
    Feedback,
    GuidanceArticle,
    KbRevision,
    UnansweredQuestion,
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


KB_TABLES = {
    model.__tablename__
    for model in (
        Call,
        FaqEntry,
        GuidanceArticle,
        KbRevision,
        ChangeLog,
        Feedback,
        UnansweredQuestion,
    )
}


def _is_kb_object(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", getattr(obj, "parent", None))
    return table is None or str(table.name) in KB_TABLES


def test_migration_matches_the_kb_models(engine: Engine) -> None:
    """Other modules add their own tables to the same tree; here only this module's count."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _is_kb_object}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_is_idempotent_and_starts_at_revision_zero(migrated_url: str) -> None:
    migrate(migrated_url)
    engine = make_engine(migrated_url)
    try:
        ensure_schema_current(engine)
        with engine.connect() as connection:
            assert connection.scalar(select(KbRevision.revision)) == 0
            current = MigrationContext.configure(connection).get_current_revision()
        assert current == head_revision()
    finally:
        engine.dispose()


def test_schema_head_constant_is_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_HEAD


def test_sqlite_engine_creates_directory_and_sets_pragmas(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "dir" / "kb.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA foreign_keys")) == 1
            assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
            assert connection.scalar(text("PRAGMA busy_timeout")) == 5000
        assert database.exists()
    finally:
        engine.dispose()


def test_schema_check_asks_for_migrate_on_an_empty_database(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with pytest.raises(SchemaOutdatedError, match="kb migrate"):
            ensure_schema_current(engine)
    finally:
        engine.dispose()


def test_unreachable_postgres_raises_one_clear_line() -> None:
    url = f"postgresql+psycopg://postgres:secret@127.0.0.1:{_closed_port()}/test"
    engine = make_engine(url)
    try:
        with pytest.raises(DatabaseUnavailableError) as caught, engine.connect():
            pass
    finally:
        engine.dispose()
    message = str(caught.value)
    assert message.startswith("Baza danych jest niedostępna")
    assert "\n" not in message
    assert "secret" not in message


def test_migrate_on_unreachable_database_raises_database_unavailable() -> None:
    with pytest.raises(DatabaseUnavailableError):
        migrate(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test")
