"""Login throttling: 5 failures per login and IP in 15 minutes, then 429 until the window passes."""

from __future__ import annotations

from bot.admin.models import LoginAttempt
from tests.admin.helpers import PASSWORD, Panel, submit


def attempt(panel: Panel, password: str, login: str = "ala"):
    return submit(panel.client(), "/admin/login", {"login": login, "password": password})


def test_sixth_attempt_is_refused_even_with_the_right_password(panel: Panel) -> None:
    for _ in range(5):
        response = attempt(panel, "zle-haslo")
        assert response.status_code == 401
        assert "Nieprawidłowy login lub hasło" in response.text
    refused = attempt(panel, PASSWORD)
    assert refused.status_code == 429
    assert "Zbyt wiele nieudanych prób logowania" in refused.text
    assert "spróbuj ponownie za 15 min" in refused.text
    assert refused.headers["retry-after"] == "900"

    panel.clock.advance(minutes=14, seconds=59)
    assert attempt(panel, PASSWORD).status_code == 429
    panel.clock.advance(seconds=2)
    assert attempt(panel, PASSWORD).status_code == 303


def test_throttling_is_per_login(panel: Panel) -> None:
    for _ in range(5):
        attempt(panel, "zle-haslo", login="ala")
    assert attempt(panel, PASSWORD, login="ala").status_code == 429
    assert attempt(panel, PASSWORD, login="root").status_code == 303


def test_unknown_logins_are_throttled_the_same_way(panel: Panel) -> None:
    for _ in range(5):
        assert attempt(panel, "cokolwiek", login="nie-ma-mnie").status_code == 401
    assert attempt(panel, "cokolwiek", login="nie-ma-mnie").status_code == 429


def test_a_success_resets_the_count(panel: Panel) -> None:
    for _ in range(4):
        attempt(panel, "zle-haslo")
    assert attempt(panel, PASSWORD).status_code == 303
    for _ in range(4):
        assert attempt(panel, "zle-haslo").status_code == 401
    assert attempt(panel, PASSWORD).status_code == 303


def test_attempts_are_recorded_without_passwords(panel: Panel) -> None:
    attempt(panel, "tajne-zle-haslo", login="Ala ")
    with panel.sessions() as db:
        rows = db.query(LoginAttempt).all()
    assert [(r.login, r.ip, r.success) for r in rows] == [("ala", "127.0.0.1", False)]
    assert all("tajne" not in str(vars(r)) for r in rows)
