"""The hand-off's database access: an engine whose transactions are real on SQLite too.

The sqlite3 driver begins transactions lazily and not at all for SAVEPOINT, so a savepoint
after a SELECT commits on its own and "request + outbox in one transaction" silently breaks.
Following SQLAlchemy's pysqlite recipe, the driver's handling is switched off and every
transaction starts with ``BEGIN IMMEDIATE``: atomic, savepoints work, and two processes
writing at once wait for each other (busy timeout) instead of failing on a stale snapshot.
In-memory SQLite is refused: the outbox worker and the web app use it from several threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from knowledge_base.db import make_engine, make_session_factory

T = TypeVar("T")


def make_handoff_engine(url: str) -> Engine:
    """`knowledge_base.db.make_engine` plus real SQLite transactions (see the module doc)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ValueError("the hand-off needs a file or server database, not in-memory SQLite")
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _driver_transactions_off)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def _driver_transactions_off(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Runs units of work in one transaction each, from sync or async code."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    @classmethod
    def from_url(cls, url: str) -> Database:
        return cls(make_session_factory(make_handoff_engine(url)))

    def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a transaction, committed if it returns, rolled back if it raises."""
        with self.sessions.begin() as session:
            return work(session)

    async def call(self, work: Callable[[Session], T]) -> T:
        """`run` in a worker thread, so the event loop never waits for the database."""
        return await asyncio.to_thread(self.run, work)

    def dispose(self) -> None:
        engine = self.sessions.kw.get("bind")
        if isinstance(engine, Engine):
            engine.dispose()
