"""The chat page in headless chromium: typing, buttons, hostile answers, errors, phone layout."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from bot.assistant import UNAVAILABLE_TEXT, BotReply, ScriptedAssistant
from bot.web.chat import BAD_SESSION_TEXT, EMPTY_TEXT
from tests.support.browser import open_page, page_events, screenshot
from tests.support.server import serve_app
from tests.web.conftest import (
    DEADLINE_ANSWER,
    DEADLINE_BUTTONS,
    DOCUMENTS_ANSWER,
    HOSTILE_ANSWER,
    LINKS_ANSWER,
    chat_app,
    polish_answers,
)

pytestmark = pytest.mark.browser

SESSION_KEY = "asystent-naborow:session"
TOO_LONG = "Wiadomość jest za długa — skróć ją do 2000 znaków."


class GatedAssistant(ScriptedAssistant):
    """Answers only once the test opens the gate, so the waiting state can be observed."""

    def __init__(self) -> None:
        super().__init__(polish_answers)
        self.gate = threading.Event()

    async def ask(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[BotReply]:
        await asyncio.to_thread(self.gate.wait, 10)
        return await super().ask(sender_id, text, metadata)


def open_chat(page: Page, url: str) -> Locator:
    """Load the page, wait for the script to be ready, and return the question box."""
    page.goto(url)
    expect(page.locator("#composer")).to_have_attribute("data-ready", "true")
    return page.get_by_label("Twoje pytanie")


def ask(page: Page, box: Locator, text: str) -> Locator:
    """Type `text`, press Enter, and return the bot bubble that answers it."""
    answers_before = page.locator(".message--bot").count()
    box.fill(text)
    box.press("Enter")
    answer = page.locator(".message--bot").nth(answers_before)
    expect(answer).to_be_visible()
    return answer


def text_of(locator: Locator) -> str:
    """The exact textContent (expect() normalises whitespace; newlines matter here)."""
    return str(locator.evaluate("el => el.textContent"))


def session_of(page: Page) -> str:
    return str(page.evaluate(f"sessionStorage.getItem('{SESSION_KEY}')"))


def test_question_sent_with_enter_gets_the_answer(
    browser_page: Page, chat_app_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)
    expect(page).to_have_title("Asystent Naborów")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")
    expect(box).to_have_attribute("placeholder", "Zadaj pytanie o nabór…")
    expect(page.get_by_role("button", name="Wyślij")).to_be_visible()
    expect(page.locator("footer")).to_contain_text("Rozmowa służy tylko do odpowiedzi")
    expect(box).to_be_focused()

    answer = ask(page, box, "Kiedy mija termin naboru?")

    expect(page.locator(".message--user")).to_have_text(["Kiedy mija termin naboru?"])
    assert text_of(answer.locator(".message__text")) == DEADLINE_ANSWER
    assert answer.locator(".message__text").evaluate("el => getComputedStyle(el).whiteSpace") == (
        "pre-wrap"
    )
    expect(page.locator("#typing")).to_be_hidden()
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    assert scripted_assistant.calls == [
        (f"web:{session_of(page)}", "Kiedy mija termin naboru?", {"channel": "web"})
    ]


def test_shift_enter_adds_a_line_and_the_click_on_send_sends(
    browser_page: Page, chat_app_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)

    box.type("Kiedy mija")
    box.press("Shift+Enter")
    box.type("termin?")
    expect(page.locator(".message--user")).to_have_count(0)
    page.get_by_role("button", name="Wyślij").click()

    expect(page.locator(".message--bot")).to_have_count(2)
    assert text_of(page.locator(".message--user .message__text")) == "Kiedy mija\ntermin?"
    assert scripted_assistant.calls[0][1] == "Kiedy mija\ntermin?"


def test_answer_button_sends_its_payload_and_shows_its_title(
    browser_page: Page, chat_app_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)
    answer = ask(page, box, "Jaki jest termin?")
    buttons = answer.get_by_role("button")
    expect(buttons).to_have_text([b.title for b in DEADLINE_BUTTONS])

    chosen = answer.get_by_role("button", name=DEADLINE_BUTTONS[0].title)
    chosen.click()

    follow_up = page.locator(".message--bot").last
    expect(follow_up).to_contain_text("statut organizacji")
    assert text_of(follow_up) == DOCUMENTS_ANSWER
    expect(page.locator(".message--user").last).to_have_text(DEADLINE_BUTTONS[0].title)
    expect(page.locator("#messages")).not_to_contain_text("/ask_documents")
    assert scripted_assistant.calls[-1][1] == DEADLINE_BUTTONS[0].payload
    expect(buttons).to_have_count(2)
    for button in buttons.all():
        expect(button).to_have_attribute("aria-disabled", "true")

    answer.get_by_role("button", name=DEADLINE_BUTTONS[1].title).click(force=True)
    ask(page, box, "termin raz jeszcze")  # a round trip, so a stray second send would show
    assert [call[1] for call in scripted_assistant.calls].count("/ask_amount") == 0


def test_markup_in_an_answer_is_shown_as_plain_text(browser_page: Page, chat_app_url: str) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)

    answer = ask(page, box, "Pokaż skrypt")
    ask(page, box, "termin")  # one more round trip: an onerror handler would have fired by now

    assert text_of(answer) == HOSTILE_ANSWER
    expect(answer).to_contain_text("<script>alert(1)</script>")
    expect(page.locator("#messages script")).to_have_count(0)
    expect(page.locator("#messages img")).to_have_count(0)
    assert page_events(page).dialogs == []


def test_http_links_become_safe_anchors_and_others_stay_text(
    browser_page: Page, chat_app_url: str
) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)

    answer = ask(page, box, "Podaj link")

    assert text_of(answer) == LINKS_ANSWER
    links = answer.get_by_role("link")
    expect(links).to_have_text(
        ["https://example.org/regulamin_(2025)", "http://example.org/formularz?x=1&y=ż"]
    )
    expect(links.nth(0)).to_have_attribute("href", "https://example.org/regulamin_(2025)")
    expect(links.nth(1)).to_have_attribute("href", "http://example.org/formularz?x=1&y=%C5%BC")
    for link in links.all():
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(link).to_have_attribute("target", "_blank")


def test_deadline_answer_link_drops_the_trailing_full_stop(
    browser_page: Page, chat_app_url: str
) -> None:
    page = browser_page
    answer = ask(page, open_chat(page, chat_app_url), "termin")

    expect(answer.get_by_role("link")).to_have_attribute(
        "href", "https://lgd.example.pl/nabory/2025-1"
    )


def test_empty_and_oversized_questions_are_explained_without_sending(
    browser_page: Page, chat_app_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)
    alert = page.get_by_role("alert")

    box.fill("   ")
    box.press("Enter")
    expect(alert).to_have_text(EMPTY_TEXT)

    box.fill("ż" * 2001)
    box.press("Enter")
    expect(alert).to_have_text(TOO_LONG)
    expect(box).to_have_value("ż" * 2001)

    box.fill("ż" * 2000)
    expect(alert).to_be_empty()
    box.press("Enter")
    expect(page.locator(".message--bot")).to_have_count(2)
    assert [len(call[1]) for call in scripted_assistant.calls] == [2000]


def test_error_detail_from_the_server_is_shown_and_the_question_kept(
    browser_page: Page, chat_app_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)

    def break_the_session(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        route.continue_(post_data=json.dumps({**body, "session": "zła sesja"}))

    page.route("**/api/chat", break_the_session)
    box.fill("Kiedy termin?")
    box.press("Enter")

    expect(page.get_by_role("alert")).to_have_text(BAD_SESSION_TEXT)
    expect(page.locator(".message--user")).to_have_count(0)
    expect(box).to_have_value("Kiedy termin?")
    expect(page.locator("#typing")).to_be_hidden()
    assert scripted_assistant.calls == []


def test_assistant_down_shows_the_unavailable_reply(browser_page: Page, chat_app_url: str) -> None:
    page = browser_page
    answer = ask(page, open_chat(page, chat_app_url), "Czy jest awaria?")

    assert text_of(answer) == UNAVAILABLE_TEXT


def test_typing_indicator_shows_while_waiting(chromium: Browser) -> None:
    assistant = GatedAssistant()
    try:
        with serve_app(chat_app(assistant)) as url, open_page(chromium) as page:
            box = open_chat(page, url)
            typing = page.locator("#typing")
            expect(typing).to_be_hidden()

            box.fill("termin")
            box.press("Enter")
            expect(typing).to_be_visible()
            expect(page.get_by_role("button", name="Wyślij")).to_have_attribute(
                "aria-disabled", "true"
            )
            box.fill("drugie pytanie w trakcie")
            box.press("Enter")  # ignored while waiting
            assistant.gate.set()

            expect(typing).to_be_hidden()
            expect(page.locator(".message--bot").last).to_contain_text("Nabór trwa")
            expect(page.locator(".message--user")).to_have_count(1)
            expect(box).to_have_value("drugie pytanie w trakcie")
    finally:
        assistant.gate.set()
    assert [call[1] for call in assistant.calls] == ["termin"]


def test_session_survives_a_reload_but_not_a_new_visitor(
    chromium: Browser, chat_app_url: str, scripted_assistant: ScriptedAssistant
) -> None:
    with open_page(chromium) as page:
        ask(page, open_chat(page, chat_app_url), "pierwsze")
        page.reload()
        ask(page, open_chat(page, chat_app_url), "po odświeżeniu")
    with open_page(chromium) as other:
        ask(other, open_chat(other, chat_app_url), "ktoś inny")

    first, reloaded, stranger = (call[0] for call in scripted_assistant.calls)
    assert first == reloaded != stranger
    assert first.startswith("web:")
    assert len(first) == len("web:") + 36


@pytest.fixture
def phone_page(chromium: Browser) -> Iterator[Page]:
    with open_page(chromium, phone=True) as page:
        yield page


def test_phone_layout_fits_and_has_large_tap_targets(phone_page: Page, chat_app_url: str) -> None:
    page = phone_page
    box = open_chat(page, chat_app_url)
    answer = ask(page, box, "Kiedy mija termin naboru?")
    expect(answer.get_by_role("button")).to_have_count(2)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for target in [
        page.get_by_role("button", name="Wyślij"),
        box,
        *answer.get_by_role("button").all(),
    ]:
        size = target.bounding_box()
        assert size is not None
        assert size["height"] >= 44, target
    composer = page.locator("#composer").bounding_box()
    assert composer is not None
    assert composer["y"] + composer["height"] <= 844
    expect(page.locator(".composer__hint")).to_be_hidden()  # no keyboard hint on touch screens
    print(screenshot(page, "chat-phone"))

    answer.get_by_role("button", name=DEADLINE_BUTTONS[0].title).tap()
    expect(page.locator(".message--bot").last).to_contain_text("statut organizacji")
    print(screenshot(page, "chat-phone-after-button"))


def test_desktop_screenshot(browser_page: Page, chat_app_url: str) -> None:
    page = browser_page
    box = open_chat(page, chat_app_url)
    answer = ask(page, box, "Kiedy mija termin naboru?")
    answer.get_by_role("button", name=DEADLINE_BUTTONS[0].title).click()
    expect(page.locator(".message--bot")).to_have_count(3)
    ask(page, box, "Pokaż skrypt")

    path = screenshot(page, "chat-desktop")

    assert path.stat().st_size > 10_000
