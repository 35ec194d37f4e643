"""Everything the hand-off says, to applicants and to the coordinator, as plain text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from bot.handoff.models import (
    NUMBER_PREFIX,
    Channel,
    HandoffRequest,
    OutboxMessage,
    Reason,
    Status,
)
from bot.handoff.office_hours import WARSAW

TELEGRAM_SAFE_CHARS: Final = 3900
"""A coordinator notice stays one Telegram message (4096), so a reply to it finds its request."""
TURN_CHARS: Final = 400
TAKE_PREFIX: Final = "ho:take:"
CLOSE_PREFIX: Final = "ho:close:"

CHANNEL_NAMES: Final = {
    Channel.TELEGRAM: "Telegram",
    Channel.MESSENGER: "Messenger",
    Channel.WEB: "czat na stronie",
}
REASON_NAMES: Final = {
    Reason.ASKED: "poprosił(a) o kontakt z człowiekiem",
    Reason.UNKNOWN_ACCEPTED: "asystent nie znał odpowiedzi, wnioskodawca chce koordynatora",
    Reason.MISUNDERSTOOD: "asystent kilka razy nie zrozumiał pytania",
    Reason.COMPLEX_CASE: "indywidualna, złożona sprawa",
}
STATUS_FOR_APPLICANT: Final = {
    Status.NEW: "przyjęte, czeka na koordynatora",
    Status.TAKEN: "koordynator zajmuje się sprawą",
    Status.ANSWERED: "odpowiedziano",
    Status.CLOSED: "zamknięte",
}
STATUS_FOR_COORDINATOR: Final = {
    Status.NEW: "nowe",
    Status.TAKEN: "przejęte",
    Status.ANSWERED: "z odpowiedzią",
    Status.CLOSED: "zamknięte",
}

_NUMBER = re.compile(r"^\s*(?:#|Z-?)?\s*0*(\d{1,9})\s*$", re.IGNORECASE)
_NUMBER_IN_TEXT = re.compile(rf"\b{NUMBER_PREFIX}(\d{{1,9}})\b", re.IGNORECASE)

# --- to the applicant ------------------------------------------------------------------------

FORWARDED_TEXT: Final = (
    "Twoja wiadomość trafiła do koordynatora (zgłoszenie {number}). Odpowiedź przyjdzie "
    "tutaj, w tej rozmowie — do tego czasu przekazuję mu wszystko, co napiszesz."
)
ALREADY_OPEN_TEXT: Final = (
    "Twoje pytanie jest już u koordynatora (zgłoszenie {number}). Odpowiedź przyjdzie tutaj; "
    "jeśli chcesz coś dodać, po prostu napisz."
)
BUTTON_WHILE_OPEN_TEXT: Final = (
    "Twoją sprawą zajmuje się teraz koordynator (zgłoszenie {number}). Napisz, co chcesz "
    "dodać, a przekażę mu to."
)
OPENED_TEXT: Final = (
    "Przekazałem Twoje pytanie koordynatorowi — zgłoszenie {number}. {expectation} "
    "Odpowiedź przyjdzie tutaj, w tej rozmowie. Jeśli chcesz coś dodać, po prostu napisz."
)
START_TEXT: Final = (
    "Przekażę Twoje pytanie koordynatorowi projektu razem z naszą rozmową. "
    "Jeszcze dwa krótkie pytania."
)
ASK_ORGANISATION_TEXT: Final = (
    "Jak nazywa się Twoja organizacja?\n\n"
    "Podanie danych jest dobrowolne; użyjemy ich tylko do odpowiedzi na to pytanie. "
    "Napisz „pomiń”, żeby pominąć."
)
ASK_CONTACT_TEXT: Final = (
    "Jak koordynator może się z Tobą skontaktować poza tym czatem (e-mail lub telefon)? "
    "Odpowiedź i tak przyjdzie tutaj. Napisz „pomiń”, żeby pominąć."
)
SKIP_BUTTON: Final = ("Pomiń", "pomiń")
SUBMIT_FAILED_TEXT: Final = (
    "Przepraszam, nie udało mi się teraz zapisać zgłoszenia do koordynatora."
)
REPLY_TEXT: Final = "Odpowiedź koordynatora (zgłoszenie {number}):\n\n{text}"
CLOSED_TEXT: Final = (
    "Koordynator zakończył zgłoszenie {number}. Jeśli masz kolejne pytania, po prostu "
    "napisz — odpowiem albo znów przekażę je koordynatorowi."
)
NO_REQUESTS_TEXT: Final = "Nie masz zgłoszeń do koordynatora."
DATA_DELETED_TEXT: Final = (
    "Usunąłem dane zapisane w związku z tą rozmową, w tym zgłoszenia do koordynatora "
    "i ich wiadomości. Jeśli napiszesz ponownie, zaczniemy od nowa."
)
STATUS_HEADER: Final = "Twoje zgłoszenia do koordynatora:"
STATUS_LIMIT: Final = 5

# --- to the coordinator ----------------------------------------------------------------------

COORDINATOR_HELP_TEXT: Final = (
    "To jest czat koordynatora. Polecenia:\n"
    "/zgloszenia — otwarte zgłoszenia\n"
    "/odpowiedz Z-0007 treść — odpowiedź wnioskodawcy\n"
    "/przejmij Z-0007 — przejmij zgłoszenie\n"
    "/zamknij Z-0007 — zamknij zgłoszenie\n"
    "Możesz też po prostu odpowiedzieć (Odpowiedz) na powiadomienie o zgłoszeniu."
)
NOT_FOUND_TEXT: Final = "Nie ma zgłoszenia {number}."
IS_CLOSED_TEXT: Final = "Zgłoszenie {number} jest już zamknięte."
REPLY_QUEUED_TEXT: Final = (
    "Przyjęte — odpowiedź do {number} zostanie wysłana wnioskodawcy ({channel})."
)
TAKEN_TEXT: Final = "{number} przejmuje: {who}."
ALREADY_TAKEN_TEXT: Final = "{number} jest już przejęte przez: {who}."
CLOSED_BY_TEXT: Final = "{number} zamknięte ({who}). Wnioskodawca dostał informację."
NO_OPEN_TEXT: Final = "Brak otwartych zgłoszeń."
USAGE_REPLY_TEXT: Final = "Użycie: /odpowiedz Z-0007 treść odpowiedzi"
USAGE_NUMBER_TEXT: Final = "Użycie: /{command} Z-0007"
UNKNOWN_REPLY_TEXT: Final = (
    "Nie wiem, którego zgłoszenia dotyczy ta odpowiedź. Odpowiedz na powiadomienie "
    "o zgłoszeniu albo użyj: /odpowiedz Z-0007 treść"
)
FORWARD_TEXT: Final = "{number} · nowa wiadomość od wnioskodawcy ({channel}):\n\n{text}"
REMINDER_TEXT: Final = "⏰ Przypomnienie: zgłoszenie {number} czeka od {waiting} ({state})."
DEAD_TEXT: Final = (
    "⚠ Nie udało się dostarczyć wiadomości do wnioskodawcy zgłoszenia {number} ({channel}) "
    "po {attempts} próbach: {error}"
)
DELETED_NOTICE_TEXT: Final = (
    "Wnioskodawca zgłoszeń {numbers} usunął swoje dane (/usun_dane). Zgłoszenia zniknęły "
    "z bazy; usuń proszę także powiadomienia o nich z tego czatu i kopie e-mail."
)
EMAIL_SUBJECT: Final = "Nowe zgłoszenie {number} — Asystent Naborów"


def parse_number(value: str) -> int | None:
    """`Z-0007`, `z7`, `#7` or `7` → 7; anything else → None."""
    match = _NUMBER.match(value)
    return int(match.group(1)) if match else None


def number_in_text(value: str | None) -> int | None:
    """The first request number mentioned in a text (a notice the coordinator replied to)."""
    match = _NUMBER_IN_TEXT.search(value or "")
    return int(match.group(1)) if match else None


def local_time(moment: datetime) -> str:
    """`25.11.2026 14:03`, in Warsaw time."""
    return moment.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M")


def waiting_time(since: datetime, now: datetime) -> str:
    """`45 min`, `3 godz.`, `2 dni` — how long something has been waiting."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} godz."
    return f"{hours // 24} dni"


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES.get(Channel(channel), channel)


