"""Repository against real SQLite and PostgreSQL: writes, revision, history and revert."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from knowledge_base import repository
from knowledge_base.content_format import CallRecord, FaqRecord, GuidanceRecord
from knowledge_base.documents import EntryStatus, Scope
from knowledge_base.models import ChangeAction, Feedback, UnansweredQuestion, UnansweredReason

CODE = "RPKP.11.01.00-04-0001/22"


def call(**overrides: Any) -> CallRecord:
    values: dict[str, Any] = {
        "code": CODE,
        "name": "Pilotaż",
        "scope": "torun",
        "opens_at": "2023-07-17T09:00:00+02:00",
        "closes_at": "2023-07-28T15:00:00+02:00",
        "pool_pln": 650000,
        "max_amount_pln": 50000.5,
        "source": "seed-announcement.txt",
        "info_date": "2023-05-09",
    }
    return CallRecord.model_validate({**values, **overrides})


def faq(entry_id: str = "torun-termin", **overrides: Any) -> FaqRecord:
    values: dict[str, Any] = {
        "id": entry_id,
        "topic": "terminy",
        "scope": "torun",
        "status": "unknown",
        "question": "Do kiedy można składać wnioski?",
        "phrasings": ["termin naboru", "do kiedy wnioski", "kiedy mija termin"],
        "keywords": ["termin"],
        "answer": "Terminu jeszcze nie znamy.",
        "call": CODE,
        "source": "seed-announcement.txt",
        "info_date": "2023-05-09",
    }
    return FaqRecord.model_validate({**values, **overrides})


def article(article_id: str = "innowacja-co-to", **overrides: Any) -> GuidanceRecord:
    values: dict[str, Any] = {
        "id": article_id,
        "topic": "innowacje",
        "scope": "ogolne",
        "title": "Czym jest innowacja społeczna?",
        "phrasings": ["co to innowacja", "definicja innowacji", "innowacje spoleczne"],
        "body": "Nowe rozwiązanie problemu społecznego.",
        "source": "https://example.org",
        "info_date": "2023-05-09",
    }
    return GuidanceRecord.model_validate({**values, **overrides})


def test_upsert_call_creates_updates_and_skips_unchanged(session: Session) -> None:
    assert repository.upsert_call(session, record=call(), who="ania") == "created"
    assert repository.upsert_call(session, record=call(), who="ania") == "unchanged"
    assert repository.upsert_call(session, record=call(name="Nowa nazwa"), who="ola") == "updated"
    session.commit()

    row = repository.get_call(session, code=CODE)
    assert row is not None
    assert (row.name, row.updated_by) == ("Nowa nazwa", "ola")
    assert repository.current_revision(session) == 2
    changes = repository.list_changes(session)
    assert [(c.action, c.who) for c in changes] == [("update", "ola"), ("create", "ania")]
    assert changes[0].before is not None
    assert changes[0].after is not None
    assert (changes[0].before["name"], changes[0].after["name"]) == ("Pilotaż", "Nowa nazwa")


def test_call_values_survive_the_database(session: Session) -> None:
    repository.upsert_call(session, record=call(), who="ania")
    session.commit()
    session.expire_all()

    row = repository.get_call(session, code=CODE)
    assert row is not None
    assert row.closes_at == datetime(2023, 7, 28, 13, 0, tzinfo=UTC)
    assert row.closes_at.tzinfo is not None
    assert row.pool_pln == Decimal("650000")
    assert row.max_amount_pln == Decimal("50000.50")
    assert repository.call_record(row) == call()
    info = repository.call_info(row)
    assert (info.code, info.info_date, info.organiser) == (CODE, date(2023, 5, 9), None)


def test_documents_combine_faq_and_guidance(session: Session) -> None:
    repository.upsert_call(session, record=call(), who="t")
    repository.upsert_faq(session, record=faq(), who="t")
    repository.upsert_guidance(session, record=article(), who="t")
    session.commit()

    documents = repository.all_documents(session)
    assert [d.id for d in documents] == ["innowacja-co-to", "torun-termin"]
    entry = documents[1]
    assert entry.kind == "faq"
    assert entry.scope is Scope.TORUN
    assert entry.is_unknown
    assert entry.title == "Do kiedy można składać wnioski?"
    assert entry.phrasings == ("termin naboru", "do kiedy wnioski", "kiedy mija termin")
    assert entry.call_code == CODE
    guide = documents[0]
    assert (guide.kind, guide.status, guide.answer) == (
        "guidance",
        EntryStatus.ANSWERED,
        "Nowe rozwiązanie problemu społecznego.",
    )
    assert repository.get_document(session, entry_id="innowacja-co-to") == guide
    assert repository.get_document(session, entry_id="nie-ma") is None


def test_faq_with_unknown_call_is_refused(session: Session) -> None:
    with pytest.raises(repository.UnknownCallError, match="nieznany kod naboru"):
        repository.upsert_faq(session, record=faq(), who="t")


def test_faq_and_guidance_share_one_id_space(session: Session) -> None:
    repository.upsert_guidance(session, record=article("wspolne-id"), who="t")
    with pytest.raises(repository.IdConflictError, match="wspolne-id"):
        repository.upsert_faq(session, record=faq("wspolne-id", call=None), who="t")


def test_call_in_use_cannot_be_deleted(session: Session) -> None:
    repository.upsert_call(session, record=call(), who="t")
    repository.upsert_faq(session, record=faq(), who="t")
    session.commit()

    with pytest.raises(repository.EntryInUseError, match="torun-termin"):
        repository.delete_call(session, code=CODE, who="t")
    session.rollback()

    assert repository.delete_faq(session, entry_id="torun-termin", who="t")
    assert repository.delete_call(session, code=CODE, who="t")
    assert not repository.delete_call(session, code=CODE, who="t")
    session.commit()
    assert repository.is_empty(session)


def test_every_write_bumps_the_revision(session: Session) -> None:
    assert repository.current_revision(session) == 0
    repository.upsert_guidance(session, record=article(), who="t")
    repository.upsert_guidance(session, record=article(title="Inny tytuł"), who="t")
    repository.upsert_guidance(session, record=article(title="Inny tytuł"), who="t")
    repository.delete_guidance(session, article_id="innowacja-co-to", who="t")
    session.commit()
    assert repository.current_revision(session) == 3


def test_revert_update_restores_previous_values(session: Session) -> None:
    repository.upsert_guidance(session, record=article(), who="ania")
    repository.upsert_guidance(session, record=article(body="Zła treść."), who="ola")
    session.commit()
    update = repository.list_changes(session)[0]

    revert = repository.revert_change(session, change_id=update.id, who="kierownik")
    session.commit()

    row = repository.get_guidance(session, article_id="innowacja-co-to")
    assert row is not None
    assert row.body == "Nowe rozwiązanie problemu społecznego."
    assert revert is not None
    assert (revert.action, revert.who, revert.reverts_id) == ("update", "kierownik", update.id)
    assert repository.revert_change(session, change_id=update.id, who="kierownik") is None


def test_revert_create_deletes_and_revert_delete_recreates(session: Session) -> None:
    repository.upsert_call(session, record=call(), who="t")
    session.commit()
    create = repository.list_changes(session)[0]

    repository.revert_change(session, change_id=create.id, who="t")
    session.commit()
    assert repository.get_call(session, code=CODE) is None
    delete = repository.list_changes(session)[0]
    assert delete.action == ChangeAction.DELETE

    repository.revert_change(session, change_id=delete.id, who="t")
    session.commit()
    row = repository.get_call(session, code=CODE)
    assert row is not None
    assert repository.call_record(row) == call()


def test_revert_refuses_when_a_newer_change_exists(session: Session) -> None:
    repository.upsert_guidance(session, record=article(), who="t")
    repository.upsert_guidance(session, record=article(title="Drugi"), who="t")
    repository.upsert_guidance(session, record=article(title="Trzeci"), who="t")
    session.commit()
    older = repository.list_changes(session)[1]

    with pytest.raises(repository.RevertConflictError, match="nowsze zmiany"):
        repository.revert_change(session, change_id=older.id, who="t")
    repository.revert_change(session, change_id=older.id, who="t", force=True)
    session.commit()
    row = repository.get_guidance(session, article_id="innowacja-co-to")
    assert row is not None
    assert row.title == "Czym jest innowacja społeczna?"


def test_revert_unknown_change(session: Session) -> None:
    with pytest.raises(repository.ChangeNotFoundError):
        repository.revert_change(session, change_id=999, who="t")


def test_feedback_and_unanswered_questions_are_stored(session: Session) -> None:
    repository.add_feedback(session, sender_hash="abc", entry_id="torun-termin", useful=False)
    repository.add_feedback(session, sender_hash="abc", entry_id=None, useful=True)
    repository.add_unanswered(
        session,
        text="Czy można kupić samochód?",
        normalised_text="czy mozna kupic samochod",
        sender_hash="abc",
        reason=UnansweredReason.DONT_KNOW,
    )
    session.commit()
    assert repository.count_rows(session, Feedback) == 2
    question = session.query(UnansweredQuestion).one()
    assert (question.reason, question.entry_id) == ("dont_know", None)
    assert question.created_at.tzinfo is not None
