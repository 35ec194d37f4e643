"""Jinja2 templates of the panel (autoescaped) and the Polish formatting filters they use."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from knowledge_base.calls import polish_date

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
UNKNOWN = Markup('<span class="unknown">nieznane</span>')


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def format_datetime(moment: datetime | None, tz: ZoneInfo) -> str:
    """`25.11.2026, 14:05` in the panel's time zone."""
    if moment is None:
        return "—"
    return _local(moment, tz).strftime("%d.%m.%Y, %H:%M")


def format_money(value: Decimal | int | float | None) -> Markup | str:
    """`650 000 zł`, `50 000,50 zł`, or an explicit „nieznane”."""
    if value is None:
        return UNKNOWN
    amount = Decimal(str(value))
    whole, _, cents = f"{amount:,.2f}".partition(".")
    whole = whole.replace(",", "\u00a0")
    return f"{whole}\u00a0zł" if cents == "00" else f"{whole},{cents}\u00a0zł"


def or_unknown(value: Any) -> Any:
    """The value, or an explicit „nieznane” for a known unknown (never a blank cell)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return UNKNOWN
    return value


def format_date(value: date | None) -> Markup | str:
    return UNKNOWN if value is None else polish_date(value)


def build_environment(tz: ZoneInfo) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = lambda moment: format_datetime(moment, tz)
    env.filters["money"] = format_money
    env.filters["or_unknown"] = or_unknown
    env.filters["pldate"] = format_date
    return env
