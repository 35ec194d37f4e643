"""Data access for the knowledge base, with the session passed in explicitly.

Every write bumps the KB revision (so every process sees the change on its next question) and
leaves a history row with full before/after records, which is what makes revert possible.
Functions flush but never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar, cast

from sqlalchemy import CursorResult, exists, func, select, update
from sqlalchemy.orm import Session

from knowledge_base.calls import CallInfo
from knowledge_base.content_format import CallRecord, FaqRecord, GuidanceRecord
from knowledge_base.documents import Document, EntryStatus, Scope
from knowledge_base.models import (
    WHO_LENGTH,
    Base,
    Call,
    ChangeAction,
    ChangeLog,
    EntityType,
    FaqEntry,
    Feedback,
    GuidanceArticle,
    KbRevision,
    UnansweredQuestion,
    UnansweredReason,
)

Outcome = Literal["created", "updated", "unchanged"]
Record = CallRecord | FaqRecord | GuidanceRecord
R = TypeVar("R", CallRecord, FaqRecord, GuidanceRecord)
M = TypeVar("M", Call, FaqEntry, GuidanceArticle)


class KnowledgeBaseError(Exception):
    """A write that would leave the knowledge base inconsistent; the message is for staff."""


class UnknownCallError(KnowledgeBaseError):
    """A FAQ entry points at a call code that does not exist."""


class EntryInUseError(KnowledgeBaseError):
    """A call cannot be deleted while FAQ entries point at it."""


class IdConflictError(KnowledgeBaseError):
    """FAQ entries and guidance articles share one id space (a document id)."""


class RevertConflictError(KnowledgeBaseError):
    """The entity changed after the change being reverted; revert the newer change first."""


class ChangeNotFoundError(KnowledgeBaseError):
    """No history row with that id."""


def _now() -> datetime:
    return datetime.now(UTC)


# --- revision ---------------------------------------------------------------------------------


def current_revision(session: Session) -> int:
    """The KB revision: one cheap query that tells whether cached content is stale."""
    value = session.scalar(select(KbRevision.revision).where(KbRevision.id == 1))
    return int(value or 0)


def bump_revision(session: Session) -> None:
    """Increment the revision in the caller's transaction (one atomic UPDATE)."""
    result = cast(
        CursorResult[Any],
        session.execute(
            update(KbRevision).where(KbRevision.id == 1).values(revision=KbRevision.revision + 1)
        ),
    )
    if result.rowcount == 0:
        session.add(KbRevision(id=1, revision=1))
        session.flush()


# --- conversions ------------------------------------------------------------------------------


def call_record(row: Call) -> CallRecord:
    return CallRecord.model_validate({name: getattr(row, name) for name in CallRecord.model_fields})


def faq_record(row: FaqEntry) -> FaqRecord:
    values = {name: getattr(row, name) for name in FaqRecord.model_fields if name != "call"}
    return FaqRecord.model_validate({**values, "call": row.call_code})


def guidance_record(row: GuidanceArticle) -> GuidanceRecord:
    return GuidanceRecord.model_validate(
        {name: getattr(row, name) for name in GuidanceRecord.model_fields}
    )


def _call_columns(record: CallRecord) -> dict[str, Any]:
    return record.model_dump()


def _faq_columns(record: FaqRecord) -> dict[str, Any]:
    values = record.model_dump(exclude={"call"})
    return {
        **values,
        "scope": record.scope.value,
        "status": record.status.value,
        "phrasings": list(record.phrasings),
        "keywords": list(record.keywords),
        "call_code": record.call,
    }


def _guidance_columns(record: GuidanceRecord) -> dict[str, Any]:
    values = record.model_dump()
    return {
        **values,
        "scope": record.scope.value,
        "phrasings": list(record.phrasings),
        "keywords": list(record.keywords),
    }


def faq_document(row: FaqEntry) -> Document:
    return Document(
        id=row.id,
        kind="faq",
        topic=row.topic,
        scope=Scope(row.scope),
        status=EntryStatus(row.status),
        title=row.question,
        phrasings=tuple(row.phrasings),
        keywords=tuple(row.keywords),
        answer=row.answer,
        source=row.source,
        info_date=row.info_date,
        call_code=row.call_code,
    )


def guidance_document(row: GuidanceArticle) -> Document:
    return Document(
        id=row.id,
        kind="guidance",
        topic=row.topic,
        scope=Scope(row.scope),
        status=EntryStatus.ANSWERED,
        title=row.title,
        phrasings=tuple(row.phrasings),
        keywords=tuple(row.keywords),
        answer=row.body,
        source=row.source,
        info_date=row.info_date,
    )


@dataclass(frozen=True)
class _Kind(Generic[R, M]):
    entity: EntityType
    model: type[M]
    key_of: Callable[[R], str]
    to_record: Callable[[M], R]
    to_columns: Callable[[R], dict[str, Any]]
    parse: Callable[[dict[str, Any]], R]
    label: str


