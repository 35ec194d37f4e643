"""Plain knowledge-base documents for retrieval tests."""

from __future__ import annotations

from datetime import date

from knowledge_base.documents import Document, EntryStatus, Scope


def doc(
    id_: str,
    title: str,
    phrasings: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
    *,
    topic: str = "nabor",
    scope: Scope = Scope.TORUN,
    status: EntryStatus = EntryStatus.ANSWERED,
    answer: str = "Odpowiedź.",
    call_code: str | None = None,
) -> Document:
    return Document(
        id=id_,
        kind="faq",
        topic=topic,
        scope=scope,
        status=status,
        title=title,
        phrasings=phrasings,
        keywords=keywords,
        answer=answer,
        source="test",
        info_date=date(2023, 5, 9),
        call_code=call_code,
    )
