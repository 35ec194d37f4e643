"""What the panel's tests share: the served app, a fixed clock, and browser-like form helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts
from bot.admin.models import Role
from bot.admin.router import admin_router
from bot.assistant import ScriptedAssistant
from bot.handoff.models import Reason
from bot.handoff.service import HandoffService, turn
from bot.settings import load_settings
from bot.web.app import create_app
from knowledge_base import repository
from knowledge_base.answering import Answerer
from knowledge_base.models import UnansweredReason
from knowledge_base.service import KnowledgeService, normalise_question

REPO = Path(__file__).resolve().parents[2]
KB_FILES = [
    REPO / "tests" / "data" / "kb" / name
    for name in ("calls.yml", "faq.yml", "guidance.yml", "faq.csv")
]
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday, office hours in Warsaw
PASSWORD = "dobre-haslo-123"
USERS = {"ala": Role.EDITOR, "kuba": Role.COORDINATOR, "root": Role.ADMIN}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]*)"')


class FakeClock:
    """`now` for the panel and the hand-off; tests move it instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Panel:
    """The served app and what a test needs to look behind it."""

    base_url: str
    app: FastAPI
    sessions: sessionmaker[Session]
    knowledge: KnowledgeService
    clock: FakeClock
    handoff: HandoffService | None

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=10)

    def login(self, login: str = "ala", password: str = PASSWORD) -> httpx.Client:
        client = self.client()
        response = submit(client, "/admin/login", {"login": login, "password": password})
        assert response.status_code == 303, response.text
        return client


def csrf_of(client: httpx.Client, path: str) -> str:
    """The CSRF token of the form on `path` (as a browser would have it)."""
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    match = CSRF_RE.search(page.text)
    assert match is not None, f"no CSRF token on {path}"
    return match.group(1)


def submit(
    client: httpx.Client,
    path: str,
    data: dict[str, Any],
    *,
    form_page: str | None = None,
    files: dict[str, Any] | None = None,
) -> httpx.Response:
    """POST a form the way the panel's own page would (with the page's CSRF token)."""
    token = csrf_of(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, files=files)


def add_users(sessions: sessionmaker[Session], now: datetime) -> None:
    with sessions.begin() as db:
        for login, role in USERS.items():
            accounts.add_user(
                db,
                login=login,
                password=PASSWORD,
                role=role,
                display_name=login.capitalize() + " Testowa",
                now=now,
            )


def build_app(
    sessions: sessionmaker[Session],
    knowledge: KnowledgeService | None,
    clock: FakeClock,
    handoff: HandoffService | None,
    **options: Any,
) -> FastAPI:
    """The real web app with the panel included, as the lead wires it in create_app."""
    settings = load_settings(
        env_file=None, environment="test", secret_key="test-secret-" + "x" * 24
    )
    app = create_app(settings, ScriptedAssistant())
    app.include_router(admin_router(settings, sessions, knowledge, handoff, clock=clock, **options))
    return app


class _FormReader(HTMLParser):
    """Field values of the first <form action=...> on a page, as a browser would submit them."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.done = False
        self.fields: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = not self.done and a.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") != "file":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea or ""] = ""
        elif tag == "select":
            self._select = a.get("name")
            self.fields.setdefault(self._select or "", "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.done = self.done or self.inside
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self.inside and self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, action: str) -> dict[str, str]:
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"no form with action={action}"
    return reader.fields


def edit(
    client: httpx.Client, path: str, *, action: str | None = None, **changes: str
) -> httpx.Response:
    """Open the edit form at `path`, change some fields, and submit it like a browser."""
    fields = form_fields(client.get(path).text, action or path)
    fields.update(changes)
    return client.post(action or path, data=fields)


NEW_FAQ_FIELDS = {
    "answer": "Tak, jeśli działa na rzecz mieszkańców Torunia.",
    "status": "answered",
    "topic": "uprawnieni",
    "scope": "torun",
    "source": "Regulamin konkursu, § 2",
    "info_date": "2023-05-09",
}


def answer(panel: Panel, text: str) -> str:
    """What the assistant answers now, in-process (the same service the bot answers from)."""
    answerer = Answerer(panel.knowledge, clock=lambda: datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    reply = answerer.answer(
        text, topic_hint=None, last_entry_id=None, misunderstandings_before=0, sender_id="test:1"
    )
    return reply.text


def open_request(panel: Panel) -> int:
    """A hand-off request from a web-chat applicant, as the assistant would open it."""
    assert panel.handoff is not None
    with panel.sessions.begin() as db:
        opened = panel.handoff.open_request(
            db,
            sender_id="web:sesja-testowa-1",
            reason=Reason.UNKNOWN_ACCEPTED,
            transcript=[
                turn("user", "Czy fundacja z Bydgoszczy może złożyć wniosek?"),
                turn("bot", "Nie znalazłem odpowiedzi…"),
            ],
            organisation="Fundacja Przykład",
            contact="anna@example.org",
        )
        return opened.request.id


QUESTIONS = [
    ("Czy fundacja z Bydgoszczy może złożyć wniosek?", "dont_know"),
    ("czy fundacja z bydgoszczy moze zlozyc wniosek", "dont_know"),
    ("Fundacja z Bydgoszczy — może złożyć wniosek?", "unhelpful"),
    ("Ile kosztuje wynajem sali na spotkanie?", "dont_know"),
    ("Czy spółdzielnia socjalna może być partnerem?", "suggest_rejected"),
]


def add_questions(
    sessions: sessionmaker[Session], questions: list[tuple[str, str]] = QUESTIONS
) -> list[int]:
    """Unanswered questions a minute apart (oldest first), from two senders."""
    ids = []
    base = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    with sessions.begin() as db:
        for minutes, (text, reason) in enumerate(questions):
            row = repository.add_unanswered(
                db,
                text=text,
                normalised_text=normalise_question(text),
                sender_hash=f"s{minutes % 2}",
                reason=UnansweredReason(reason),
            )
            row.created_at = base + timedelta(minutes=minutes)
            ids.append(row.id)
    return ids
