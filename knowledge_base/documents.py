"""Plain, storage-free views of knowledge-base entries, shared by retrieval and actions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

DocumentKind = Literal["faq", "guidance"]


class Scope(StrEnum):
    """Where a fact comes from; `analogia` is never a rule of the Toruń call."""

    TORUN = "torun"
    ANALOGIA = "analogia"
    OGOLNE = "ogolne"


class EntryStatus(StrEnum):
    """`unknown` marks a known unknown: the base knows that it does not know."""

    ANSWERED = "answered"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Document:
    """One retrievable entry (FAQ entry or guidance article)."""

    id: str
    kind: DocumentKind
    topic: str
    scope: Scope
    status: EntryStatus
    title: str
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    source: str
    info_date: date
    call_code: str | None = None

    @property
    def is_unknown(self) -> bool:
        return self.status is EntryStatus.UNKNOWN

    @property
    def asked_text(self) -> str:
        """What the entry is asked as: its title, phrasings and keywords (not its answer,
        which may mention other calls, years or towns for comparison)."""
        return " ".join((self.title, *self.phrasings, *self.keywords))


class Band(StrEnum):
    """Confidence band of a retrieval result."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    DONT_KNOW = "dont_know"


@dataclass(frozen=True)
class Thresholds:
    """Band cut-offs on the 0–100 score of the best entry and its lead over the second-best.

    ANSWER: best >= `answer`, or best >= `confident` with a lead of >= `margin` points over
    the second-best entry; never when the two are near-equal (lead < `tie`). SUGGEST ("czy
    chodziło o…"): best >= `suggest` otherwise. DONT_KNOW: best < `suggest`.
    """

    answer: float = 95.0
    suggest: float = 50.5
    confident: float = 51.0
    margin: float = 10.0
    tie: float = 1.5


@dataclass(frozen=True)
class Candidate:
    """One ranked entry: `score` (0–100) is how well its phrasings and keywords cover the
    question, the band's input; `model` is the phrasing model's probability that the
    question is about this entry rather than the other candidates. Candidates are ordered by
    both together (see knowledge_base.retrieval)."""

    document: Document
    score: float
    model: float = 0.0


def runner_up_unknown(candidates: Sequence[Candidate]) -> bool:
    """The second candidate is a known unknown (see retrieval.decide_band)."""
    return len(candidates) > 1 and candidates[1].document.is_unknown


@dataclass(frozen=True)
class SearchResult:
    """Ranked candidates (best first) and the band of the best one.

    `lead` is how many points the best entry leads the second-best by, and `generic` marks a
    query of common words only: the inputs of the band besides the best score.
    """

    query: str
    band: Band
    candidates: tuple[Candidate, ...]
    lead: float = 0.0
    generic: bool = False

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None
