"""Splitting long answers into Telegram-sized messages on natural boundaries."""

from __future__ import annotations

import re

from telegram.constants import MessageLimit

TELEGRAM_TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)

_SENTENCE_END = re.compile(r"[.!?…;:][\"'”»)\]]*\s+")
_WHITESPACE = re.compile(r"\s+")


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Cut `text` into chunks of at most `limit` units, preferring paragraph, line, sentence
    and word boundaries, in that order; a word longer than `limit` (a URL) is cut hard."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    rest = text.strip()
    chunks: list[str] = []
    while telegram_length(rest) > limit:
        cut = _cut_position(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            chunks.append(head)
    if rest:
        chunks.append(rest)
    return chunks


def _cut_position(text: str, limit: int) -> int:
    """Index to cut `text` at so that `text[:index]` fits and ends at the best boundary."""
    hard = _fitting_prefix(text, limit)
    window = text[:hard]
    # A boundary in the first half would leave a stub message, so it has to be further in.
    floor = hard // 2
    paragraph = window.rfind("\n\n")
    if paragraph > floor:
        return paragraph
    line = window.rfind("\n")
    if line > floor:
        return line
    sentence = _last_match_end(_SENTENCE_END, window)
    if sentence > floor:
        return sentence
    word = _last_match_start(_WHITESPACE, window)
    if word > 0:
        return word
    return hard


def _fitting_prefix(text: str, limit: int) -> int:
    """The longest prefix length whose Telegram length is at most `limit`."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return max(index, 1)
    return len(text)


def _last_match_end(pattern: re.Pattern[str], text: str) -> int:
    last = -1
    for match in pattern.finditer(text):
        last = match.end()
    return last


def _last_match_start(pattern: re.Pattern[str], text: str) -> int:
    last = -1
    for match in pattern.finditer(text):
        last = match.start()
    return last
