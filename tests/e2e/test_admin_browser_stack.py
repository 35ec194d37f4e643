"""Issue 8 against the whole stack: the staff panel in headless Chromium on the same database as
the running action server, and the answers checked over Rasa's REST channel.

The panel is the real web app (``create_app`` with the panel on, as bot/web/main.py wires it)
served on loopback; the staff account is made by the real account code. Nothing polls: the
panel commits before it shows its confirmation, and the action server compares the KB
revision on every question, so the next message to Rasa must already use the change.

The entries used here (``ogolne-cross-financing`` and a new one about renting a room) are not
asked about by other e2e tests; the edit is reverted by the test and the new entry is deleted
at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts
from bot.admin.models import Role
from bot.settings import kb_thresholds, load_settings
from bot.web.app import create_app
from knowledge_base import repository
from knowledge_base.db import make_engine, make_session_factory
from knowledge_base.retrieval import Retriever
from knowledge_base.service import KnowledgeService
from tests.support.browser import screenshot
from tests.support.processes import RunningProcess
from tests.support.server import serve_app
from tests.support.stack import RestUser

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LOGIN = "redaktor-e2e"
PASSWORD = "dobre-haslo-e2e-456"

EDITED_QUESTION = "Co to jest cross-financing i ile można na niego przeznaczyć?"
ASK_EDITED = "czym jest cross-financing?"
ORIGINAL_MARK = "Cross-financing pozwala sfinansować w projekcie EFS"
NEW_ANSWER = "Cross-financing to do 10% wydatków projektu EFS na sprzęt i drobne remonty (P8-01)."

# In the domain (NLU: ask_costs) but not in the base: the knowledge base says "nie wiem".
UNKNOWN_QUESTION = "Jakie ubezpieczenie wykupić dla uczestników projektu?"
NEW_ENTRY_ID = "jakie-ubezpieczenie-wykupic-dla-uczestnikow-projektu"
NEW_ENTRY_ANSWER = "Ubezpieczenie NNW uczestników można ująć w budżecie projektu (P8-02)."
NEW_ENTRY_SOURCE = "Regulamin konkursu, § 9"
DONT_KNOW = "Nie znalazłem odpowiedzi na to pytanie w bazie wiedzy"


@pytest.fixture(scope="module")
def kb_sessions(e2e_database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(e2e_database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def panel_url(
    e2e_rasa: RunningProcess, e2e_database_url: str, kb_sessions: sessionmaker[Session]
) -> Iterator[str]:
    """The web app with the staff panel on the action server's database, and an editor."""
    settings = load_settings(
        env_file=None,
        environment="test",
        secret_key="e2e-panel-secret-" + "x" * 24,
        database_url=e2e_database_url,
        rasa_url=e2e_rasa.url,
    )
    with kb_sessions.begin() as db:
        if accounts.find_user(db, login=LOGIN) is None:
            accounts.add_user(
                db,
                login=LOGIN,
                password=PASSWORD,
                role=Role.EDITOR,
                display_name="Redaktor E2E",
                now=datetime.now(UTC),
            )
    knowledge = KnowledgeService(kb_sessions, Retriever, kb_thresholds(settings))
    app = create_app(settings, kb_sessions=kb_sessions, knowledge=knowledge)
    with serve_app(app) as base_url:
        yield base_url


@pytest.fixture
def new_entry_removed(kb_sessions: sessionmaker[Session]) -> Iterator[None]:
    """Leave the shared e2e base as it was: delete the entry the test creates."""
    yield
    with kb_sessions.begin() as db:
        repository.delete_faq(db, entry_id=NEW_ENTRY_ID, who="e2e-cleanup")


def log_in(page: Page, panel_url: str) -> None:
    page.goto(f"{panel_url}/admin/login")
    page.get_by_label("Login").fill(LOGIN)
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("heading", name="Pulpit")).to_be_visible()


