"""Fixtures of the e2e folder: the stack itself is a plugin (tests/support/stack.py, registered in
the root conftest.py); the browser fixtures are shared here for the panel-on-the-stack test."""

from tests.support.browser import browser_page, chromium  # noqa: F401  (fixtures)
