"""Request numbers and the coordinator's notice: parsed leniently, kept to one Telegram message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.handoff import texts
from bot.handoff.models import HandoffRequest
from bot.handoff.service import turn

CREATED = datetime(2026, 11, 25, 9, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("Z-0007", 7), ("z-7", 7), ("Z7", 7), ("#7", 7), ("7", 7), (" 0012 ", 12), ("Z-12345", 12345)],
)
def test_numbers_are_read_leniently(typed: str, number: int) -> None:
    assert texts.parse_number(typed) == number


@pytest.mark.parametrize("typed", ["", "Z-", "siedem", "7a", "Z-7 8"])
def test_other_words_are_not_numbers(typed: str) -> None:
    assert texts.parse_number(typed) is None


def test_the_number_is_found_in_a_notice() -> None:
    assert texts.number_in_text("Zgłoszenie Z-0042 — nowe\nKanał: Telegram") == 42
    assert texts.number_in_text("Z-0042 · nowa wiadomość od wnioskodawcy") == 42
    assert texts.number_in_text("Dzień dobry") is None
    assert texts.number_in_text(None) is None


@pytest.mark.parametrize(
    ("minutes", "words"), [(0, "0 min"), (59, "59 min"), (61, "1 godz."), (47 * 60, "47 godz.")]
)
def test_waiting_time(minutes: int, words: str) -> None:
    assert texts.waiting_time(CREATED, CREATED + timedelta(minutes=minutes)) == words


def request_with(transcript: list[dict[str, object]]) -> HandoffRequest:
    return HandoffRequest(
        id=7,
        sender_id="telegram:1",
        channel="telegram",
        recipient="1",
        status="new",
        reason="misunderstood",
        organisation=None,
        contact="ewa@example.org",
        consent=True,
        transcript=transcript,
        created_at=CREATED,
    )


def test_the_notice_shows_who_why_and_the_conversation() -> None:
    notice = texts.notification_text(
        request_with([turn("user", "Czy VAT\n jest kosztem?"), turn("bot", "Nie wiem.")])
    )

    assert notice == (
        "Zgłoszenie Z-0007 — nowe\n"
        "Kanał: Telegram\n"
        "Powód: asystent kilka razy nie zrozumiał pytania\n"
        "Organizacja: (nie podano)\n"
        "Kontakt: ewa@example.org\n"
        "Utworzone: 25.11.2026 10:03\n\n"
        "Rozmowa:\n"
        "Wnioskodawca: Czy VAT jest kosztem?\n"
        "Asystent: Nie wiem.\n\n"
        "Odpowiedz na tę wiadomość, a odpowiedź trafi do wnioskodawcy "
        "(albo: /odpowiedz Z-0007 treść)."
    )


def test_a_long_conversation_keeps_its_end_within_one_message() -> None:
    transcript = [turn("user" if n % 2 else "bot", f"{n}: " + "słowo " * 300) for n in range(30)]

    notice = texts.notification_text(request_with(transcript))

    assert len(notice) <= texts.TELEGRAM_SAFE_CHARS
    assert "[…wcześniejsza część rozmowy pominięta]" in notice
    assert "Wnioskodawca: 29: słowo" in notice  # the last turn is kept
    assert notice.endswith("(albo: /odpowiedz Z-0007 treść).")
