"""KnowledgeService: cached retrieval that follows the database revision across processes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from knowledge_base import repository
from knowledge_base.calls import describe_deadline
from knowledge_base.content_format import FaqRecord
from knowledge_base.db import make_engine, make_session_factory
from knowledge_base.documents import Band, Thresholds
from knowledge_base.importer import import_files
from knowledge_base.models import Feedback, UnansweredQuestion
from knowledge_base.service import KnowledgeService, normalise_question

WARSAW = ZoneInfo("Europe/Warsaw")


def new_entry(question: str = "Czy można kupić rower?") -> FaqRecord:
    return FaqRecord.model_validate(
        {
            "id": "koszty-rower",
            "topic": "koszty",
            "scope": "ogolne",
            "status": "answered",
            "question": question,
            "phrasings": ["zakup roweru", "rower w projekcie", "czy rower to koszt"],
            "answer": "Tak, jeśli służy projektowi.",
            "source": "wytyczne",
            "info_date": "2023-01-01",
        }
    )


@pytest.fixture
def kb_url(sqlite_migrated_url: str, fixture_files: list[Path]) -> str:
    engine = make_engine(sqlite_migrated_url)
    with make_session_factory(engine)() as session:
        import_files(session, fixture_files, who="test")
    engine.dispose()
    return sqlite_migrated_url


@pytest.fixture
def process_engines(kb_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one SQLite file, as two processes (bot and staff panel) would have."""
    first, second = make_engine(kb_url), make_engine(kb_url)
    yield first, second
    first.dispose()
    second.dispose()


def service_on(engine: Engine, factory: Any) -> KnowledgeService:
    return KnowledgeService(make_session_factory(engine), factory, Thresholds())


def test_search_uses_the_cached_retriever_until_the_revision_changes(
    process_engines: tuple[Engine, Engine], retriever_factory: Any
) -> None:
    engine, _ = process_engines
    service = service_on(engine, retriever_factory)

    assert service.search("numer naboru").band is Band.ANSWER
    assert service.search("telefon do koordynatora", topic_hint="kontakt").best is not None
    assert service.search("zupełnie coś innego").band is Band.DONT_KNOW
    assert len(retriever_factory.built) == 1
    assert retriever_factory.built[0].thresholds == Thresholds()


def test_edit_in_one_process_is_live_in_another(
    process_engines: tuple[Engine, Engine], retriever_factory: Any
) -> None:
    bot_engine, staff_engine = process_engines
    bot = service_on(bot_engine, retriever_factory)
    other_bot = service_on(staff_engine, retriever_factory)
    assert bot.search("zakup roweru").band is Band.DONT_KNOW
    assert other_bot.search("zakup roweru").band is Band.DONT_KNOW
    revision = bot.revision()

    with make_session_factory(staff_engine)() as staff:
        repository.upsert_faq(staff, record=new_entry(), who="ania")
        staff.commit()

    result = bot.search("zakup roweru")
    best = result.best
    assert best is not None
    assert best.document.id == "koszty-rower"
    assert other_bot.search("zakup roweru").band is Band.ANSWER
    assert bot.revision() == revision + 1
    assert bot.get_document("koszty-rower") is not None

    with make_session_factory(staff_engine)() as staff:
        repository.delete_faq(staff, entry_id="koszty-rower", who="ania")
        staff.commit()
    assert bot.search("zakup roweru").band is Band.DONT_KNOW
    assert bot.get_document("koszty-rower") is None


def test_uncommitted_edits_stay_invisible(
    process_engines: tuple[Engine, Engine], retriever_factory: Any
) -> None:
    bot_engine, staff_engine = process_engines
    bot = service_on(bot_engine, retriever_factory)
    bot.search("cokolwiek")
    with make_session_factory(staff_engine)() as staff:
        repository.upsert_faq(staff, record=new_entry(), who="ania")
        staff.rollback()
    assert bot.search("zakup roweru").band is Band.DONT_KNOW
    assert len(retriever_factory.built) == 1


def test_documents_and_calls(
    process_engines: tuple[Engine, Engine], retriever_factory: Any
) -> None:
    service = service_on(process_engines[0], retriever_factory)
    document = service.get_document("lgd-kontakt")
    assert document is not None
    assert document.answer == "Koordynator: Mariusz Godlejewski.\nTel. +48 786 020 704."
    assert service.get_document("nie-ma-takiego") is None
    assert len(service.documents()) == 6

    call = service.get_call("1/G/2018")
    assert call is not None
    assert call.name == "Pierwszy konkurs grantowy"
    now = datetime(2018, 9, 26, 10, 0, tzinfo=WARSAW)
    assert describe_deadline(call, now) == (
        "Nabór trwa jeszcze 5 dni (do 1 października 2018, godz. 15:00)."
    )
    assert service.get_call("NIE/MA") is None


def test_feedback_and_unanswered_are_recorded(
    process_engines: tuple[Engine, Engine], retriever_factory: Any
) -> None:
    engine = process_engines[0]
    service = service_on(engine, retriever_factory)
    service.record_feedback(sender_hash="h1", entry_id="lgd-kontakt", useful=True)
    service.record_feedback(sender_hash="h1", entry_id=None, useful=False)
    service.record_unanswered(
        text="  Czy mogę kupić ŁÓDKĘ?! ", sender_hash="h1", reason="dont_know"
    )
    service.record_unanswered(
        text="x" * 5000, sender_hash="h2", reason="suggest_rejected", entry_id="lgd-kontakt"
    )
    with pytest.raises(ValueError, match="nie_wiem"):
        service.record_unanswered(text="?", sender_hash="h3", reason="nie_wiem")

    session_factory: sessionmaker[Session] = make_session_factory(engine)
    with session_factory() as session:
        feedback = session.scalars(select(Feedback).order_by(Feedback.id)).all()
        assert [(f.entry_id, f.useful) for f in feedback] == [("lgd-kontakt", True), (None, False)]
        questions = session.scalars(select(UnansweredQuestion).order_by(UnansweredQuestion.id))
        first, second = questions.all()
    assert (first.text, first.normalised_text) == ("Czy mogę kupić ŁÓDKĘ?!", "czy moge kupic lodke")
    assert (second.reason, second.entry_id, len(second.text)) == (
        "suggest_rejected",
        "lgd-kontakt",
        2000,
    )


def test_normalise_question() -> None:
    assert normalise_question("Źródło: ŻÓŁW, gęś!") == "zrodlo zolw ges"


def test_works_with_the_real_retriever(process_engines: tuple[Engine, Engine]) -> None:
    retrieval = pytest.importorskip("knowledge_base.retrieval")
    service = service_on(process_engines[0], retrieval.Retriever)
    best = service.search("jaki jest numer konkursu").best
    assert best is not None
    assert best.document.id == "torun-nabor-numer"
