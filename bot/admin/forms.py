"""Staff forms ⇄ content records: parse what was typed, and say in Polish what is wrong where.

Records are validated by the same models as `kb import` (knowledge_base.content_format), so a
form accepts exactly what a content file would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from knowledge_base.content_format import CallRecord, FaqRecord, GuidanceRecord
from knowledge_base.service import normalise_question

WARSAW = ZoneInfo("Europe/Warsaw")
MAX_SLUG_CHARS = 60
AMOUNT_FIELDS = ("pool_pln", "min_amount_pln", "max_amount_pln")
DATETIME_FIELDS = ("opens_at", "closes_at")
CALL_TEXT_FIELDS = (
    "name",
    "organiser",
    "programme",
    "measure",
    "project_type",
    "cofinancing",
    "duration",
    "submission",
    "eligible",
    "attachments",
    "scoring",
    "source",
)

REQUIRED: dict[str, str] = {
    "id": "Podaj identyfikator.",
    "code": "Podaj kod naboru, np. RPKP.11.01.00-04-0001/22.",
    "name": "Podaj nazwę naboru.",
    "topic": "Wybierz temat z listy.",
    "scope": "Wybierz zakres z listy.",
    "status": "Wybierz status z listy.",
    "question": "Wpisz pytanie.",
    "title": "Wpisz tytuł artykułu.",
    "answer": "Wpisz odpowiedź. Przy niewiadomej napisz, czego nie wiadomo i co zrobić.",
    "body": "Wpisz treść artykułu.",
    "source": (
        "Podaj źródło informacji: adres strony albo nazwę dokumentu, z którego pochodzi treść."
    ),
    "info_date": "Podaj datę informacji — kiedy ta informacja była aktualna (np. 2023-05-09).",
}

R = TypeVar("R", bound=BaseModel)

# The order fields appear in on the forms, so the error summary reads top to bottom.
FORM_ORDER = (
    "__all__", "code", "name", "question", "answer", "status", "title", "body", "phrasings",
    "keywords", "topic", "scope", "call", "organiser", "programme", "measure", "project_type",
    "opens_at", "closes_at", "status_override", "pool_pln", "min_amount_pln", "max_amount_pln",
    "cofinancing", "eligible", "duration", "submission", "attachments", "scoring", "source",
    "info_date", "id",
)  # fmt: skip


def in_form_order(errors: Mapping[str, str]) -> dict[str, str]:
    rank = {name: index for index, name in enumerate(FORM_ORDER)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank))))


@dataclass
class FormResult(Generic[R]):
    """A parsed form: the record when valid, else messages per field (and the values typed)."""

    values: dict[str, str]
    record: R | None = None
    errors: dict[str, str] = field(default_factory=dict)


def split_lines(text: str) -> list[str]:
    """One item per line; blank lines and surrounding spaces dropped, duplicates kept once."""
    items = [line.strip() for line in text.splitlines()]
    return list(dict.fromkeys(item for item in items if item))


def split_keywords(text: str) -> list[str]:
    """Keywords one per line or separated by commas."""
    items = [part.strip() for part in re.split(r"[\n,;]", text)]
    return list(dict.fromkeys(item for item in items if item))


def slug_from(text: str, taken: set[str]) -> str:
    """A free id from a question: `jak-zlozyc-protest`, then `-2`, `-3`… if taken."""
    words = normalise_question(text).replace("_", " ").split()
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_SLUG_CHARS:
            break
        slug = candidate
    slug = re.sub(r"[^a-z0-9-]", "", slug).strip("-") or "wpis"
    unique, number = slug, 2
    while unique in taken:
        unique, number = f"{slug}-{number}", number + 1
    return unique


def _message(error: ErrorDetails, name: str) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind.startswith("kb_"):
        text = error["msg"]
        if text.startswith(f"{name}: "):
            text = text[len(name) + 2 :]
        return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
    if kind == "too_short" and name == "phrasings":
        return (
            "Podaj co najmniej 3 inne sformułowania pytania, każde w osobnym wierszu "
            f"(teraz: {ctx.get('actual_length', 0)})."
        )
    if kind in ("missing", "string_too_short"):
        return REQUIRED.get(name, "To pole jest wymagane.")
    if kind in ("literal_error", "enum"):
        return "Wybierz wartość z listy."
    if kind == "string_too_long":
        return f"Za długi tekst (najwyżej {ctx.get('max_length')} znaków)."
    return "Nieprawidłowa wartość."


def errors_of(exc: ValidationError) -> dict[str, str]:
    """Polish messages by form field; a check across fields names its field first."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [part for part in error["loc"] if isinstance(part, str)]
        name = loc[0] if loc else ""
        if not name and ": " in error["msg"]:
            name = error["msg"].split(": ", 1)[0]
        errors.setdefault(name or "__all__", _message(error, name))
    return errors


