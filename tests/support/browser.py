"""Headless Debian chromium driven by Playwright (sync API) for browser tests, plus screenshots.

Use the fixtures from a conftest: ``from tests.support.browser import browser_page, chromium``.
``chromium`` is one browser per test module (starting it takes seconds); ``browser_page`` is a
fresh context (own storage, desktop viewport, Polish locale) per test. Pages fail the test at
teardown on an uncaught script error or a console error such as a CSP violation; alert/confirm
dialogs are dismissed and recorded (``page_events(page).dialogs``). A failing test leaves
``tests/artifacts/screenshots/failed-<test>.png``.

The sync API runs its own event loop; keep browser tests plain ``def`` tests.
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Error,
    Page,
    ViewportSize,
    sync_playwright,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "tests" / "artifacts" / "screenshots"
CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
DEFAULT_TIMEOUT_MS = 10_000
# Chromium reports every 4xx/5xx response as a console error; tests provoke those on purpose.
IGNORED_CONSOLE = ("Failed to load resource",)


@dataclass
class PageEvents:
    """What happened on a page that a test may want to assert on."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_EVENTS: weakref.WeakKeyDictionary[Page, PageEvents] = weakref.WeakKeyDictionary()


def page_events(page: Page) -> PageEvents:
    """The dialogs and errors recorded for a page opened by :func:`open_page`."""
    return _EVENTS[page]


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """Start Debian's chromium (never a Playwright download) and close it afterwards."""
    if not CHROMIUM_PATH.exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing; run scripts/ensure-chromium (make browser-deps)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Browser, *, phone: bool = False) -> Iterator[Page]:
    """A page in a fresh context: desktop 1280x800, or a 390x844 touch phone."""
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        locale="pl-PL",
        timezone_id="Europe/Warsaw",
        reduced_motion="reduce",
        service_workers="block",
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    events = PageEvents()
    _EVENTS[page] = events

    def on_dialog(dialog: Dialog) -> None:
        events.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(IGNORED_CONSOLE):
            events.errors.append(f"console: {message.text}")

    def on_page_error(error: Error) -> None:
        events.errors.append(f"page error: {error.message}")

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield page
    finally:
        context.close()
    if events.errors:
        pytest.fail("browser reported errors:\n" + "\n".join(events.errors))


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Save ``tests/artifacts/screenshots/<name>.png`` (gitignored) and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless chromium for the test module."""
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def browser_page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh desktop page; screenshots itself as ``failed-<test>`` when the test fails."""
    failed_before = request.session.testsfailed
    with open_page(chromium) as page:
        yield page
        if request.session.testsfailed > failed_before and not page.is_closed():
            screenshot(page, f"failed-{request.node.name}")
