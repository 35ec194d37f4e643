"""Call status and deadline sentences for fixed moments in Europe/Warsaw."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from knowledge_base.calls import CallInfo, CallStatus, call_status, describe_deadline, polish_date

WARSAW = ZoneInfo("Europe/Warsaw")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WARSAW)


def make_call(
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    status_override: str | None = None,
) -> CallInfo:
    return CallInfo(
        code="X",
        name="Nabór",
        source="src",
        info_date=date(2023, 1, 1),
        opens_at=opens_at,
        closes_at=closes_at,
        status_override=status_override,
    )


SUMMER = make_call(at(2023, 7, 17, 0, 0), at(2023, 7, 28, 15, 0))
GRANT_2018 = make_call(at(2018, 9, 14, 0, 0), at(2018, 10, 1, 15, 0))


@pytest.mark.parametrize(
    ("call", "now", "status", "text"),
    [
        (
            SUMMER,
            at(2023, 7, 23, 12, 0),
            CallStatus.OPEN,
            "Nabór trwa jeszcze 5 dni (do 28 lipca 2023, godz. 15:00).",
        ),
        (
            SUMMER,
            at(2023, 7, 26, 23, 59),
            CallStatus.OPEN,
            "Nabór trwa jeszcze 2 dni (do 28 lipca 2023, godz. 15:00).",
        ),
        (
            SUMMER,
            at(2023, 7, 27, 8, 0),
            CallStatus.OPEN,
            "Nabór trwa jeszcze 1 dzień (do 28 lipca 2023, godz. 15:00).",
        ),
        (
            SUMMER,
            at(2023, 7, 28, 9, 30),
            CallStatus.OPEN,
            "Nabór trwa — to ostatni dzień, do godz. 15:00.",
        ),
        (SUMMER, at(2023, 7, 28, 15, 1), CallStatus.CLOSED, "Nabór zakończył się 28 lipca 2023."),
        (
            GRANT_2018,
            at(2018, 9, 1, 10, 0),
            CallStatus.PLANNED,
            "Nabór rozpocznie się 14 września 2018.",
        ),
        (
            GRANT_2018,
            at(2023, 5, 9, 10, 0),
            CallStatus.CLOSED,
            "Nabór zakończył się 1 października 2018.",
        ),
        (
            make_call(),
            at(2023, 5, 9, 10, 0),
            CallStatus.UNKNOWN,
            "Termin naboru nie jest jeszcze znany.",
        ),
        (
            make_call(opens_at=at(2024, 3, 1, 9, 0)),
            at(2024, 2, 1, 10, 0),
            CallStatus.PLANNED,
            "Nabór rozpocznie się 1 marca 2024, o godz. 9:00.",
        ),
        (
            make_call(opens_at=at(2024, 3, 1, 0, 0)),
            at(2024, 4, 1, 10, 0),
            CallStatus.UNKNOWN,
            "Nabór rozpoczął się 1 marca 2024; termin jego zakończenia nie jest jeszcze znany.",
        ),
        (
            make_call(closes_at=at(2024, 3, 1, 12, 0)),
            at(2024, 2, 1, 10, 0),
            CallStatus.UNKNOWN,
            "Wnioski można składać do 1 marca 2024, godz. 12:00; "
            "data rozpoczęcia naboru nie jest znana.",
        ),
    ],
)
def test_deadline_text(call: CallInfo, now: datetime, status: CallStatus, text: str) -> None:
    assert call_status(call, now) is status
    assert describe_deadline(call, now) == text


def test_status_override_wins_over_dates() -> None:
    now = at(2023, 7, 23, 12, 0)
    assert call_status(make_call(status_override="closed"), now) is CallStatus.CLOSED
    cancelled = make_call(at(2023, 7, 17), at(2023, 7, 28), status_override="cancelled")
    assert describe_deadline(cancelled, now) == "Nabór został odwołany."
    planned = make_call(status_override="planned")
    assert describe_deadline(planned, now) == (
        "Nabór jest planowany, ale data jego rozpoczęcia nie jest jeszcze znana."
    )
    assert describe_deadline(make_call(status_override="open"), now) == (
        "Nabór trwa, ale termin jego zakończenia nie jest jeszcze znany."
    )
    assert describe_deadline(make_call(status_override="closed"), now) == (
        "Nabór jest już zamknięty."
    )


def test_days_are_counted_in_warsaw_not_utc() -> None:
    # 23:30 UTC on 26 July is already 27 July in Warsaw: one day left, not two.
    now = datetime(2023, 7, 26, 23, 30, tzinfo=UTC)
    assert describe_deadline(SUMMER, now) == (
        "Nabór trwa jeszcze 1 dzień (do 28 lipca 2023, godz. 15:00)."
    )


def test_stored_utc_times_are_shown_in_warsaw_time() -> None:
    call = make_call(datetime(2023, 7, 17, tzinfo=UTC), datetime(2023, 12, 1, 14, 0, tzinfo=UTC))
    assert describe_deadline(call, at(2023, 11, 30, 9, 0)) == (
        "Nabór trwa jeszcze 1 dzień (do 1 grudnia 2023, godz. 15:00)."
    )


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        describe_deadline(SUMMER, datetime(2023, 7, 23, 12, 0))


def test_polish_dates_use_the_genitive() -> None:
    names = [polish_date(date(2023, month, 1)).split()[1] for month in range(1, 13)]
    assert names == [
        "stycznia",
        "lutego",
        "marca",
        "kwietnia",
        "maja",
        "czerwca",
        "lipca",
        "sierpnia",
        "września",
        "października",
        "listopada",
        "grudnia",
    ]
