"""The panel in headless Chromium: log in, edit an answer and see the assistant use it, revert,
write an entry from an unanswered question; screenshots of the main pages for review.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.admin.queries import log_question
from knowledge_base import repository
from tests.admin.helpers import PASSWORD, Panel, add_questions, answer, open_request
from tests.support.browser import open_page, screenshot

pytestmark = pytest.mark.browser

NEW_ANSWER = "Zadzwoń do biura LGD: 56 000 00 00 (pon.–pt. 8–16)."


def log_in(page: Page, panel: Panel, login: str = "ala", *, shot: bool = False) -> None:
    page.goto(f"{panel.base_url}/admin/login")
    expect(page.get_by_role("heading", name="Logowanie do panelu")).to_be_visible()
    page.get_by_label("Login").fill(login)
    page.get_by_label("Hasło").fill(PASSWORD)
    if shot:
        screenshot(page, "admin-login")
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()


def add_statistics(panel: Panel) -> None:
    """A month of questions and ratings, so the dashboard screenshot shows its charts."""
    now = panel.clock()
    outcomes = ("answered", "answered", "answered", "unknown", "suggested", "dont_know")
    topics = ("terminy", "kwoty", "uprawnieni", "kontakt", "terminy", "dokumenty")
    with panel.sessions.begin() as db:
        for day in range(30):
            for n in range(day % 7 + 2):
                log_question(
                    db,
                    sender_hash=f"s{n}",
                    outcome=outcomes[(day + n) % 6],
                    entry_id=None,
                    topic=topics[(day * n) % 6],
                    at=now - timedelta(days=day),
                )
        for n in range(9):
            repository.add_feedback(
                db, sender_hash=f"s{n}", entry_id="lgd-kontakt", useful=n % 4 != 0
            )


def test_edit_answer_is_used_at_once_and_can_be_reverted(panel: Panel, browser_page: Page) -> None:
    add_statistics(panel)
    page = browser_page
    log_in(page, panel, shot=True)
    screenshot(page, "admin-dashboard", full_page=True)

    page.get_by_role("navigation", name="Menu panelu").get_by_role(
        "link", name="Baza wiedzy"
    ).click()
    page.get_by_label("Szukaj w treści").fill("koordynatorem")
    page.get_by_role("button", name="Filtruj").click()
    expect(page.get_by_role("status")).to_contain_text("Znaleziono: 1")
    page.get_by_label("Szukaj w treści").fill("")
    page.get_by_role("button", name="Filtruj").click()
    screenshot(page, "admin-faq-list", full_page=True)

    page.get_by_role("link", name="Jak skontaktować się z koordynatorem?").click()
    page.get_by_label("Odpowiedź", exact=False).first.fill(NEW_ANSWER)
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_role("status").first).to_contain_text("Zapisano")
    screenshot(page, "admin-faq-edit", full_page=True)
    assert NEW_ANSWER in answer(panel, "telefon do koordynatora")

    page.get_by_role("button", name="Cofnij tę zmianę").first.click()
    expect(page.get_by_role("status").first).to_contain_text("Cofnięto zmianę")
    reply = answer(panel, "telefon do koordynatora")
    assert "Mariusz Godlejewski" in reply
    assert NEW_ANSWER not in reply


def test_create_entry_from_unanswered_question(panel: Panel, browser_page: Page) -> None:
    add_questions(panel.sessions)
    page = browser_page
    log_in(page, panel)
    page.get_by_role("link", name="Pytania bez odpowiedzi").first.click()
    expect(page.get_by_role("heading", name="Pytania bez odpowiedzi")).to_be_visible()
    screenshot(page, "admin-unanswered", full_page=True)

    group = page.locator("li.group").filter(has_text="Bydgoszczy")
    group.get_by_role("link", name="Utwórz wpis FAQ").click()
    expect(page.locator("#f-question")).to_have_value(
        "Fundacja z Bydgoszczy — może złożyć wniosek?"
    )
    page.get_by_role("button", name="Dodaj").click()
    expect(page.get_by_role("alert")).to_contain_text("Popraw zaznaczone pola")
    expect(page.locator("#error-source")).to_contain_text("Podaj źródło informacji")
    screenshot(page, "admin-faq-new-errors", full_page=True)

    page.get_by_label("Odpowiedź", exact=False).first.fill(
        "Tak, jeśli projekt jest skierowany do mieszkańców Torunia."
    )
    phrasings = page.get_by_label("Inne sformułowania pytania")
    phrasings.fill(
        phrasings.input_value() + "\nfundacja spoza torunia\norganizacja z innego miasta"
    )
    page.get_by_label("Temat").select_option("uprawnieni")
    page.get_by_label("Źródło").fill("Regulamin konkursu, § 2")
    page.get_by_label("Data informacji").fill("2023-05-09")
    page.get_by_role("button", name="Dodaj").click()
    expect(page.get_by_role("status").first).to_contain_text("Dodano wpis")
    with panel.sessions() as db:
        assert repository.get_faq(db, entry_id="fundacja-z-bydgoszczy-moze-zlozyc-wniosek")
    assert "mieszkańców Torunia" in answer(panel, "czy fundacja spoza torunia moze zlozyc wniosek")
    page.get_by_role("link", name="Pytania bez odpowiedzi").first.click()
    expect(page.locator("li.group").filter(has_text="Bydgoszczy")).to_have_count(0)


def test_screenshots_of_the_other_pages(
    panel: Panel, browser_page: Page, chromium: Browser
) -> None:
    number = open_request(panel)
    page = browser_page
    log_in(page, panel, "root")
    page.goto(f"{panel.base_url}/admin/calls")
    expect(page.get_by_role("heading", name="Nabory")).to_be_visible()
    expect(page.locator("span.unknown").first).to_have_text("nieznane")
    screenshot(page, "admin-calls", full_page=True)

    page.goto(f"{panel.base_url}/admin/handoff")
    page.get_by_role("link", name="Z-0001").click()
    screenshot(page, "admin-handoff", full_page=True)
    page.get_by_label("Treść odpowiedzi").fill("Dzień dobry, tak — zapraszamy do złożenia wniosku.")
    page.get_by_role("button", name="Wyślij odpowiedź").click()
    expect(page.get_by_role("status").first).to_contain_text("Odpowiedź została wysłana")
    assert f"/admin/handoff/{number}" in page.url

    page.goto(f"{panel.base_url}/admin/import")
    page.get_by_label("Plik (.yml, .yaml, .csv; do 2 MB)").set_input_files(
        files={
            "name": "pytania.yml",
            "mimeType": "text/yaml",
            "buffer": b"faq:\n  - id: x\n    topic: pogoda\n",
        }
    )
    page.get_by_role("button", name="Sprawdź plik").click()
    expect(page.get_by_role("alert")).to_contain_text("nic nie zostało zapisane")
    screenshot(page, "admin-import", full_page=True)

    page.goto(f"{panel.base_url}/admin/check?q=do+kiedy+wnioski")
    screenshot(page, "admin-check", full_page=True)

    with open_page(chromium, phone=True) as phone:
        log_in(phone, panel, "root")
        phone.goto(f"{panel.base_url}/admin/faq")
        screenshot(phone, "admin-faq-list-phone", full_page=False)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "no sideways scrolling on a phone"