def notification_text(request: HandoffRequest) -> str:
    """The coordinator's notice of a new request: who, why, and the conversation so far."""
    head = [
        f"Zgłoszenie {request.number} — nowe",
        f"Kanał: {channel_name(request.channel)}",
        f"Powód: {REASON_NAMES[Reason(request.reason)]}",
        f"Organizacja: {request.organisation or '(nie podano)'}",
        f"Kontakt: {request.contact or '(nie podano)'}",
        f"Utworzone: {local_time(request.created_at)}",
    ]
    footer = (
        "Odpowiedz na tę wiadomość, a odpowiedź trafi do wnioskodawcy "
        f"(albo: /odpowiedz {request.number} treść)."
    )
    lines = transcript_lines(request.transcript)
    body = "\n".join(head)
    budget = TELEGRAM_SAFE_CHARS - len(body) - len(footer) - 40
    kept: list[str] = []
    for line in reversed(lines):  # the end of the conversation matters most
        if len(line) + 1 > budget:
            kept.append("[…wcześniejsza część rozmowy pominięta]")
            break
        kept.append(line)
        budget -= len(line) + 1
    transcript = "\n".join(reversed(kept)) if kept else "(brak)"
    return f"{body}\n\nRozmowa:\n{transcript}\n\n{footer}"


