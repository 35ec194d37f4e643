"""Group the same question asked in different words, so staff see each need once, with a count."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz

SIMILARITY = 80.0
SAMPLES = 5


@dataclass(frozen=True)
class Question:
    id: int
    text: str
    normalised: str
    reason: str
    sender_hash: str
    created_at: datetime


@dataclass
class QuestionGroup:
    """Similar questions; the first (newest) one represents the group."""

    questions: list[Question] = field(default_factory=list)

    @property
    def representative(self) -> Question:
        return self.questions[0]

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def senders(self) -> int:
        return len({q.sender_hash for q in self.questions})

    @property
    def latest(self) -> datetime:
        return self.questions[0].created_at

    @property
    def reasons(self) -> list[tuple[str, int]]:
        return Counter(q.reason for q in self.questions).most_common()

    @property
    def ids(self) -> list[int]:
        return [q.id for q in self.questions]

    def samples(self, limit: int = SAMPLES) -> list[str]:
        """Distinct wordings, newest first."""
        seen: dict[str, str] = {}
        for question in self.questions:
            seen.setdefault(question.normalised, question.text)
        return list(seen.values())[:limit]


def group_questions(
    questions: Sequence[Question], *, similarity: float = SIMILARITY
) -> list[QuestionGroup]:
    """Greedy clustering, newest first: each question joins the first group whose
    representative is at least `similarity` alike (rapidfuzz token_set_ratio on normalised
    text), else starts a group. Groups come back newest first.
    """
    groups: list[QuestionGroup] = []
    for question in sorted(questions, key=lambda q: (q.created_at, q.id), reverse=True):
        for group in groups:
            score = fuzz.token_set_ratio(question.normalised, group.representative.normalised)
            if score >= similarity:
                group.questions.append(question)
                break
        else:
            groups.append(QuestionGroup([question]))
    return groups
