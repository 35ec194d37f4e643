"""Read models of the panel and the few writes the repository does not have.

Data access with the session passed in explicitly; functions flush but never commit.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.admin.clustering import Question, QuestionGroup, group_questions
from bot.admin.models import PendingImport, QuestionLog, UnansweredHandled
from bot.handoff.models import HandoffRequest
from bot.handoff.models import Status as HandoffStatus
from knowledge_base import repository
from knowledge_base.calls import CallStatus, call_status
from knowledge_base.models import Call, FaqEntry, Feedback, GuidanceArticle, UnansweredQuestion
from knowledge_base.responder import Outcome
from knowledge_base.service import normalise_question

UNANSWERED_LIMIT = 1000
PENDING_IMPORT_TTL = timedelta(hours=2)
DASHBOARD_DAYS = 30


# --- question log (called by the assistant) ---------------------------------------------------


def log_question(
    session: Session,
    *,
    sender_hash: str,
    outcome: Outcome | str,
    entry_id: str | None,
    topic: str | None,
    at: datetime,
) -> QuestionLog:
    """Count one question the assistant handled, for the dashboard (no text, no sender id).

    Raises ValueError for an outcome the responder does not know.
    """
    row = QuestionLog(
        created_at=at,
        sender_hash=sender_hash,
        outcome=Outcome(outcome).value,
        entry_id=entry_id,
        topic=topic,
    )
    session.add(row)
    session.flush()
    return row


# --- FAQ and guidance list --------------------------------------------------------------------


@dataclass(frozen=True)
class EntryRow:
    """One line of the entries list."""

    id: str
    kind: str
    topic: str
    scope: str
    status: str
    title: str
    info_date: date
    updated_at: datetime
    updated_by: str


def _haystack(*parts: object) -> str:
    text = " ".join(" ".join(p) if isinstance(p, list | tuple) else str(p or "") for p in parts)
    return f" {normalise_question(text)} "


def _matches(words: list[str], haystack: str) -> bool:
    return all(word in haystack for word in words)


def list_entries(
    session: Session,
    *,
    text: str = "",
    kind: str = "",
    topic: str = "",
    scope: str = "",
    status: str = "",
) -> list[EntryRow]:
    """FAQ entries and guidance articles whose text contains every word of `text`, ignoring
    case, diacritics and punctuation; other filters match exactly when given.
    """
    words = normalise_question(text).split()
    rows: list[EntryRow] = []
    if kind in ("", "faq"):
        for faq in repository.list_faq(session, topic=topic or None):
            hay = _haystack(faq.id, faq.question, faq.phrasings, faq.keywords, faq.answer)
            if _matches(words, hay) and scope in ("", faq.scope) and status in ("", faq.status):
                rows.append(_faq_row(faq))
    if kind in ("", "guidance") and status in ("", "answered"):
        for article in repository.list_guidance(session, topic=topic or None):
            hay = _haystack(
                article.id, article.title, article.phrasings, article.keywords, article.body
            )
            if _matches(words, hay) and scope in ("", article.scope):
                rows.append(_guidance_row(article))
    return sorted(rows, key=lambda row: (row.topic, row.id))


def _faq_row(faq: FaqEntry) -> EntryRow:
    return EntryRow(
        faq.id,
        "faq",
        faq.topic,
        faq.scope,
        faq.status,
        faq.question,
        faq.info_date,
        faq.updated_at,
        faq.updated_by,
    )


def _guidance_row(article: GuidanceArticle) -> EntryRow:
    return EntryRow(
        article.id,
        "guidance",
        article.topic,
        article.scope,
        "answered",
        article.title,
        article.info_date,
        article.updated_at,
        article.updated_by,
    )


def document_ids(session: Session) -> set[str]:
    """Every id taken by a FAQ entry or a guidance article (one id space)."""
    return set(session.scalars(select(FaqEntry.id))) | set(
        session.scalars(select(GuidanceArticle.id))
    )


# --- calls ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    call: Call
    status: CallStatus


def calls_by_deadline(session: Session, *, now: datetime) -> list[CallRow]:
    """Upcoming deadlines first (soonest first), then calls with no known deadline, then past
    ones (most recent first).
    """
    rows = [CallRow(call, call_status(call, now)) for call in repository.list_calls(session)]

    def key(row: CallRow) -> tuple[int, float, str]:
        closes = row.call.closes_at
        if closes is not None and closes >= now:
            return (0, closes.timestamp(), row.call.code)
        if closes is None:
            return (1, 0.0, row.call.code)
        return (2, -closes.timestamp(), row.call.code)

    return sorted(rows, key=key)


# --- unanswered questions ---------------------------------------------------------------------


def unanswered_groups(session: Session, *, limit: int = UNANSWERED_LIMIT) -> list[QuestionGroup]:
    """Open (not yet handled) unanswered questions, newest first, grouped by similarity."""
    handled = select(UnansweredHandled.unanswered_id)
    rows = session.scalars(
        select(UnansweredQuestion)
        .where(UnansweredQuestion.id.not_in(handled))
        .order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc())
        .limit(limit)
    )
    questions = [
        Question(row.id, row.text, row.normalised_text, row.reason, row.sender_hash, row.created_at)
        for row in rows
    ]
    return group_questions(questions)


def unanswered_texts(session: Session, ids: Iterable[int]) -> list[str]:
    """Texts of these questions, newest first, one per distinct wording."""
    rows = session.scalars(
        select(UnansweredQuestion)
        .where(UnansweredQuestion.id.in_(list(ids)))
        .order_by(UnansweredQuestion.created_at.desc(), UnansweredQuestion.id.desc())
    )
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row.normalised_text, row.text)
    return list(seen.values())


def mark_handled(
    session: Session, *, ids: Iterable[int], who: str, now: datetime, entry_id: str | None = None
) -> int:
    """Take questions off the to-do list; returns how many were still open."""
    existing = set(
        session.scalars(select(UnansweredQuestion.id).where(UnansweredQuestion.id.in_(list(ids))))
    )
    done = set(
        session.scalars(
            select(UnansweredHandled.unanswered_id).where(
                UnansweredHandled.unanswered_id.in_(existing)
            )
        )
    )
    fresh = sorted(existing - done)
    for question_id in fresh:
        session.add(
            UnansweredHandled(
                unanswered_id=question_id, handled_at=now, handled_by=who, entry_id=entry_id
            )
        )
    session.flush()
    return len(fresh)


# --- pending imports --------------------------------------------------------------------------


def save_pending_import(
    session: Session, *, staff_user_id: int, filename: str, content: bytes, now: datetime
) -> str:
    session.execute(
        delete(PendingImport).where(PendingImport.created_at < now - PENDING_IMPORT_TTL)
    )
    token = secrets.token_urlsafe(24)
    session.add(
        PendingImport(
            token=token,
            staff_user_id=staff_user_id,
            filename=filename,
            content=content,
            created_at=now,
        )
    )
    session.flush()
    return token


def get_pending_import(
    session: Session, *, token: str, staff_user_id: int, now: datetime
) -> PendingImport | None:
    row = session.get(PendingImport, token)
    if row is None or row.staff_user_id != staff_user_id:
        return None
    if row.created_at < now - PENDING_IMPORT_TTL:
        return None
    return row


def drop_pending_import(session: Session, *, token: str) -> None:
    session.execute(delete(PendingImport).where(PendingImport.token == token))
    session.flush()


# --- dashboard --------------------------------------------------------------------------------


@dataclass
class Dashboard:
    """Figures of the last `days` days, in the panel's time zone."""

    days: list[date]
    per_day: dict[date, Counter[str]]
    outcomes: Counter[str]
    topics: list[tuple[str, int]]
    useful: int
    not_useful: int
    handoffs: int
    unanswered_open: int
    least_useful: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


