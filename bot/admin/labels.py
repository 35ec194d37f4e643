"""Polish names of everything the panel shows: topics, scopes, statuses, fields, roles."""

from __future__ import annotations

from typing import get_args

from knowledge_base.content_format import Topic

TOPICS: dict[str, str] = {
    "nabor": "Nabór",
    "terminy": "Terminy",
    "kwoty": "Kwoty i dofinansowanie",
    "uprawnieni": "Kto może składać",
    "dokumenty": "Dokumenty i składanie",
    "ocena": "Ocena wniosków",
    "protest": "Protest",
    "koszty": "Koszty kwalifikowalne",
    "innowacje": "Innowacje społeczne",
    "lgd": "LGD",
    "kontakt": "Kontakt",
    "wydarzenia": "Wydarzenia",
    "programy": "Inne programy",
}
TOPIC_VALUES: tuple[str, ...] = get_args(Topic)

SCOPES = {
    "torun": "Toruń — nasz nabór",
    "analogia": "Analogia — przykład z innej LGD",
    "ogolne": "Ogólne — prawo, wytyczne",
}
CALL_SCOPES = {key: SCOPES[key] for key in ("torun", "analogia")}
STATUSES = {
    "answered": "Odpowiedź znana",
    "unknown": "Niewiadoma — baza wie, że nie wie",
}
KINDS = {"faq": "Pytanie (FAQ)", "guidance": "Artykuł (poradnik)", "call": "Nabór"}
ACTIONS = {"create": "utworzenie", "update": "zmiana", "delete": "usunięcie"}
CALL_STATUSES = {
    "planned": "planowany",
    "open": "trwa",
    "closed": "zamknięty",
    "cancelled": "odwołany",
    "unknown": "nieznany",
}
STATUS_OVERRIDES = {
    "": "— wylicz z dat —",
    "planned": "planowany",
    "open": "trwa",
    "closed": "zamknięty",
    "cancelled": "odwołany",
}
ROLES = {
    "editor": "Redaktor (baza wiedzy)",
    "coordinator": "Koordynator (rozmowy)",
    "admin": "Administrator (wszystko)",
}
BANDS = {
    "answer": "Odpowie",
    "suggest": "Zapyta „Czy chodziło o…”",
    "dont_know": "Nie wie — zaproponuje koordynatora",
}
OUTCOMES = {
    "answered": "odpowiedział",
    "unknown": "niewiadoma",
    "suggested": "dopytał",
    "dont_know": "nie wiedział",
    "not_understood": "nie zrozumiał",
    "handoff": "przekazał koordynatorowi",
}
REASONS = {
    "dont_know": "nie wiedział",
    "suggest_rejected": "odrzucone podpowiedzi",
    "unhelpful": "odpowiedź nieprzydatna",
}
HANDOFF_STATUSES = {
    "new": "nowe",
    "taken": "w toku",
    "answered": "z odpowiedzią",
    "closed": "zamknięte",
}
HANDOFF_REASONS = {
    "asked": "poprosił o kontakt",
    "unknown_accepted": "brak odpowiedzi w bazie",
    "misunderstood": "asystent nie zrozumiał",
    "complex_case": "złożona sprawa",
}
CHANNELS = {"telegram": "Telegram", "messenger": "Messenger", "web": "czat na stronie"}

FIELDS: dict[str, str] = {
    "id": "Identyfikator",
    "code": "Kod naboru",
    "name": "Nazwa",
    "topic": "Temat",
    "scope": "Zakres",
    "status": "Status",
    "question": "Pytanie",
    "title": "Tytuł",
    "phrasings": "Inne sformułowania",
    "keywords": "Słowa kluczowe",
    "answer": "Odpowiedź",
    "body": "Treść",
    "call": "Nabór",
    "source": "Źródło",
    "info_date": "Data informacji",
    "organiser": "Organizator",
    "programme": "Program",
    "measure": "Działanie",
    "project_type": "Typ projektu",
    "status_override": "Status ustawiony ręcznie",
    "opens_at": "Początek naboru",
    "closes_at": "Koniec naboru",
    "pool_pln": "Pula środków",
    "min_amount_pln": "Kwota minimalna",
    "max_amount_pln": "Kwota maksymalna",
    "cofinancing": "Dofinansowanie i wkład własny",
    "duration": "Czas trwania projektu",
    "submission": "Sposób składania",
    "eligible": "Kto może składać",
    "attachments": "Załączniki",
    "scoring": "Ocena i karta oceny",
}


def topic_label(value: str | None) -> str:
    if not value:
        return "bez tematu"
    return TOPICS.get(value, value)