def _validate(model: type[R], data: Mapping[str, Any], values: dict[str, str]) -> FormResult[R]:
    try:
        return FormResult(values=values, record=model.model_validate(dict(data)))
    except ValidationError as exc:
        return FormResult(values=values, errors=errors_of(exc))


# --- FAQ and guidance -------------------------------------------------------------------------


def _document_values(form: Mapping[str, str], text_fields: tuple[str, ...]) -> dict[str, str]:
    names = ("id", "topic", "scope", *text_fields, "phrasings", "keywords", "source", "info_date")
    return {name: form.get(name, "") for name in names}


def parse_faq(form: Mapping[str, str], *, entry_id: str) -> FormResult[FaqRecord]:
    values = _document_values(form, ("status", "question", "answer", "call"))
    values["id"] = entry_id
    data: dict[str, Any] = {
        **{k: v.strip() for k, v in values.items() if k not in ("phrasings", "keywords")},
        "phrasings": split_lines(values["phrasings"]),
        "keywords": split_keywords(values["keywords"]),
        "call": values["call"].strip() or None,
    }
    data = {k: v for k, v in data.items() if v != ""}
    return _validate(FaqRecord, data, values)


def parse_guidance(form: Mapping[str, str], *, entry_id: str) -> FormResult[GuidanceRecord]:
    values = _document_values(form, ("title", "body"))
    values["id"] = entry_id
    data: dict[str, Any] = {
        **{k: v.strip() for k, v in values.items() if k not in ("phrasings", "keywords")},
        "phrasings": split_lines(values["phrasings"]),
        "keywords": split_keywords(values["keywords"]),
    }
    data = {k: v for k, v in data.items() if v != ""}
    return _validate(GuidanceRecord, data, values)


def faq_values(record: FaqRecord) -> dict[str, str]:
    return {
        "id": record.id,
        "topic": record.topic,
        "scope": record.scope.value,
        "status": record.status.value,
        "question": record.question,
        "answer": record.answer,
        "call": record.call or "",
        "phrasings": "\n".join(record.phrasings),
        "keywords": "\n".join(record.keywords),
        "source": record.source,
        "info_date": record.info_date.isoformat(),
    }


def guidance_values(record: GuidanceRecord) -> dict[str, str]:
    return {
        "id": record.id,
        "topic": record.topic,
        "scope": record.scope.value,
        "title": record.title,
        "body": record.body,
        "phrasings": "\n".join(record.phrasings),
        "keywords": "\n".join(record.keywords),
        "source": record.source,
        "info_date": record.info_date.isoformat(),
    }


# --- calls ------------------------------------------------------------------------------------


def parse_amount(text: str) -> Decimal | None:
    """`650 000`, `50000,50`, `1 234,5 zł` → Decimal; blank → None (unknown); else ValueError."""
    cleaned = re.sub(r"(?i)\s|\u00a0|zł|pln", "", text).replace(",", ".")
    if not cleaned:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(text) from None


def parse_call(form: Mapping[str, str], *, code: str) -> FormResult[CallRecord]:
    names = ("code", "scope", "status_override", *CALL_TEXT_FIELDS, *DATETIME_FIELDS)
    values = {name: form.get(name, "") for name in (*names, *AMOUNT_FIELDS, "info_date")}
    values["code"] = code
    data: dict[str, Any] = {name: values[name].strip() or None for name in names}
    data["info_date"] = values["info_date"].strip() or None
    errors: dict[str, str] = {}
    for name in AMOUNT_FIELDS:
        try:
            data[name] = parse_amount(values[name])
        except ValueError:
            errors[name] = (
                "Podaj kwotę w złotych liczbą, np. 650000 albo 1234,50 (puste = nieznane)."
            )
    result = _validate(CallRecord, {k: v for k, v in data.items() if v is not None}, values)
    result.errors = {**result.errors, **errors}
    if errors:
        result.record = None
    return result


def _local_input(moment: datetime | None) -> str:
    return moment.astimezone(WARSAW).strftime("%Y-%m-%dT%H:%M") if moment is not None else ""


def _amount_input(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.2f}".replace(".", ",")


def call_values(record: CallRecord) -> dict[str, str]:
    values = {name: getattr(record, name) or "" for name in CALL_TEXT_FIELDS}
    values.update(
        code=record.code,
        scope=record.scope or "",
        status_override=record.status_override or "",
        opens_at=_local_input(record.opens_at),
        closes_at=_local_input(record.closes_at),
        info_date=record.info_date.isoformat(),
    )
    for name in AMOUNT_FIELDS:
        values[name] = _amount_input(getattr(record, name))
    return values