_CALLS: _Kind[CallRecord, Call] = _Kind(
    EntityType.CALL,
    Call,
    lambda r: r.code,
    call_record,
    _call_columns,
    CallRecord.model_validate,
    "nabór",
)
_FAQ: _Kind[FaqRecord, FaqEntry] = _Kind(
    EntityType.FAQ,
    FaqEntry,
    lambda r: r.id,
    faq_record,
    _faq_columns,
    FaqRecord.model_validate,
    "pytanie",
)
_GUIDANCE: _Kind[GuidanceRecord, GuidanceArticle] = _Kind(
    EntityType.GUIDANCE,
    GuidanceArticle,
    lambda r: r.id,
    guidance_record,
    _guidance_columns,
    GuidanceRecord.model_validate,
    "artykuł",
)


# --- generic writes ---------------------------------------------------------------------------


def _log(
    session: Session,
    *,
    kind: _Kind[Any, Any],
    entity_id: str,
    action: ChangeAction,
    who: str,
    before: Record | None,
    after: Record | None,
    reverts_id: int | None = None,
) -> ChangeLog:
    change = ChangeLog(
        entity_type=kind.entity.value,
        entity_id=entity_id,
        action=action.value,
        who=who[:WHO_LENGTH],
        at=_now(),
        before=before.model_dump(mode="json") if before is not None else None,
        after=after.model_dump(mode="json") if after is not None else None,
        reverts_id=reverts_id,
    )
    session.add(change)
    return change


def _check_faq(session: Session, record: FaqRecord) -> None:
    if record.call is not None and session.get(Call, record.call) is None:
        raise UnknownCallError(f"pytanie {record.id}: nieznany kod naboru „{record.call}”")


def _check_document_id(session: Session, kind: _Kind[Any, Any], key: str) -> None:
    """FAQ entries and guidance articles are both documents, found by id alone."""
    if kind.model is Call:
        return
    other = _GUIDANCE if kind.model is FaqEntry else _FAQ
    if session.get(other.model, key) is not None:
        raise IdConflictError(f"identyfikator „{key}” jest już zajęty ({other.label})")


def _upsert(
    session: Session, kind: _Kind[R, M], record: R, who: str, reverts_id: int | None = None
) -> tuple[Outcome, ChangeLog | None]:
    key = kind.key_of(record)
    if isinstance(record, FaqRecord):
        _check_faq(session, record)
    row = session.get(kind.model, key)
    columns = kind.to_columns(record)
    if row is None:
        _check_document_id(session, kind, key)
        row = kind.model(**columns, updated_at=_now(), updated_by=who[:WHO_LENGTH])
        session.add(row)
        change = _log(
            session,
            kind=kind,
            entity_id=key,
            action=ChangeAction.CREATE,
            who=who,
            before=None,
            after=record,
            reverts_id=reverts_id,
        )
        outcome: Outcome = "created"
    else:
        before = kind.to_record(row)
        if before == record:
            return "unchanged", None
        for name, value in columns.items():
            setattr(row, name, value)
        row.updated_at = _now()
        row.updated_by = who[:WHO_LENGTH]
        change = _log(
            session,
            kind=kind,
            entity_id=key,
            action=ChangeAction.UPDATE,
            who=who,
            before=before,
            after=record,
            reverts_id=reverts_id,
        )
        outcome = "updated"
    bump_revision(session)
    session.flush()
    return outcome, change


def _delete(
    session: Session, kind: _Kind[Any, Any], key: str, who: str, reverts_id: int | None = None
) -> ChangeLog | None:
    row = session.get(kind.model, key)
    if row is None:
        return None
    if kind.model is Call:
        users = session.scalars(
            select(FaqEntry.id).where(FaqEntry.call_code == key).order_by(FaqEntry.id)
        ).all()
        if users:
            raise EntryInUseError(
                f"nabór {key} jest używany przez pytania: {', '.join(users)} — "
                "najpierw zmień lub usuń te pytania"
            )
    change = _log(
        session,
        kind=kind,
        entity_id=key,
        action=ChangeAction.DELETE,
        who=who,
        before=kind.to_record(row),
        after=None,
        reverts_id=reverts_id,
    )
    session.delete(row)
    bump_revision(session)
    session.flush()
    return change


# --- calls ------------------------------------------------------------------------------------


def get_call(session: Session, *, code: str) -> Call | None:
    return session.get(Call, code)


def list_calls(session: Session) -> list[Call]:
    return list(session.scalars(select(Call).order_by(Call.code)))


def call_info(row: Call) -> CallInfo:
    """Storage-free view of a call row, safe to use after the session is closed."""
    return CallInfo(**{name: getattr(row, name) for name in CallRecord.model_fields})


def call_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Call.code)))


def upsert_call(session: Session, *, record: CallRecord, who: str) -> Outcome:
    return _upsert(session, _CALLS, record, who)[0]


def delete_call(session: Session, *, code: str, who: str) -> bool:
    """Delete a call; raise EntryInUseError while FAQ entries point at it."""
    return _delete(session, _CALLS, code, who) is not None


# --- FAQ --------------------------------------------------------------------------------------


def get_faq(session: Session, *, entry_id: str) -> FaqEntry | None:
    return session.get(FaqEntry, entry_id)