def transcript_lines(transcript: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for turn in transcript:
        who = "Wnioskodawca" if turn.get("who") == "user" else "Asystent"
        text = " ".join(str(turn.get("text") or "").split())
        if len(text) > TURN_CHARS:
            text = text[: TURN_CHARS - 1] + "…"
        lines.append(f"{who}: {text}")
    return lines


def open_requests_text(requests: Sequence[HandoffRequest], now: datetime) -> str:
    """The coordinator's `/zgloszenia` list."""
    if not requests:
        return NO_OPEN_TEXT
    lines = [f"Otwarte zgłoszenia ({len(requests)}):"]
    for request in requests:
        parts = [
            request.number,
            STATUS_FOR_COORDINATOR[Status(request.status)],
            channel_name(request.channel),
            f"czeka {waiting_time(request.created_at, now)}",
        ]
        if request.taken_by:
            parts.append(f"prowadzi: {request.taken_by}")
        if request.organisation:
            parts.append(request.organisation)
        lines.append("• " + " · ".join(parts))
    return "\n".join(lines)


def dead_letters_text(messages: Sequence[OutboxMessage]) -> str:
    """A warning line under `/zgloszenia` while undelivered messages exist."""
    if not messages:
        return ""
    return (
        f"\n\n⚠ Niedostarczone wiadomości: {len(messages)} (ostatnia: "
        f"{messages[-1].channel}, {messages[-1].last_error or 'nieznany błąd'})."
    )


def status_text(requests: Sequence[HandoffRequest]) -> str:
    """The applicant's `/status`: their latest requests and where each one stands."""
    if not requests:
        return NO_REQUESTS_TEXT
    lines = [STATUS_HEADER]
    for request in requests[:STATUS_LIMIT]:
        status = STATUS_FOR_APPLICANT[Status(request.status)]
        lines.append(f"• {request.number} z {local_time(request.created_at)} — {status}")
    return "\n".join(lines)


def email_body(request: HandoffRequest) -> str:
    return notification_text(request).replace(
        "Odpowiedz na tę wiadomość, a odpowiedź trafi do wnioskodawcy",
        "Odpowiedz wnioskodawcy w czacie koordynatora na Telegramie",
    )
