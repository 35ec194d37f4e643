"""What the Rasa hand-off actions need, as plain functions over tracker events and a desk.

The actions in ``actions/handoff.py`` stay thin: they read the tracker and call these.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from bot.handoff import texts
from bot.handoff.db import Database
from bot.handoff.models import Reason
from bot.handoff.service import HandoffService, turn
from bot.settings import Settings
from knowledge_base.text import strip_diacritics

logger = logging.getLogger(__name__)

REQUEST_ACTION: Final = "action_handoff_request"
OFFER_ACTION: Final = "action_offer_handoff"
KB_ACTIONS: Final = frozenset({"action_answer_kb", "action_choose_entry"})
SKIPPED: Final = "pominięto"
"""Slot value of a question the applicant chose not to answer (a form needs a value)."""
MAX_ANSWER_CHARS: Final = 200
MISUNDERSTOOD_AFTER: Final = 2

SKIP_WORDS: Final = frozenset(
    {"pomiń", "pomin", "pominąć", "pominac", "skip", "nie", "brak", "nie podam", "nie chcę",
     "nie chce", "nie, dziękuję", "nie dziekuje", "-", "—", "/deny", "/skip"}
)  # fmt: skip
# Cancels as the whole answer only: "stop" inside a sentence may be a name ("Stop Przemocy").
CANCEL_WORDS: Final = frozenset({"stop"})
PAYLOAD_WORDS: Final = {
    "/affirm": "(przycisk) Tak",
    "/deny": "(przycisk) Nie",
    "/request_human": "(polecenie) koordynator",
    "/choose_entry": "(wybrana podpowiedź)",
    "/feedback": "(ocena odpowiedzi)",
}


def _normalise(text: str) -> str:
    return " ".join(text.lower().strip().strip(string.punctuation + "„”!.").split())


def is_skip(text: str) -> bool:
    return _normalise(text) in SKIP_WORDS or text.strip() in SKIP_WORDS


# A change of mind said in a sentence ("a jednak nie, nie trzeba", "już nieważne"): no
# organisation name or contact reads like this.
CANCEL_PHRASES: Final = (
    "nie trzeba",
    "jednak nie",
    "niewazne",
    "nie wazne",
    "nie potrzebuje",
    "zrezygn",
    "rezygnuj",
    "anuluj",
    "nie przekazuj",
    "juz nie chce",
)


def is_cancel(text: str) -> bool:
    """ "stop" as the whole answer, or "anuluj" or a change of mind anywhere in it
    (CANCEL_PHRASES), with or without diacritics."""
    normal = _normalise(text)
    if normal in CANCEL_WORDS:
        return True
    plain = strip_diacritics(normal)
    return any(phrase in plain for phrase in CANCEL_PHRASES)


def form_answer(value: Any) -> str | None:
    """A form slot as stored: None when skipped or empty."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())[:MAX_ANSWER_CHARS]
    return None if not text or text == SKIPPED else text


def reason_from_slot(value: Any) -> Reason:
    """The `handoff_reason` slot back as a Reason (ASKED when unset or unknown)."""
    return Reason(value) if value in {r.value for r in Reason} else Reason.ASKED


def reason_of(events: Sequence[Mapping[str, Any]], misunderstandings: float | None) -> Reason:
    """Why the hand-off started, from the events up to the latest user message."""
    last_user = _last_index(events, lambda e: e.get("event") == "user")
    if last_user is None:
        return Reason.ASKED
    intent = ((events[last_user].get("parse_data") or {}).get("intent") or {}).get("name")
    if intent != "affirm":
        return Reason.ASKED
    previous = _last_index(
        events[:last_user],
        lambda e: e.get("event") == "action" and e.get("name") not in (None, "action_listen"),
    )
    name = events[previous].get("name") if previous is not None else None
    if name == OFFER_ACTION:
        return Reason.COMPLEX_CASE
    if (misunderstandings or 0) >= MISUNDERSTOOD_AFTER:
        return Reason.MISUNDERSTOOD
    return Reason.UNKNOWN_ACCEPTED if name in KB_ACTIONS else Reason.ASKED


def transcript_of(events: Sequence[Mapping[str, Any]], turns: int) -> list[dict[str, Any]]:
    """The last `turns` user/bot texts before the hand-off began (not the form's questions)."""
    start = _last_index(
        events, lambda e: e.get("event") == "action" and e.get("name") == REQUEST_ACTION
    )
    before = events if start is None else events[:start]
    result: list[dict[str, Any]] = []
    for event in before:
        kind = event.get("event")
        text = str(event.get("text") or "").strip()
        if kind not in ("user", "bot") or not text:
            continue
        if kind == "user" and text.startswith("/"):
            text = PAYLOAD_WORDS.get(text.split("{")[0], "(przycisk)")
        result.append(turn("user" if kind == "user" else "bot", text, _time(event)))
    return result[-turns:]


def _time(event: Mapping[str, Any]) -> datetime | None:
    stamp = event.get("timestamp")
    return datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else None


def _last_index(events: Sequence[Mapping[str, Any]], matches: Any) -> int | None:
    for index in range(len(events) - 1, -1, -1):
        if matches(events[index]):
            return index
    return None


@dataclass(frozen=True)
class Submitted:
    number: str
    created: bool
    text: str


class HandoffDesk:
    """The action server's way in: open a request from a conversation, in one transaction."""

    def __init__(self, db: Database, service: HandoffService):
        self.db = db
        self.service = service

    @classmethod
    def from_settings(cls, settings: Settings) -> HandoffDesk:
        return cls(Database.from_url(settings.database_url), HandoffService.from_settings(settings))

    def submit(
        self,
        *,
        sender_id: str,
        events: Sequence[Mapping[str, Any]],
        reason: Reason,
        organisation: str | None,
        contact: str | None,
    ) -> Submitted:
        """Open (or find) the sender's request; the text tells them its number and timing."""
        transcript = transcript_of(events, self.service.transcript_turns)

        def work(session: Session) -> Submitted:
            opened = self.service.open_request(
                session,
                sender_id=sender_id,
                reason=reason,
                transcript=transcript,
                organisation=organisation,
                contact=contact,
            )
            request = opened.request
            if opened.created:
                text = self.service.opened_text(request)
            else:
                text = texts.ALREADY_OPEN_TEXT.format(number=request.number)
            return Submitted(request.number, opened.created, text)

        return self.db.run(work)
