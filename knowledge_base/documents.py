"""Plain, storage-free views of knowledge-base entries, shared by retrieval and actions."""

from __future__ import annotations

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


class Band(StrEnum):
    """Confidence band of a retrieval result."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    DONT_KNOW = "dont_know"


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs (0–100): >= answer answers, >= suggest asks "czy chodziło o…"."""

    answer: float = 78.0
    suggest: float = 49.5


@dataclass(frozen=True)
class Candidate:
    document: Document
    score: float


@dataclass(frozen=True)
class SearchResult:
    """Ranked candidates (best first) and the band of the best one."""

    query: str
    band: Band
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None
