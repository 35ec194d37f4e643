"""Fixtures of the hand-off tests: both databases, a manual clock, the service and its helpers.

`database_url` runs a test on SQLite and on PostgreSQL (127.0.0.1:5432, db `test`, a private
schema per session so parallel runs never meet); PostgreSQL is skipped, with the reason, only
when it cannot be reached. The Telegram fixtures are the channel's own (tests/channels).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bot.assistant import BotReply
from bot.channels.base import DeliveryError
from bot.handoff.db import Database
from bot.handoff.models import HandoffRequest, OutboxMessage, Reason
from bot.handoff.office_hours import WARSAW, OfficeHours
from bot.handoff.outbox import OutboxWorker, RetryPolicy
from bot.handoff.service import HandoffService, turn
from knowledge_base.db import migrate
from tests.channels.conftest import (  # noqa: F401 - fixtures shared with the Telegram tests
    scripted_assistant,
    start_telegram_bot,
    telegram_api,
    telegram_api_server,
    telegram_settings,
)

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
COORDINATOR_CHAT = -1001555000111
HANDOFF_TABLES = (
    "handoff_web_inbox",
    "handoff_outbox_sequences",
    "handoff_outbox",
    "handoff_messages",
    "handoff_requests",
)
# Wednesday 25 November 2026, 10:00 in Warsaw: the office is open.
OPEN_MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=WARSAW)


class ManualClock:
    """An aware UTC clock that only moves when told to."""

    def __init__(self, start: datetime = OPEN_MORNING):
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _pg_unavailable() -> str | None:
    try:
        engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at 127.0.0.1:5432/test unreachable: {type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("handoff-template") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    reason = _pg_unavailable()
    if reason:
        pytest.skip(reason)
    schema = f"handoff_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    try:
        migrate(url)
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "handoff.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(HANDOFF_TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.from_url(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def office_hours(clock: ManualClock) -> OfficeHours:
    return OfficeHours.parse("mon-fri 08:00-16:00", clock=clock)


@pytest.fixture
def service(clock: ManualClock, office_hours: OfficeHours) -> HandoffService:
    return HandoffService(
        office_hours=office_hours, coordinator_chat_id=COORDINATOR_CHAT, clock=clock
    )


TRANSCRIPT = [
    turn("user", "Czy możemy przesunąć termin realizacji projektu?"),
    turn("bot", "Nie znalazłem odpowiedzi na to pytanie w bazie wiedzy."),
    turn("user", "/affirm"),
]


def open_for(
    db: Database, service: HandoffService, sender_id: str, **options: Any
) -> HandoffRequest:
    """Open a request for `sender_id` in its own transaction, as the Rasa action does."""
    values: dict[str, Any] = {"reason": Reason.ASKED, "transcript": TRANSCRIPT, **options}
    return db.run(lambda s: service.open_request(s, sender_id=sender_id, **values).request)


def outbox_rows(db: Database, **where: Any) -> list[OutboxMessage]:
    def work(session: Session) -> list[OutboxMessage]:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(session.scalars(query).all())

    return db.run(work)


@dataclass
class ScriptedChannel:
    """An outbound channel that fails as told, then records what it delivers."""

    name: str
    failures: list[DeliveryError | BaseException] = field(default_factory=list)
    delivered: list[tuple[str, BotReply]] = field(default_factory=list)
    attempts: int = 0

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.extend((recipient, reply) for reply in replies)

    def texts(self, recipient: str | None = None) -> list[str]:
        return [r.text for who, r in self.delivered if recipient in (None, who)]


def make_worker(db: Database, clock: ManualClock, *channels: Any, **options: Any) -> OutboxWorker:
    """A worker with jitter off, so back-off delays are exact."""
    options.setdefault("policy", RetryPolicy(max_attempts=5, base_delay_s=2.0, jitter=0.0))
    return OutboxWorker(
        db.sessions, {c.name: c for c in channels}, clock=clock, lease_s=60, **options
    )
