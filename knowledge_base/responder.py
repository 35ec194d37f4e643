"""Turn a retrieval result into what the assistant says: answer, suggestions or honest "nie wiem".

Pure functions over plain data, so the Rasa actions stay thin and the wording is tested
without Rasa. Every answer carries its source and the date of the information.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from knowledge_base.calls import polish_date
from knowledge_base.documents import Band, Document, Scope, SearchResult

HANDOFF_BUTTONS = (("Tak, przekaż koordynatorowi", "/affirm"), ("Nie, dziękuję", "/deny"))
FEEDBACK_BUTTONS = (
    ("👍 Przydatne", '/feedback{"verdict":"useful"}'),
    ("👎 Nieprzydatne", '/feedback{"verdict":"not_useful"}'),
)
NONE_OF_THESE = "none"

DONT_KNOW_TEXT = (
    "Nie znalazłem odpowiedzi na to pytanie w bazie wiedzy, a nie chcę zgadywać. "
    "Mogę przekazać pytanie koordynatorowi projektu — odpowie w tej rozmowie."
)
DONT_KNOW_AGAIN_TEXT = (
    "Wciąż nie mam na to odpowiedzi w bazie wiedzy. Najlepiej będzie, jeśli pytaniem "
    "zajmie się koordynator projektu. Przekazać mu je?"
)
NOT_UNDERSTOOD_TEXT = (
    "Nie rozumiem tej wiadomości. Zapytaj proszę inaczej, np. „do kiedy można składać "
    "wnioski?” albo „kto może złożyć wniosek?”."
)
SUGGEST_TEXT = "Nie mam pewności, o co pytasz. Czy chodziło o:"
UNKNOWN_OFFER = "Jeśli chcesz, przekażę to pytanie koordynatorowi projektu."
CASE_OFFER = (
    "Jeśli pytasz o indywidualną sprawę Twojej organizacji, mogę przekazać ją koordynatorowi "
    "projektu — odpowie w tej rozmowie."
)


class Outcome(StrEnum):
    """What kind of reply was given; stored in a slot for follow-ups, eval and the dashboard."""

    ANSWERED = "answered"
    UNKNOWN = "unknown"  # a known unknown: the base knows it does not know
    SUGGESTED = "suggested"
    DONT_KNOW = "dont_know"
    NOT_UNDERSTOOD = "not_understood"  # no recognisable words: a misunderstanding, not a question

    @property
    def is_miss(self) -> bool:
        """Counts towards "two misunderstandings in a row"."""
        return self in {Outcome.DONT_KNOW, Outcome.NOT_UNDERSTOOD}


@dataclass(frozen=True)
class Reply:
    """A channel-neutral reply plus the facts the action stores in slots."""

    text: str
    outcome: Outcome
    buttons: tuple[tuple[str, str], ...] = ()
    entry_id: str | None = None
    topic: str | None = None
    offers_handoff: bool = False
    candidates: tuple[str, ...] = field(default_factory=tuple)


def source_line(document: Document) -> str:
    label = "Źródło (przykład z innej LGD)" if document.scope is Scope.ANALOGIA else "Źródło"
    return f"{label}: {document.source} (stan informacji: {polish_date(document.info_date)})."


def answer_document(document: Document, *, extra: str | None = None) -> Reply:
    """The answer of one entry, with its source; a known unknown also offers the coordinator."""
    parts = [document.answer.strip()]
    if extra:
        parts.append(extra.strip())
    parts.append(source_line(document))
    if document.is_unknown:
        parts.append(UNKNOWN_OFFER)
        return Reply(
            text="\n\n".join(parts),
            outcome=Outcome.UNKNOWN,
            buttons=HANDOFF_BUTTONS,
            entry_id=document.id,
            topic=document.topic,
            offers_handoff=True,
        )
    return Reply(
        text="\n\n".join(parts),
        outcome=Outcome.ANSWERED,
        buttons=FEEDBACK_BUTTONS,
        entry_id=document.id,
        topic=document.topic,
    )


def answer_with_offer(document: Document, *, extra: str | None = None) -> Reply:
    """The answer of an entry for what sounded like an individual case: the general answer
    with its source, and the coordinator offered for the case itself."""
    plain = answer_document(document, extra=extra)
    if plain.offers_handoff:
        return plain
    return Reply(
        text=f"{plain.text}\n\n{CASE_OFFER}",
        outcome=plain.outcome,
        buttons=HANDOFF_BUTTONS,
        entry_id=plain.entry_id,
        topic=plain.topic,
        offers_handoff=True,
    )


def choose_payload(entry_id: str) -> str:
    return "/choose_entry" + json.dumps({"entry_id": entry_id}, separators=(",", ":"))


def suggest(result: SearchResult, limit: int = 3) -> Reply:
    """`Czy chodziło o…?` with a button per close candidate and a way out."""
    docs = [c.document for c in result.candidates[:limit]]
    buttons = tuple((d.title, choose_payload(d.id)) for d in docs)
    buttons += (("Żadne z nich", choose_payload(NONE_OF_THESE)),)
    return Reply(
        text=SUGGEST_TEXT,
        outcome=Outcome.SUGGESTED,
        buttons=buttons,
        topic=docs[0].topic if docs else None,
        candidates=tuple(d.id for d in docs),
    )


def dont_know(*, misunderstandings_before: int) -> Reply:
    """Honest "nie wiem" with the coordinator offered; firmer the second time in a row."""
    text = DONT_KNOW_AGAIN_TEXT if misunderstandings_before >= 1 else DONT_KNOW_TEXT
    return Reply(text=text, outcome=Outcome.DONT_KNOW, buttons=HANDOFF_BUTTONS, offers_handoff=True)


def not_understood(*, misunderstandings_before: int) -> Reply:
    """Nonsense input: ask again the first time; the second time in a row offer the coordinator."""
    if misunderstandings_before >= 1:
        return dont_know(misunderstandings_before=misunderstandings_before)
    return Reply(text=NOT_UNDERSTOOD_TEXT, outcome=Outcome.NOT_UNDERSTOOD)


def respond(
    result: SearchResult, *, misunderstandings_before: int, extra: str | None = None
) -> Reply:
    """Map a ranked result to a reply by its band."""
    best = result.best
    if best is None or result.band is Band.DONT_KNOW:
        return dont_know(misunderstandings_before=misunderstandings_before)
    if result.band is Band.SUGGEST:
        return suggest(result)
    return answer_document(best.document, extra=extra)
