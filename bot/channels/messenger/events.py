"""Turns a Messenger webhook body into the inbound events the bot answers.

Echoes of the page's own messages, delivery and read receipts, reactions and anything unknown
are dropped here; malformed items are skipped rather than failing the whole batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

logger = logging.getLogger(__name__)

EventKind = Literal["text", "attachment"]


@dataclass(frozen=True)
class InboundEvent:
    """One user action to answer: a text (typed, quick reply, postback) or an attachment."""

    psid: str
    kind: EventKind
    dedup_key: str | None
    text: str = ""
    attachment_types: tuple[str, ...] = ()
    source: Literal["message", "quick_reply", "postback"] = "message"


def parse_webhook(body: dict[str, Any]) -> list[InboundEvent]:
    """Every answerable event of every entry, in the order Meta sent them."""
    events: list[InboundEvent] = []
    entries = body.get("entry")
    if not isinstance(entries, list):
        return events
    for entry in entries:
        messaging = entry.get("messaging") if isinstance(entry, dict) else None
        if not isinstance(messaging, list):
            # "standby" (another app owns the thread) and "changes" feeds are not ours to answer.
            continue
        for raw in messaging:
            event = _parse_messaging(raw) if isinstance(raw, dict) else None
            if event is not None:
                events.append(event)
    return events


def _parse_messaging(raw: dict[str, Any]) -> InboundEvent | None:
    psid = _sender_id(raw)
    if psid is None:
        return None
    message = raw.get("message")
    if isinstance(message, dict):
        return _parse_message(psid, raw, message)
    postback = raw.get("postback")
    if isinstance(postback, dict):
        return _parse_postback(psid, raw, postback)
    return None  # delivery, read, reaction, referral, optin…


def _parse_message(psid: str, raw: dict[str, Any], message: dict[str, Any]) -> InboundEvent | None:
    if message.get("is_echo"):
        return None
    key = _dedup_key(psid, raw, message.get("mid"))
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict) and isinstance(quick_reply.get("payload"), str):
        return InboundEvent(psid, "text", key, text=quick_reply["payload"], source="quick_reply")
    text = message.get("text")
    if isinstance(text, str):
        # A shared link arrives as text plus a "fallback" attachment: the text is what matters.
        return InboundEvent(psid, "text", key, text=text)
    attachments = message.get("attachments")
    if isinstance(attachments, list) and attachments:
        kinds = tuple(str(a.get("type", "unknown")) for a in attachments if isinstance(a, dict))
        return InboundEvent(psid, "attachment", key, attachment_types=kinds)
    return None


def _parse_postback(
    psid: str, raw: dict[str, Any], postback: dict[str, Any]
) -> InboundEvent | None:
    payload = postback.get("payload")
    if not isinstance(payload, str):
        payload = postback.get("title")
    if not isinstance(payload, str):
        return None
    key = _dedup_key(psid, raw, postback.get("mid"))
    return InboundEvent(psid, "text", key, text=payload, source="postback")


def _sender_id(raw: dict[str, Any]) -> str | None:
    sender = raw.get("sender")
    psid = sender.get("id") if isinstance(sender, dict) else None
    if isinstance(psid, int):
        psid = str(psid)
    if not isinstance(psid, str) or not psid:
        return None  # e.g. a checkbox-plugin `user_ref`: no thread to answer in yet
    return psid


def _dedup_key(psid: str, raw: dict[str, Any], mid: object) -> str | None:
    """`mid` when Meta gives one, else sender + timestamp; None (no de-duplication) without both."""
    if isinstance(mid, str) and mid:
        return f"mid:{mid}"
    timestamp = raw.get("timestamp")
    if isinstance(timestamp, int | str) and str(timestamp):
        return f"ts:{psid}:{timestamp}"
    return None
