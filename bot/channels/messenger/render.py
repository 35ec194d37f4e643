"""Turns channel-neutral bot replies into Send API `message` objects within Messenger's limits.

Limits (Messenger Platform docs): text ≤ 2000 characters, ≤ 13 quick replies, quick reply title
≤ 20 characters, quick reply payload ≤ 1000 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.assistant import BotReply, Button

MAX_TEXT_CHARS = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE_CHARS = 20
MAX_PAYLOAD_CHARS = 1000

CHOOSE_OPTION_TEXT = "Wybierz jedną z opcji:"
MORE_OPTIONS_HEADER = "Inne możliwości (napisz, którą wybierasz):"

# Preferred places to cut a long text, best first: paragraph, line, sentence, word.
_BOUNDARIES = ("\n\n", "\n", ". ", "! ", "? ", "… ", "; ", ", ", " ")


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Cut `text` into chunks of at most `limit` characters, on the cleanest boundary available."""
    rest = text.strip()
    chunks: list[str] = []
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _cut_point(text: str, limit: int) -> int:
    """Index to cut at (≤ limit): a boundary in the window's second half, else any, else hard."""
    window = text[:limit]
    fallback = 0
    for boundary in _BOUNDARIES:
        # Cut after the boundary's punctuation; the whitespace is stripped from both sides.
        position = window.rfind(boundary)
        if position <= 0:
            continue
        cut = position + len(boundary.rstrip()) if boundary.strip() else position
        if cut >= limit // 2:
            return cut
        fallback = max(fallback, cut)
    return fallback or limit


def truncate_title(title: str, limit: int = MAX_TITLE_CHARS) -> str:
    """Shorten a button title to `limit` characters, marking the cut with "…"."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    return title[: limit - 1].rstrip() + "…"


def quick_reply(button: Button) -> dict[str, Any] | None:
    """A text quick reply for `button`; None when Messenger cannot carry it (huge payload)."""
    title = button.title.strip() or button.payload.strip()
    payload = button.payload or button.title
    if not title or not payload or len(payload) > MAX_PAYLOAD_CHARS:
        return None
    return {"content_type": "text", "title": truncate_title(title), "payload": payload}


def render_reply(reply: BotReply) -> list[dict[str, Any]]:
    """Send API `message` objects for one reply; quick replies ride on its last text chunk."""
    quick_replies: list[dict[str, Any]] = []
    listed: list[str] = []
    for button in reply.buttons:
        rendered = quick_reply(button) if len(quick_replies) < MAX_QUICK_REPLIES else None
        if rendered is not None:
            quick_replies.append(rendered)
        elif button.title.strip() or button.payload.strip():
            listed.append(button.title.strip() or button.payload.strip())
    text = reply.text
    if listed:
        text = "\n\n".join(
            part for part in (text.strip(), MORE_OPTIONS_HEADER + "\n" + _bullets(listed)) if part
        )
    chunks = split_text(text)
    if not chunks and quick_replies:
        chunks = [CHOOSE_OPTION_TEXT]
    messages: list[dict[str, Any]] = [{"text": chunk} for chunk in chunks]
    if quick_replies:
        messages[-1]["quick_replies"] = quick_replies
    return messages


def render_replies(replies: Sequence[BotReply]) -> list[dict[str, Any]]:
    """All `message` objects for `replies`, in order; replies with nothing to show are skipped."""
    return [message for reply in replies for message in render_reply(reply)]


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items)
