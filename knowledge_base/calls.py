"""Status and deadline of a grant call, computed against "now" in Europe/Warsaw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")

MONTHS_GENITIVE = (
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
)


class CallStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


class CallDates(Protocol):
    """What status and deadline need; both CallInfo and the ORM Call provide it."""

    @property
    def status_override(self) -> str | None: ...
    @property
    def opens_at(self) -> datetime | None: ...
    @property
    def closes_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class CallInfo:
    """Storage-free view of a call; unknown facts are None."""

    code: str
    name: str
    source: str
    info_date: date
    scope: str | None = None
    organiser: str | None = None
    programme: str | None = None
    measure: str | None = None
    project_type: str | None = None
    status_override: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    pool_pln: Decimal | None = None
    min_amount_pln: Decimal | None = None
    max_amount_pln: Decimal | None = None
    cofinancing: str | None = None
    duration: str | None = None
    submission: str | None = None
    eligible: str | None = None
    attachments: str | None = None
    scoring: str | None = None


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed (with a time zone)")
    return moment.astimezone(WARSAW)


def polish_date(day: date) -> str:
    """`28 lipca 2023`: day, month in the genitive, year."""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year}"


def _hour(moment: datetime) -> str:
    return f"{moment.hour}:{moment.minute:02d}"


def _days(count: int) -> str:
    return f"{count} dzień" if count == 1 else f"{count} dni"


def derived_status(call: CallDates, now: datetime) -> CallStatus:
    """Status from the dates alone, ignoring status_override."""
    local_now = _local(now)
    if call.opens_at is not None and local_now < _local(call.opens_at):
        return CallStatus.PLANNED
    if call.closes_at is not None and local_now > _local(call.closes_at):
        return CallStatus.CLOSED
    if call.opens_at is not None and call.closes_at is not None:
        return CallStatus.OPEN
    return CallStatus.UNKNOWN


def call_status(call: CallDates, now: datetime) -> CallStatus:
    """Status of the call at `now`; a status_override set by staff wins over the dates."""
    if call.status_override:
        return CallStatus(call.status_override)
    return derived_status(call, now)


def describe_deadline(call: CallDates, now: datetime) -> str:
    """One Polish sentence about the call's submission window, as seen at `now`."""
    local_now = _local(now)
    opens = _local(call.opens_at) if call.opens_at is not None else None
    closes = _local(call.closes_at) if call.closes_at is not None else None
    status = call_status(call, now)
    if status is CallStatus.CANCELLED:
        return "Nabór został odwołany."
    if status is CallStatus.PLANNED:
        if opens is None:
            return "Nabór jest planowany, ale data jego rozpoczęcia nie jest jeszcze znana."
        at = f", o godz. {_hour(opens)}" if (opens.hour, opens.minute) != (0, 0) else ""
        return f"Nabór rozpocznie się {polish_date(opens)}{at}."
    if status is CallStatus.OPEN:
        if closes is None or closes < local_now:
            return "Nabór trwa, ale termin jego zakończenia nie jest jeszcze znany."
        days_left = (closes.date() - local_now.date()).days
        if days_left == 0:
            return f"Nabór trwa — to ostatni dzień, do godz. {_hour(closes)}."
        return (
            f"Nabór trwa jeszcze {_days(days_left)} "
            f"(do {polish_date(closes)}, godz. {_hour(closes)})."
        )
    if status is CallStatus.CLOSED:
        if closes is None:
            return "Nabór jest już zamknięty."
        return f"Nabór zakończył się {polish_date(closes)}."
    if opens is not None:
        return (
            f"Nabór rozpoczął się {polish_date(opens)}; "
            "termin jego zakończenia nie jest jeszcze znany."
        )
    if closes is not None:
        return (
            f"Wnioski można składać do {polish_date(closes)}, godz. {_hour(closes)}; "
            "data rozpoczęcia naboru nie jest znana."
        )
    return "Termin naboru nie jest jeszcze znany."
