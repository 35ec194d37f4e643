"""Fixtures of the knowledge-base tests: real databases (SQLite file, PostgreSQL schema) and an
in-memory substring retriever standing in for the real Polish one."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateSchema, DropSchema

from knowledge_base.db import DatabaseUnavailableError, make_engine, make_session_factory, migrate
from knowledge_base.documents import Band, Candidate, Document, SearchResult, Thresholds

POSTGRES_URL = os.environ.get(
    "KB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "kb"
FIXTURE_FILES = [DATA_DIR / name for name in ("calls.yml", "faq.yml", "guidance.yml", "faq.csv")]


def _postgres_unavailable_reason() -> str | None:
    engine = make_engine(POSTGRES_URL)
    try:
        with engine.connect():
            return None
    except DatabaseUnavailableError as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}"
    finally:
        engine.dispose()


@pytest.fixture
def data_dir() -> Path:
    """Small fixture content (tests/data/kb), independent of the real content files."""
    return DATA_DIR


@pytest.fixture
def fixture_files() -> list[Path]:
    return list(FIXTURE_FILES)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    reason = _postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    engine = make_engine(POSTGRES_URL)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'kb.db'}"


@pytest.fixture
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    """A fresh schema per test, reached through search_path, dropped afterwards."""
    schema = f"kbtest_{uuid.uuid4().hex[:12]}"
    with postgres_admin.begin() as connection:
        connection.execute(CreateSchema(schema))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with postgres_admin.begin() as connection:
        connection.execute(DropSchema(schema, cascade=True))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The same test against SQLite and PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test session; tests get copies (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "kb.db"
    migrate(f"sqlite:///{path}")
    return path


def _copy_sqlite(template: Path, url: str) -> None:
    target = Path(str(make_url(url).database))
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))


@pytest.fixture
def migrated_url(db_url: str, request: pytest.FixtureRequest) -> str:
    if make_url(db_url).get_backend_name() == "sqlite":
        _copy_sqlite(request.getfixturevalue("sqlite_template"), db_url)
    else:
        migrate(db_url)
    return db_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def sqlite_migrated_url(sqlite_url: str, sqlite_template: Path) -> str:
    _copy_sqlite(sqlite_template, sqlite_url)
    return sqlite_url


@pytest.fixture
def new_sqlite_db(tmp_path: Path, sqlite_template: Path) -> Callable[[str], str]:
    """Make another migrated SQLite database next to the test's own: new_sqlite_db("b")."""

    def make(name: str) -> str:
        url = f"sqlite:///{tmp_path / 'other' / (name + '.db')}"
        _copy_sqlite(sqlite_template, url)
        return url

    return make


@pytest.fixture
def sqlite_session(sqlite_migrated_url: str) -> Iterator[Session]:
    """SQLite only: for tests about content handling rather than the database."""
    engine = make_engine(sqlite_migrated_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


class SubstringRetriever:
    """Scores 100 when the query is part of a document's title or phrasing, otherwise skips it."""

    def __init__(self, documents: Sequence[Document], thresholds: Thresholds) -> None:
        self.documents = list(documents)
        self.thresholds = thresholds

    def search(
        self,
        query: str,
        *,
        limit: int = 3,
        topic_hint: str | None = None,
        exclude: Collection[str] = (),
    ) -> SearchResult:
        needle = query.casefold().strip()
        hits = [
            Candidate(document, 100.0)
            for document in self.documents
            if any(needle in text.casefold() for text in (document.title, *document.phrasings))
            and (topic_hint is None or document.topic == topic_hint)
            and document.id not in exclude
        ]
        band = Band.ANSWER if hits else Band.DONT_KNOW
        return SearchResult(query=query, band=band, candidates=tuple(hits[:limit]))


@dataclass
class CountingRetrieverFactory:
    """Builds SubstringRetrievers and remembers how many, to see when the cache is rebuilt."""

    built: list[SubstringRetriever] = field(default_factory=list)

    def __call__(self, documents: Sequence[Document], thresholds: Thresholds) -> SubstringRetriever:
        retriever = SubstringRetriever(documents, thresholds)
        self.built.append(retriever)
        return retriever


@pytest.fixture
def retriever_factory() -> CountingRetrieverFactory:
    return CountingRetrieverFactory()
