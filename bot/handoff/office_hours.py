"""Office hours of the coordinator and the Polish text of when to expect an answer.

Hours come from settings (``HANDOFF_OFFICE_HOURS="mon-fri 08:00-16:00"``), days off are the
Polish public holidays of any year (Easter-based ones computed) plus ``HANDOFF_HOLIDAYS``.
Everything is in Europe/Warsaw; the clock is injectable so tests can fix "now".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from knowledge_base.calls import MONTHS_GENITIVE

Clock = Callable[[], datetime]

WARSAW = ZoneInfo("Europe/Warsaw")
SEARCH_DAYS = 60
"""How far ahead the next opening is looked for (Christmas plus a long closure still fits)."""

WEEKDAY_NAMES = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "pon": 0, "wt": 1, "sr": 2, "śr": 2, "czw": 3, "pt": 4, "sob": 5, "nd": 6, "niedz": 6,
}  # fmt: skip
WEEKDAY_ABBREVIATIONS = ("pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz.")
WEEKDAY_ACCUSATIVE = (
    "w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę", "w niedzielę",
)  # fmt: skip

_PART = re.compile(
    r"^\s*(?P<days>[a-ząćęłńóśźż,\s-]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$",
    re.IGNORECASE,
)


class OfficeHoursError(ValueError):
    """HANDOFF_OFFICE_HOURS or HANDOFF_HOLIDAYS cannot be understood; the message says why."""


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def polish_public_holidays(year: int) -> dict[date, str]:
    """Statutory days off in Poland (ustawa o dniach wolnych od pracy), by date."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): "Nowy Rok",
        date(year, 1, 6): "Święto Trzech Króli",
        easter: "Wielkanoc",
        easter + timedelta(days=1): "Poniedziałek Wielkanocny",
        date(year, 5, 1): "Święto Pracy",
        date(year, 5, 3): "Święto Konstytucji 3 Maja",
        easter + timedelta(days=49): "Zielone Świątki",
        easter + timedelta(days=60): "Boże Ciało",
        date(year, 8, 15): "Wniebowzięcie Najświętszej Maryi Panny",
        date(year, 11, 1): "Wszystkich Świętych",
        date(year, 11, 11): "Narodowe Święto Niepodległości",
        date(year, 12, 25): "Boże Narodzenie (pierwszy dzień)",
        date(year, 12, 26): "Boże Narodzenie (drugi dzień)",
    }
    if year >= 2025:  # a statutory day off since the 2024 amendment
        days[date(year, 12, 24)] = "Wigilia Bożego Narodzenia"
    return days


