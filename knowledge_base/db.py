"""Engines, sessions and migrations of the knowledge-base database (SQLite or PostgreSQL)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

if TYPE_CHECKING:
    from alembic.config import Config

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 5


class DatabaseUnavailableError(Exception):
    """The database cannot be reached; the message is one line, fit to show to staff."""


class SchemaOutdatedError(Exception):
    """The database has no tables yet or an older schema: `kb migrate` is needed."""


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _unavailable_message(url: URL, error: BaseException) -> str:
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()
    reason = detail[0].strip() if detail else type(error).__name__
    where = url.render_as_string(hide_password=True)
    return f"Baza danych jest niedostępna ({where}): {reason}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def make_engine(url: str) -> Engine:
    """Build an engine; SQLite gets foreign keys, WAL and a busy timeout, and its directory."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if _is_sqlite(parsed):
        if _is_memory(parsed):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        elif parsed.database:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
        if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
            kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    engine = create_engine(parsed, **kwargs)
    if _is_sqlite(parsed):
        event.listen(engine, "connect", _sqlite_pragmas)

    def _on_error(context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:  # the pool reconnects on its own after a failed ping
            return None
        failed_to_connect = context.connection is None and isinstance(
            context.sqlalchemy_exception, OperationalError
        )
        if failed_to_connect or context.is_disconnect:
            return DatabaseUnavailableError(
                _unavailable_message(parsed, context.original_exception)
            )
        return None

    event.listen(engine, "handle_error", _on_error)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (they are handed to callers)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


# The newest migration; checked against the migration scripts by tests/kb/test_kb_db.py.
# Every `kb` command checks the schema: with this constant it needs no Alembic import (about
# a quarter of a second of start-up), so an import reaches the running assistant sooner.
SCHEMA_HEAD = "0003"


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(url: str) -> None:
    """Upgrade the database at `url` to the newest schema (Alembic `upgrade head`)."""
    engine = make_engine(url)
    try:
        migrate_engine(engine)
    except OperationalError as exc:
        raise DatabaseUnavailableError(_unavailable_message(make_url(url), exc)) from exc
    finally:
        engine.dispose()
    logger.info("database migrated url=%s", make_url(url).render_as_string(hide_password=True))


def migrate_engine(engine: Engine) -> None:
    """Upgrade the database behind `engine` (also an in-memory SQLite one) to the newest schema."""
    from alembic import command

    config = _alembic_config()
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # Batch migrations rebuild tables; enforced foreign keys would break them.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def head_revision() -> str | None:
    """The newest migration shipped with the package."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def ensure_schema_current(engine: Engine) -> None:
    """Raise SchemaOutdatedError unless the database is at the newest migration."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            current = None
        else:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current != SCHEMA_HEAD:
        raise SchemaOutdatedError(
            "Schemat bazy danych jest nieaktualny lub pusty — uruchom najpierw: kb migrate"
        )
