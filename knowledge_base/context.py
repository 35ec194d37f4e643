"""Follow-up questions: "a ile mam na to czasu?" is read in the context of the previous answer.

A follow-up (it starts like one, "a…", "i…", or is short and points back, "na to", "tam")
is searched twice: as typed, and with the subject of the previous answer added, leaving
that answer out (it was given already). The subject is what the previous entry shares with
its siblings (the entries of its call, else of its topic): "protest", "konkurs 1/G/2018",
"NOWEFIO", not what was asked then ("ile dni"). A direct answer found in context wins. A
follow-up that names another town than the previous answer ("a w Toruniu?") does not carry
that subject (it names the other LGD); unless its own words are answered, it is searched
with what was asked then ("wkład własny" after Inowrocław's own contribution). The Answerer
and bench/retrieval.py both go through :func:`resolve`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Protocol

from knowledge_base.documents import Band, Document, Scope, SearchResult
from knowledge_base.places import HOME, places
from knowledge_base.text import QUESTION_WORDS, key_of, tokens, words
from knowledge_base.years import asks_now, is_year, years

FOLLOW_UP_START = re.compile(
    r"^\s*(a|i|oraz|to|no\s+i|a\s+co|ale|jeszcze|a\s+jeszcze)\b", re.IGNORECASE
)
ANAPHORA = re.compile(
    r"\b(na\s+to|do\s+tego|tego|tym|to|tam|ten|ta|tej|go|jej|ich|wtedy|taki|takiego"
    r"|niego|niej|nim|nich|jego|tamt\w+)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 5
MAX_SIBLINGS = 200

BAND_STRENGTH = {Band.ANSWER: 2, Band.SUGGEST: 1, Band.DONT_KNOW: 0}


class Search(Protocol):
    """What follow-up resolution needs: a ranked, banded search (Retriever, KnowledgeService)."""

    def __call__(
        self, query: str, *, topic_hint: str | None = None, exclude: Collection[str] = ()
    ) -> SearchResult: ...


def is_follow_up(text: str) -> bool:
    """Short or anaphoric questions lean on what was said before."""
    words = re.findall(r"\w+", text)
    if not words:
        return False
    return bool(FOLLOW_UP_START.match(text)) or (
        len(words) <= SHORT_QUESTION_WORDS and bool(ANAPHORA.search(text))
    )


def siblings_of(previous: Document, documents: Iterable[Document]) -> list[Document]:
    """Entries about the same thing as `previous`: of its call, or else of its topic (at
    most MAX_SIBLINGS, which is plenty to tell the shared words of a subject)."""
    others = [d for d in documents if d.id != previous.id]
    if previous.call_code:
        same_call = [d for d in others if d.call_code == previous.call_code]
        if same_call:
            return same_call[:MAX_SIBLINGS]
    return [d for d in others if d.topic == previous.topic][:MAX_SIBLINGS]


def subject_of(previous: Document, siblings: Iterable[Document] = ()) -> str:
    """The subject of a previous answer: the words of its title that its siblings share.

    "Ile dni mam na wniesienie protestu po ocenie wniosku?" asked "how many days" about a
    protest. The other protest entries share "protest" (the subject), not "ile" or "dni"
    (what was asked then), so "a do kogo go wysłać?" becomes a question about a protest
    and who receives it. Without siblings, the title without its question words.
    """
    shared: set[str] = set()
    for sibling in siblings:
        for text in (sibling.title, *sibling.phrasings, *sibling.keywords):
            shared.update(tokens(text))
    content = [w for w in words(previous.title) if key_of(w) and key_of(w) not in QUESTION_WORDS]
    kept = [w for w in content if key_of(w) in shared]
    return " ".join(kept or content)


def contextual_query(text: str, previous: Document, siblings: Iterable[Document] = ()) -> str:
    """The follow-up question with the subject of the previous answer added. A follow-up
    asking about the present ("a teraz ile można dostać?" after the 2018 competition) keeps
    the subject but not its years: the year would ask about 2018 again."""
    subject = subject_of(previous, siblings)
    if asks_now(text):
        subject = " ".join(word for word in subject.split() if not years(word))
    return f"{text} {subject}"


def asked_of(previous: Document, siblings: Iterable[Document] = ()) -> str:
    """What the previous question asked, without its subject: the words of its title that
    its siblings' titles do not share, less towns and years.

    "Czy w naborze pilotażowym LGD Inowrocław 2023 trzeba było mieć wkład własny?" shares
    "nabór pilotażowy LGD Inowrocław 2023" with the other Inowrocław entries and asked about
    the own contribution: "a u nas?" asks the same about the Toruń call.
    """
    shared = {key for sibling in siblings for key in tokens(sibling.title)}
    return " ".join(
        word
        for word in words(previous.title)
        if (key := key_of(word)) and key not in shared and not places(word) and not is_year(word)
    )


def changes_place(text: str, previous: Document) -> bool:
    """The follow-up names a town the previous answer is not about ("a w Toruniu?" after an
    Inowrocław example): it asks the same kind of question about another LGD, so the
    previous subject must not be carried over. (A year is no such sign: "a ile można było
    dostać w 2023?" after a programme asks about that programme in 2023.) An entry of the
    Toruń call is about Toruń even when its wording does not say so."""
    about = places(previous.asked_text)
    if previous.scope is Scope.TORUN:
        about |= {HOME}
    return bool(places(text) - about)


def strength(result: SearchResult) -> tuple[int, float]:
    """Prefer the better band, then the higher score (ties keep the first: the enriched one)."""
    return BAND_STRENGTH[result.band], result.best.score if result.best else 0.0


def resolve(
    search: Search,
    text: str,
    *,
    topic_hint: str | None,
    previous: Document | None,
    documents: Iterable[Document] = (),
) -> SearchResult:
    """Search `text`; a follow-up of the `previous` answer is also searched in its context.

    "a ile mam na to czasu?" after a protest answer: the subject comes from that answer,
    and the answer itself was already given, so it is not a candidate again (also a known
    unknown: "a wkład własny?" after "the project's value is not known yet" asks about the
    own contribution, and the previous entry's subject words would pull it back). A
    direct answer found in that context is taken ("a jaki ma numer?" after the coordinator
    is his phone, not a call number); otherwise the better of the two results.
    """
    plain = search(text, topic_hint=topic_hint)
    if previous is None or not is_follow_up(text):
        return plain
    if changes_place(text, previous) and plain.band is Band.ANSWER:
        return plain
    siblings = siblings_of(previous, documents)
    if changes_place(text, previous):
        return _asked_elsewhere(search, text, topic_hint, previous, siblings) or plain
    enriched = search(
        contextual_query(text, previous, siblings),
        topic_hint=topic_hint or previous.topic,
        exclude={previous.id},
    )
    if enriched.band is Band.ANSWER or _stays_elsewhere(previous, plain, enriched):
        return enriched
    return max((enriched, plain), key=strength)


def _asked_elsewhere(
    search: Search,
    text: str,
    topic_hint: str | None,
    previous: Document,
    siblings: list[Document],
) -> SearchResult | None:
    """A follow-up naming another town whose own words are not answered ("a u nas w
    Toruniu?" after Inowrocław's own contribution) asks the previous question about that
    town: searched with what was asked (not the previous subject, which names the other
    LGD), a direct answer is taken."""
    asked = asked_of(previous, siblings)
    if not asked:
        return None
    shifted = search(
        f"{text} {asked}", topic_hint=topic_hint or previous.topic, exclude={previous.id}
    )
    return shifted if shifted.band is Band.ANSWER else None


def _stays_elsewhere(previous: Document, plain: SearchResult, enriched: SearchResult) -> bool:
    """After another LGD's example, a follow-up that names no town ("a jak? elektronicznie?"
    after Inowrocław's dates) is still about that LGD: an entry of the Toruń call found by
    its words alone does not answer it while the context offers that LGD's entries."""
    return (
        previous.scope is Scope.ANALOGIA
        and plain.best is not None
        and plain.best.document.scope is Scope.TORUN
        and enriched.band is not Band.DONT_KNOW
    )