@dataclass(frozen=True)
class OfficeHours:
    """Opening hours per weekday (0 = Monday) and extra days off."""

    windows: Mapping[int, tuple[time, time]]
    extra_days_off: frozenset[date] = frozenset()
    response_working_days: int = 1
    tz: ZoneInfo = WARSAW
    clock: Clock = field(default=lambda: datetime.now(UTC), compare=False)

    @classmethod
    def parse(
        cls,
        spec: str,
        holidays: str = "",
        *,
        response_working_days: int = 1,
        tz: ZoneInfo = WARSAW,
        clock: Clock | None = None,
    ) -> OfficeHours:
        """Read `"mon-fri 08:00-16:00"`; parts are joined with ``;``.

        E.g. ``"mon-thu 8:00-16:00; fri 8:00-14:00"``; Polish day names work too.

        Raises OfficeHoursError on anything it cannot read.
        """
        windows: dict[int, tuple[time, time]] = {}
        for part in filter(None, (p.strip() for p in spec.split(";"))):
            match = _PART.match(part)
            if match is None:
                raise OfficeHoursError(
                    f"HANDOFF_OFFICE_HOURS: cannot read {part!r} "
                    "(expected e.g. 'mon-fri 08:00-16:00')"
                )
            start, end = _parse_time(match["start"]), _parse_time(match["end"])
            if end <= start:
                raise OfficeHoursError(f"HANDOFF_OFFICE_HOURS: {part!r} closes before it opens")
            for weekday in _parse_days(match["days"]):
                windows[weekday] = (start, end)
        if not windows:
            raise OfficeHoursError("HANDOFF_OFFICE_HOURS: no opening hours given")
        return cls(
            windows=windows,
            extra_days_off=frozenset(_parse_dates(holidays)),
            response_working_days=response_working_days,
            tz=tz,
            clock=clock or (lambda: datetime.now(UTC)),
        )

    # --- facts ------------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        """The name of the day off (public holiday or configured), None on a normal day."""
        name = polish_public_holidays(day.year).get(day)
        if name is None and day in self.extra_days_off:
            return "dzień wolny biura"
        return name

    def window_on(self, day: date) -> tuple[datetime, datetime] | None:
        """Opening and closing time on `day`, or None when the office is closed all day."""
        hours = self.windows.get(day.weekday())
        if hours is None or self.holiday_name(day) is not None:
            return None
        start, end = hours
        return (
            datetime.combine(day, start, tzinfo=self.tz),
            datetime.combine(day, end, tzinfo=self.tz),
        )

    def is_open(self, at: datetime | None = None) -> bool:
        local = self._local(at)
        window = self.window_on(local.date())
        return window is not None and window[0] <= local < window[1]

    def next_opening(self, at: datetime | None = None) -> datetime | None:
        """When the office next opens after `at` (None if not within SEARCH_DAYS)."""
        local = self._local(at)
        for offset in range(SEARCH_DAYS):
            window = self.window_on(local.date() + timedelta(days=offset))
            if window is not None and window[0] > local:
                return window[0]
        return None

    # --- words ------------------------------------------------------------------------------

    def summary(self) -> str:
        """`pon.–pt. 8:00–16:00`; days with the same hours are grouped."""
        groups: list[tuple[int, int, tuple[time, time]]] = []
        for weekday in sorted(self.windows):
            hours = self.windows[weekday]
            if groups and groups[-1][1] == weekday - 1 and groups[-1][2] == hours:
                groups[-1] = (groups[-1][0], weekday, hours)
            else:
                groups.append((weekday, weekday, hours))
        parts = []
        for first, last, (start, end) in groups:
            days = WEEKDAY_ABBREVIATIONS[first]
            if last != first:
                joiner = "–" if last - first > 1 else ", "
                days += joiner + WEEKDAY_ABBREVIATIONS[last]
            parts.append(f"{days} {_clock_time(start)}–{_clock_time(end)}")
        return ", ".join(parts)

    def expectation_text(self, at: datetime | None = None) -> str:
        """What to tell the applicant about when the coordinator will answer."""
        local = self._local(at)
        days = self.response_working_days
        unit = "dnia roboczego" if days == 1 else "dni roboczych"
        text = (
            f"Koordynator odpowiada zwykle w ciągu {days} {unit}; "
            f"biuro jest czynne {self.summary()}."
        )
        if self.is_open(local):
            return text + " Teraz biuro jest czynne."
        opening = self.next_opening(local)
        holiday = self.holiday_name(local.date())
        closed = "Teraz biuro jest zamknięte" + (f" ({holiday})" if holiday else "")
        if opening is None:
            return f"{text} {closed}."
        return f"{text} {closed} — odpowiedź najwcześniej {self._when(local, opening)}."

    def _when(self, now: datetime, opening: datetime) -> str:
        day = opening.date()
        hour = _clock_time(opening.timetz())
        if day == now.date():
            return f"dziś od {hour}"
        if day == now.date() + timedelta(days=1):
            return f"jutro od {hour}"
        words = f"{WEEKDAY_ACCUSATIVE[day.weekday()]} {day.day} {MONTHS_GENITIVE[day.month - 1]}"
        if day.year != now.year:
            words += f" {day.year}"
        return f"{words} od {hour}"

    def _local(self, at: datetime | None) -> datetime:
        moment = at if at is not None else self.clock()
        if moment.tzinfo is None:
            raise ValueError("office hours need an aware datetime")
        return moment.astimezone(self.tz)


def _parse_time(value: str) -> time:
    hours, minutes = (int(x) for x in value.split(":"))
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise OfficeHoursError(f"HANDOFF_OFFICE_HOURS: {value!r} is not a time of day")
    return time.max if hours == 24 else time(hours, minutes)


def _parse_days(value: str) -> Iterable[int]:
    for item in filter(None, (i.strip().lower() for i in value.split(","))):
        first, _, last = (x.strip().rstrip(".") for x in item.partition("-"))
        if first not in WEEKDAY_NAMES or (last and last not in WEEKDAY_NAMES):
            raise OfficeHoursError(f"HANDOFF_OFFICE_HOURS: unknown day in {item!r}")
        start = WEEKDAY_NAMES[first]
        end = WEEKDAY_NAMES[last] if last else start
        if end < start:
            raise OfficeHoursError(f"HANDOFF_OFFICE_HOURS: {item!r} runs backwards")
        yield from range(start, end + 1)


def _parse_dates(value: str) -> Iterable[date]:
    for item in filter(None, (i.strip() for i in value.split(","))):
        try:
            yield date.fromisoformat(item)
        except ValueError:
            raise OfficeHoursError(f"HANDOFF_HOLIDAYS: {item!r} is not a YYYY-MM-DD date") from None


def _clock_time(value: time) -> str:
    if value == time.max:
        return "24:00"
    return f"{value.hour}:{value.minute:02d}"