def dashboard(
    session: Session,
    *,
    now: datetime,
    tz: ZoneInfo,
    handoff_times: list[datetime],
    days: int = DASHBOARD_DAYS,
) -> Dashboard:
    """Questions per day and by outcome, top topics and feedback since `days` days ago."""
    today = now.astimezone(tz).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    day_list = [first + timedelta(days=n) for n in range(days)]
    per_day: dict[date, Counter[str]] = {day: Counter() for day in day_list}
    outcomes: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for created_at, outcome, topic in session.execute(
        select(QuestionLog.created_at, QuestionLog.outcome, QuestionLog.topic).where(
            QuestionLog.created_at >= since
        )
    ):
        day = created_at.astimezone(tz).date()
        if day in per_day:
            per_day[day][outcome] += 1
        outcomes[outcome] += 1
        if topic and outcome in ("answered", "unknown"):
            topics[topic] += 1
    handoffs = 0
    for moment in handoff_times:
        if moment >= since:
            day = moment.astimezone(tz).date()
            if day in per_day:
                per_day[day]["handoff"] += 1
            handoffs += 1
    feedback = Counter(session.scalars(select(Feedback.useful).where(Feedback.created_at >= since)))
    least = Counter(
        session.scalars(
            select(Feedback.entry_id).where(
                Feedback.created_at >= since,
                Feedback.useful.is_(False),
                Feedback.entry_id.is_not(None),
            )
        )
    )
    handled = select(UnansweredHandled.unanswered_id)
    open_count = int(
        session.scalar(
            select(func.count())
            .select_from(UnansweredQuestion)
            .where(UnansweredQuestion.id.not_in(handled))
        )
        or 0
    )
    return Dashboard(
        days=day_list,
        per_day=per_day,
        outcomes=outcomes,
        topics=topics.most_common(8),
        useful=feedback[True],
        not_useful=feedback[False],
        handoffs=handoffs,
        unanswered_open=open_count,
        least_useful=[(k, v) for k, v in least.most_common(5) if k],
    )


# --- hand-off (read only; every change goes through the hand-off service) ---------------------


def handoff_times(session: Session, *, since: datetime) -> list[datetime]:
    """When each hand-off request of the period was opened."""
    return list(
        session.scalars(select(HandoffRequest.created_at).where(HandoffRequest.created_at >= since))
    )


def handoff_requests(
    session: Session, *, statuses: Iterable[str], limit: int = 200
) -> list[HandoffRequest]:
    """Requests in these statuses, oldest waiting first for open ones, newest first for closed."""
    wanted = list(statuses)
    order = (
        HandoffRequest.created_at.desc()
        if wanted == [HandoffStatus.CLOSED.value]
        else HandoffRequest.created_at.asc()
    )
    return list(
        session.scalars(
            select(HandoffRequest)
            .where(HandoffRequest.status.in_(wanted))
            .order_by(order)
            .limit(limit)
        )
    )


def handoff_counts(session: Session) -> Counter[str]:
    return Counter(
        {
            status: int(count)
            for status, count in session.execute(
                select(HandoffRequest.status, func.count()).group_by(HandoffRequest.status)
            )
        }
    )


def handoff_request(session: Session, number: int) -> HandoffRequest | None:
    return session.get(HandoffRequest, number)
