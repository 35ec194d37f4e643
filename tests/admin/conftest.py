"""Fixtures for the staff panel: a migrated SQLite base with the test KB and three staff
accounts (copied from one template per run), a fixed clock, and the real app served over HTTP.
Shared helpers live in ``tests/admin/helpers.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts
from bot.handoff.office_hours import OfficeHours
from bot.handoff.service import HandoffService
from knowledge_base.db import make_engine, make_session_factory, migrate
from knowledge_base.documents import Thresholds
from knowledge_base.importer import import_files
from knowledge_base.retrieval import Retriever
from knowledge_base.service import KnowledgeService
from tests.admin.helpers import KB_FILES, START, FakeClock, Panel, add_users, build_app
from tests.support.browser import browser_page, chromium  # noqa: F401  (fixtures)
from tests.support.server import serve_app


def _cheap_hashing() -> accounts.Passwords:
    """argon2id at its lowest cost: the same code paths, milliseconds instead of 0.3 s a hash."""
    return accounts.Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "PASSWORDS", _cheap_hashing())


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated, with the test KB and the staff accounts; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "asystent.db"
    url = f"sqlite:///{path}"
    migrate(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "PASSWORDS", _cheap_hashing())
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as db:
            import_files(db, KB_FILES, who="seed")
        add_users(factory, START)
        engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, template_database: Path) -> str:
    path = tmp_path / "asystent.db"
    shutil.copyfile(template_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def knowledge(sessions: sessionmaker[Session]) -> KnowledgeService:
    return KnowledgeService(sessions, Retriever, Thresholds())


@pytest.fixture
def handoff_service(clock: FakeClock) -> HandoffService:
    hours = OfficeHours.parse("mon-fri 08:00-16:00", clock=clock)
    return HandoffService(office_hours=hours, coordinator_chat_id=-1001, clock=clock)


@pytest.fixture
def panel(
    sessions: sessionmaker[Session],
    knowledge: KnowledgeService,
    clock: FakeClock,
    handoff_service: HandoffService,
) -> Iterator[Panel]:
    app = build_app(sessions, knowledge, clock, handoff_service)
    with serve_app(app) as base_url:
        yield Panel(base_url, app, sessions, knowledge, clock, handoff_service)