def list_faq(session: Session, *, topic: str | None = None) -> list[FaqEntry]:
    query = select(FaqEntry).order_by(FaqEntry.id)
    if topic is not None:
        query = query.where(FaqEntry.topic == topic)
    return list(session.scalars(query))


def upsert_faq(session: Session, *, record: FaqRecord, who: str) -> Outcome:
    """Create or update a FAQ entry; raise UnknownCallError or IdConflictError when invalid."""
    return _upsert(session, _FAQ, record, who)[0]


def delete_faq(session: Session, *, entry_id: str, who: str) -> bool:
    return _delete(session, _FAQ, entry_id, who) is not None


# --- guidance ---------------------------------------------------------------------------------


def get_guidance(session: Session, *, article_id: str) -> GuidanceArticle | None:
    return session.get(GuidanceArticle, article_id)


def list_guidance(session: Session, *, topic: str | None = None) -> list[GuidanceArticle]:
    query = select(GuidanceArticle).order_by(GuidanceArticle.id)
    if topic is not None:
        query = query.where(GuidanceArticle.topic == topic)
    return list(session.scalars(query))


def upsert_guidance(session: Session, *, record: GuidanceRecord, who: str) -> Outcome:
    return _upsert(session, _GUIDANCE, record, who)[0]


def delete_guidance(session: Session, *, article_id: str, who: str) -> bool:
    return _delete(session, _GUIDANCE, article_id, who) is not None


# --- documents --------------------------------------------------------------------------------


def all_documents(session: Session) -> list[Document]:
    """Every FAQ entry and guidance article as storage-free documents, ordered by id."""
    faq = [faq_document(row) for row in list_faq(session)]
    guidance = [guidance_document(row) for row in list_guidance(session)]
    return sorted(faq + guidance, key=lambda document: document.id)


def get_document(session: Session, *, entry_id: str) -> Document | None:
    faq = session.get(FaqEntry, entry_id)
    if faq is not None:
        return faq_document(faq)
    article = session.get(GuidanceArticle, entry_id)
    return guidance_document(article) if article is not None else None


def is_empty(session: Session) -> bool:
    """True when there is no call, FAQ entry or guidance article at all."""
    models: tuple[type[Base], ...] = (Call, FaqEntry, GuidanceArticle)
    return not any(session.scalar(select(exists().select_from(model))) for model in models)


# --- history ----------------------------------------------------------------------------------

_KINDS: dict[str, _Kind[Any, Any]] = {
    EntityType.CALL.value: _CALLS,
    EntityType.FAQ.value: _FAQ,
    EntityType.GUIDANCE.value: _GUIDANCE,
}


def list_changes(
    session: Session,
    *,
    entity_type: EntityType | None = None,
    entity_id: str | None = None,
    limit: int = 100,
) -> list[ChangeLog]:
    """Newest first."""
    query = select(ChangeLog).order_by(ChangeLog.id.desc()).limit(limit)
    if entity_type is not None:
        query = query.where(ChangeLog.entity_type == entity_type.value)
    if entity_id is not None:
        query = query.where(ChangeLog.entity_id == entity_id)
    return list(session.scalars(query))


def revert_change(
    session: Session, *, change_id: int, who: str, force: bool = False
) -> ChangeLog | None:
    """Put the entity back as it was before `change_id`; return the new history row.

    Refuses (RevertConflictError) when the entity changed after that change, unless `force`.
    Returns None when the entity already is as it was before.
    """
    change = session.get(ChangeLog, change_id)
    if change is None:
        raise ChangeNotFoundError(f"nie ma zmiany nr {change_id}")
    kind = _KINDS[change.entity_type]
    row = session.get(kind.model, change.entity_id)
    current = kind.to_record(row).model_dump(mode="json") if row is not None else None
    if current == change.before:
        return None
    if current != change.after and not force:
        raise RevertConflictError(
            f"{kind.label} {change.entity_id} zmienił się po zmianie nr {change_id} — "
            "najpierw cofnij nowsze zmiany"
        )
    if change.before is None:
        return _delete(session, kind, change.entity_id, who, reverts_id=change.id)
    record = kind.parse(change.before)
    return _upsert(session, kind, record, who, reverts_id=change.id)[1]


# --- feedback and unanswered questions --------------------------------------------------------


def add_feedback(
    session: Session, *, sender_hash: str, entry_id: str | None, useful: bool
) -> Feedback:
    feedback = Feedback(
        sender_hash=sender_hash, entry_id=entry_id, useful=useful, created_at=_now()
    )
    session.add(feedback)
    session.flush()
    return feedback


def add_unanswered(
    session: Session,
    *,
    text: str,
    normalised_text: str,
    sender_hash: str,
    reason: UnansweredReason,
    entry_id: str | None = None,
) -> UnansweredQuestion:
    question = UnansweredQuestion(
        text=text,
        normalised_text=normalised_text,
        sender_hash=sender_hash,
        reason=reason.value,
        entry_id=entry_id,
        created_at=_now(),
    )
    session.add(question)
    session.flush()
    return question


def count_rows(session: Session, model: type[Base]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)
