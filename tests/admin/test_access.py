"""Who may see what: login required everywhere, CSRF on every POST, roles, cookie and headers."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts
from bot.admin.router import admin_router
from bot.settings import load_settings
from knowledge_base import repository
from tests.admin.helpers import PASSWORD, FakeClock, Panel, csrf_of, open_request, submit

SAMPLE_PARAMS = {"entry_id": "lgd-kontakt", "change_id": "1", "number": "1", "user_id": "1"}
PUBLIC = {("GET", "/admin/login"), ("POST", "/admin/login")}


def admin_routes(panel: Panel) -> list[tuple[str, str]]:
    """(method, concrete path) of every route of the panel's router, built afresh."""
    settings = load_settings(env_file=None, environment="test")
    router = admin_router(settings, panel.sessions, panel.knowledge, panel.handoff)
    found: list[tuple[str, str]] = []
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], route.path)
        found.extend((method, path) for method in sorted(route.methods or ()))
    assert len(found) >= 30
    return found


def answer_of(sessions: sessionmaker[Session], entry_id: str) -> str:
    with sessions() as db:
        row = repository.get_faq(db, entry_id=entry_id)
        assert row is not None
        return row.answer


def test_every_admin_url_refuses_anonymous(panel: Panel) -> None:
    client = panel.client()
    for method, path in admin_routes(panel):
        if (method, path) in PUBLIC:
            continue
        response = client.request(method, path, data={"x": "1"} if method == "POST" else None)
        assert response.status_code in (303, 401, 403), (method, path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/admin/login?next="), path
        assert "Koordynator: Mariusz" not in response.text


def test_login_page_and_static_are_public(panel: Panel) -> None:
    client = panel.client()
    page = client.get("/admin/login")
    assert page.status_code == 200
    assert "Logowanie do panelu" in page.text
    assert client.get("/admin/static/admin.css").status_code == 200


def test_every_post_without_or_with_wrong_csrf_is_refused(panel: Panel) -> None:
    admin = panel.login("root")
    other = panel.login("ala")
    foreign_token = csrf_of(other, "/admin/")
    for method, path in admin_routes(panel):
        if method != "POST":
            continue
        for token in (None, "", "nonsense", foreign_token):
            data = {"text": "x"} if token is None else {"text": "x", "csrf_token": token}
            response = admin.post(path, data=data)
            assert response.status_code == 403, (path, token, response.status_code)
            assert "Nic nie zostało zmienione" in response.text


def test_csrf_refusal_changes_nothing(panel: Panel) -> None:
    client = panel.login("ala")
    before = answer_of(panel.sessions, "lgd-kontakt")
    page = client.get("/admin/faq/lgd-kontakt").text
    data = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    data.update(answer="Podmieniona odpowiedź", phrasings="a\nb\nc", csrf_token="zly-token")
    assert client.post("/admin/faq/lgd-kontakt", data=data).status_code == 403
    data.pop("csrf_token")
    assert client.post("/admin/faq/lgd-kontakt", data=data).status_code == 403
    assert client.post("/admin/faq/lgd-kontakt", json=data).status_code == 403
    assert answer_of(panel.sessions, "lgd-kontakt") == before


@pytest.mark.parametrize(
    ("login", "allowed", "refused"),
    [
        (
            "ala",
            ["/admin/", "/admin/faq", "/admin/calls", "/admin/import", "/admin/history"],
            ["/admin/handoff", "/admin/users"],
        ),
        (
            "kuba",
            ["/admin/", "/admin/handoff", "/admin/handoff/1"],
            ["/admin/faq", "/admin/calls", "/admin/unanswered", "/admin/export", "/admin/users"],
        ),
        ("root", ["/admin/faq", "/admin/handoff", "/admin/users", "/admin/export"], []),
    ],
)
def test_roles(panel: Panel, login: str, allowed: list[str], refused: list[str]) -> None:
    if login == "kuba":
        open_request(panel)
    client = panel.login(login)
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in refused:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Brak uprawnień" in response.text


def test_coordinator_cannot_post_to_the_knowledge_base(panel: Panel) -> None:
    client = panel.login("kuba")
    token = csrf_of(client, "/admin/")
    response = client.post("/admin/faq/lgd-kontakt/delete", data={"csrf_token": token})
    assert response.status_code == 403
    with panel.sessions() as db:
        assert repository.get_faq(db, entry_id="lgd-kontakt") is not None


def test_session_cookie_flags_and_headers(panel: Panel) -> None:
    client = panel.client()
    response = submit(client, "/admin/login", {"login": "ala", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/admin" in cookie
    assert "max-age=" in cookie
    assert "secure" not in cookie  # environment=test; production is checked below
    page = client.get("/admin/")
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-content-type-options"] == "nosniff"


async def test_cookie_is_secure_in_production(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    settings = load_settings(env_file=None, environment="production", secret_key="s" * 40)
    from fastapi import FastAPI

    app = FastAPI()
    app.include_router(admin_router(settings, sessions, clock=clock))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://panel.example") as client:
        page = await client.get("/admin/login")
    assert "secure" in page.headers["set-cookie"].lower()


def test_session_expires(panel: Panel) -> None:
    client = panel.login("ala")
    assert client.get("/admin/faq").status_code == 200
    panel.clock.advance(hours=10, seconds=1)
    response = client.get("/admin/faq")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%2Ffaq"


def test_new_password_or_disabled_account_ends_sessions(panel: Panel) -> None:
    client = panel.login("ala")
    with panel.sessions.begin() as db:
        user = accounts.find_user(db, login="ala")
        assert user is not None
        accounts.set_password(db, user=user, password="zupelnie-nowe-haslo")
    assert client.get("/admin/").status_code == 303
    client = panel.login("ala", "zupelnie-nowe-haslo")
    with panel.sessions.begin() as db:
        user = accounts.find_user(db, login="ala")
        assert user is not None
        accounts.set_active(db, user=user, active=False)
    assert client.get("/admin/").status_code == 303
    refused = submit(
        panel.client(), "/admin/login", {"login": "ala", "password": "zupelnie-nowe-haslo"}
    )
    assert refused.status_code == 401
    assert "Nieprawidłowy login lub hasło" in refused.text


def test_logout(panel: Panel) -> None:
    client = panel.login("ala")
    response = submit(client, "/admin/logout", {}, form_page="/admin/")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?ok=logged_out"
    assert client.get("/admin/").status_code == 303
    assert "Wylogowano" in client.get("/admin/login?ok=logged_out").text


def test_login_redirects_only_inside_the_panel(panel: Panel) -> None:
    for target, expected in (
        ("/admin/calls", "/admin/calls"),
        ("//evil.example/admin/", "/admin/"),
        ("https://evil.example/", "/admin/"),
        ("/admin/\\evil", "/admin/"),
    ):
        client = panel.client()
        token = csrf_of(client, "/admin/login")
        response = client.post(
            "/admin/login",
            data={"login": "ala", "password": PASSWORD, "next": target, "csrf_token": token},
        )
        assert response.headers["location"] == expected, target


def test_oversized_post_is_refused_before_it_is_read(panel: Panel) -> None:
    client = panel.login()
    token = csrf_of(client, "/admin/import")
    response = client.post(
        "/admin/import",
        data={"csrf_token": token},
        files={"file": ("duzy.yml", b"#" * (3 * 1024 * 1024 + 1), "text/yaml")},
    )
    assert response.status_code == 413
    assert "Przesłane dane są za duże" in response.text


def test_admin_without_slash_leads_to_the_panel(panel: Panel) -> None:
    response = panel.client().get("/admin")
    assert response.status_code in (301, 302, 303, 307, 308)
    assert response.headers["location"].endswith("/admin/")


def test_login_form_csrf_is_checked_too(panel: Panel) -> None:
    client = panel.client()
    client.get("/admin/login")
    response = client.post("/admin/login", data={"login": "ala", "password": PASSWORD})
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
