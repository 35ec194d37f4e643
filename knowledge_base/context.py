"""Follow-up questions: "a ile mam na to czasu?" is read in the context of the previous answer."""

from __future__ import annotations

import re

FOLLOW_UP_START = re.compile(r"^\s*(a|i|oraz|to|no\s+i|a\s+co|ale)\b", re.IGNORECASE)
ANAPHORA = re.compile(
    r"\b(na\s+to|do\s+tego|tego|tym|to|tam|ten|ta|tej|go|jej|ich|wtedy|taki|takiego)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 5


def is_follow_up(text: str) -> bool:
    """Short or anaphoric questions lean on what was said before."""
    words = re.findall(r"\w+", text)
    if not words:
        return False
    return bool(FOLLOW_UP_START.match(text)) or (
        len(words) <= SHORT_QUESTION_WORDS and bool(ANAPHORA.search(text))
    )


def contextual_query(text: str, previous_title: str | None) -> str:
    """The question enriched with the subject of the previous answer, when it is a follow-up."""
    if previous_title and is_follow_up(text):
        return f"{text} {previous_title}"
    return text
