"""Office hours and Polish holidays: what the applicant is told about when to expect an answer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.handoff.office_hours import (
    WARSAW,
    OfficeHours,
    OfficeHoursError,
    easter_sunday,
    polish_public_holidays,
)

HEAD = (
    "Koordynator odpowiada zwykle w ciągu 1 dnia roboczego; biuro jest czynne pon.–pt. 8:00–16:00."
)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW)


@pytest.fixture
def hours() -> OfficeHours:
    return OfficeHours.parse("mon-fri 08:00-16:00")


@pytest.mark.parametrize(
    ("now", "tail"),
    [
        # Wednesday, inside hours
        (at(2026, 11, 25, 10), " Teraz biuro jest czynne."),
        # Wednesday, before opening and after closing
        (
            at(2026, 11, 25, 7, 15),
            " Teraz biuro jest zamknięte — odpowiedź najwcześniej dziś od 8:00.",
        ),
        (
            at(2026, 11, 25, 16),
            " Teraz biuro jest zamknięte — odpowiedź najwcześniej jutro od 8:00.",
        ),
        # Friday evening and Saturday: Monday
        (
            at(2026, 11, 27, 17, 30),
            " Teraz biuro jest zamknięte — odpowiedź najwcześniej "
            "w poniedziałek 30 listopada od 8:00.",
        ),
        (
            at(2026, 11, 28, 10),
            " Teraz biuro jest zamknięte — odpowiedź najwcześniej "
            "w poniedziałek 30 listopada od 8:00.",
        ),
        # Sunday: tomorrow
        (
            at(2026, 11, 29, 12),
            " Teraz biuro jest zamknięte — odpowiedź najwcześniej jutro od 8:00.",
        ),
        # Easter Monday 2026 is a public holiday: Tuesday
        (
            at(2026, 4, 6, 10),
            " Teraz biuro jest zamknięte (Poniedziałek Wielkanocny) — odpowiedź najwcześniej "
            "jutro od 8:00.",
        ),
        # Christmas Eve 2026 (a day off since 2025), Christmas, weekend: Monday 28th
        (
            at(2026, 12, 24, 11),
            " Teraz biuro jest zamknięte (Wigilia Bożego Narodzenia) — odpowiedź najwcześniej "
            "w poniedziałek 28 grudnia od 8:00.",
        ),
        # New Year's Eve after hours: the next opening is in the next year
        (
            at(2026, 12, 31, 16, 30),
            " Teraz biuro jest zamknięte — odpowiedź najwcześniej w poniedziałek 4 stycznia 2027 "
            "od 8:00.",
        ),
    ],
)
def test_expectation_text(hours: OfficeHours, now: datetime, tail: str) -> None:
    assert hours.expectation_text(now) == HEAD + tail


def test_christmas_eve_was_a_working_day_before_2025(hours: OfficeHours) -> None:
    assert hours.is_open(at(2024, 12, 24, 10))
    assert not hours.is_open(at(2025, 12, 24, 10))


def test_configured_days_off_are_skipped() -> None:
    hours = OfficeHours.parse("mon-fri 08:00-16:00", "2026-12-28, 2026-12-29")

    text = hours.expectation_text(at(2026, 12, 23, 17))

    assert text.endswith("odpowiedź najwcześniej w środę 30 grudnia od 8:00.")
    assert hours.holiday_name(date(2026, 12, 28)) == "dzień wolny biura"


def test_the_clock_is_injectable() -> None:
    hours = OfficeHours.parse("mon-fri 08:00-16:00", clock=lambda: at(2026, 11, 28, 10))

    assert hours.expectation_text().endswith("w poniedziałek 30 listopada od 8:00.")


def test_warsaw_time_is_used_whatever_the_input_zone(hours: OfficeHours) -> None:
    # 15:30 UTC is 16:30 in Warsaw in November (closed); in July it is 17:30 (closed too),
    # and 06:30 UTC in July is 8:30 in Warsaw (open: summer time).
    assert not hours.is_open(datetime(2026, 11, 25, 15, 30, tzinfo=UTC))
    assert hours.is_open(datetime(2026, 7, 15, 6, 30, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 1, 14, 6, 30, tzinfo=UTC))


def test_naive_datetimes_are_refused(hours: OfficeHours) -> None:
    with pytest.raises(ValueError, match="aware"):
        hours.is_open(datetime(2026, 11, 25, 10))  # naive on purpose


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_polish_holidays_of_2026() -> None:
    days = polish_public_holidays(2026)

    assert days[date(2026, 4, 6)] == "Poniedziałek Wielkanocny"
    assert days[date(2026, 5, 24)] == "Zielone Świątki"
    assert days[date(2026, 6, 4)] == "Boże Ciało"
    assert days[date(2026, 11, 11)] == "Narodowe Święto Niepodległości"
    assert len(days) == 14
    assert date(2024, 12, 24) not in polish_public_holidays(2024)


@pytest.mark.parametrize(
    ("spec", "summary"),
    [
        ("mon-fri 08:00-16:00", "pon.–pt. 8:00–16:00"),
        ("mon-thu 08:00-16:00; fri 08:00-14:00", "pon.–czw. 8:00–16:00, pt. 8:00–14:00"),
        ("pon-pt 7:30-15:30", "pon.–pt. 7:30–15:30"),
        ("mon,wed 09:00-12:00", "pon. 9:00–12:00, śr. 9:00–12:00"),
        ("sat-sun 10:00-12:00", "sob., niedz. 10:00–12:00"),
    ],
)
def test_summary(spec: str, summary: str) -> None:
    assert OfficeHours.parse(spec).summary() == summary


def test_several_working_days_are_worded_in_plural() -> None:
    hours = OfficeHours.parse("mon-fri 08:00-16:00", response_working_days=2)

    assert hours.expectation_text(at(2026, 11, 25, 10)).startswith(
        "Koordynator odpowiada zwykle w ciągu 2 dni roboczych;"
    )


@pytest.mark.parametrize(
    ("spec", "holidays", "message"),
    [
        ("", "", "no opening hours"),
        ("weekdays 08:00-16:00", "", "unknown day"),
        ("mon-fri 8-16", "", "cannot read"),
        ("mon-fri 16:00-08:00", "", "closes before it opens"),
        ("fri-mon 08:00-16:00", "", "runs backwards"),
        ("mon-fri 08:00-25:00", "", "not a time of day"),
        ("mon-fri 08:00-16:00", "2026-13-01", "not a YYYY-MM-DD date"),
    ],
)
def test_bad_settings_are_explained(spec: str, holidays: str, message: str) -> None:
    with pytest.raises(OfficeHoursError, match=message):
        OfficeHours.parse(spec, holidays)
