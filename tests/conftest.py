"""Shared hooks. The real Rasa stack (tests/support/stack.py) is defined once, so every suite
reuses one instance; it is registered in the root conftest.py, where `pytest_plugins` works."""

from __future__ import annotations

import pytest

E2E_TIMEOUT_S = 600  # the first e2e test also waits for Rasa to load its model


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("e2e") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_S))