def test_faq_edit_reaches_rasa_and_revert_brings_the_old_answer_back(
    panel_url: str, browser_page: Page, user: RestUser
) -> None:
    before = user.say(ASK_EDITED)
    assert ORIGINAL_MARK in before
    page = browser_page
    log_in(page, panel_url)
    page.get_by_role("navigation", name="Menu panelu").get_by_role(
        "link", name="Baza wiedzy"
    ).click()
    page.get_by_label("Szukaj w treści").fill("cross-financing")
    page.get_by_role("button", name="Filtruj").click()
    page.get_by_role("link", name=EDITED_QUESTION).click()

    page.get_by_label("Odpowiedź", exact=False).first.fill(NEW_ANSWER)
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_role("status").first).to_contain_text("Zapisano")
    screenshot(page, "stack-faq-edited", full_page=True)

    edited = user.say(ASK_EDITED)
    assert NEW_ANSWER in edited
    assert ORIGINAL_MARK not in edited
    assert "Źródło: https://funduszeuedlamazowsza.eu/" in edited

    page.get_by_role("link", name="Cała historia wpisu").click()
    expect(page.get_by_role("heading", name="Historia zmian")).to_be_visible()
    the_edit = page.locator("li.change").filter(has_text=NEW_ANSWER)
    expect(the_edit).to_have_count(1)
    the_edit.get_by_role("button", name="Cofnij tę zmianę").click()
    expect(page.get_by_role("status").first).to_contain_text("Cofnięto zmianę")
    screenshot(page, "stack-faq-reverted", full_page=True)

    reverted = user.say(ASK_EDITED)
    assert ORIGINAL_MARK in reverted
    assert NEW_ANSWER not in reverted


def test_entry_created_from_an_unanswered_question_is_answered_by_rasa(
    panel_url: str,
    browser_page: Page,
    user: RestUser,
    kb_sessions: sessionmaker[Session],
    new_entry_removed: None,
) -> None:
    # The action server records the question before it replies: it is on the list at once.
    assert DONT_KNOW in user.say(UNKNOWN_QUESTION)
    page = browser_page
    log_in(page, panel_url)
    page.get_by_role("link", name="Pytania bez odpowiedzi").first.click()
    group = page.locator("li.group").filter(has_text=UNKNOWN_QUESTION)
    expect(group).to_have_count(1)
    screenshot(page, "stack-unanswered", full_page=True)

    group.get_by_role("link", name="Utwórz wpis FAQ").click()
    expect(page.locator("#f-question")).to_have_value(UNKNOWN_QUESTION)
    page.get_by_label("Odpowiedź", exact=False).first.fill(NEW_ENTRY_ANSWER)
    phrasings = page.get_by_label("Inne sformułowania pytania")
    phrasings.fill(
        phrasings.input_value()
        + "\nubezpieczenie uczestnikow projektu\nczy trzeba ubezpieczyc uczestnikow\npolisa NNW"
    )
    page.get_by_label("Temat").select_option("koszty")
    page.get_by_label("Zakres").select_option("torun")
    page.get_by_label("Źródło").fill(NEW_ENTRY_SOURCE)
    page.get_by_label("Data informacji").fill("2023-05-09")
    page.get_by_role("button", name="Dodaj").click()
    expect(page.get_by_role("status").first).to_contain_text("Dodano wpis")
    screenshot(page, "stack-faq-created", full_page=True)
    with kb_sessions() as db:
        assert repository.get_faq(db, entry_id=NEW_ENTRY_ID) is not None

    reply = user.say(UNKNOWN_QUESTION)
    assert NEW_ENTRY_ANSWER in reply
    assert f"Źródło: {NEW_ENTRY_SOURCE}" in reply
    page.get_by_role("link", name="Pytania bez odpowiedzi").first.click()
    expect(page.locator("li.group").filter(has_text=UNKNOWN_QUESTION)).to_have_count(0)
