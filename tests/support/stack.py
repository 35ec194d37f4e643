"""The real stack for end-to-end tests (a pytest plugin, see tests/conftest.py): a seeded
database, the action server and Rasa, started once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.launcher import warm_up
from bot.model_store import ensure_model
from bot.settings import REPO_ROOT
from knowledge_base.db import make_engine, make_session_factory, migrate
from knowledge_base.seed import seed_if_empty
from tests.support.processes import RASA_BIN, RunningProcess, action_server, rasa_server


@pytest.fixture(scope="session")
def rasa_model() -> Path:
    """The trained model for the current training data (trained once, cached by content hash)."""
    model, _ = ensure_model(REPO_ROOT, RASA_BIN)
    return model


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'kb.db'}"
    migrate(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        seed_if_empty(session, REPO_ROOT / "knowledge_base" / "content")
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def e2e_actions(
    e2e_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningProcess]:
    with action_server(e2e_database_url, tmp_path_factory.mktemp("logs")) as proc:
        yield proc


@pytest.fixture(scope="session")
def e2e_rasa(
    rasa_model: Path, e2e_actions: RunningProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningProcess]:
    with rasa_server(rasa_model, e2e_actions.url, tmp_path_factory.mktemp("logs")) as proc:
        warm_up(proc.url)  # as the launcher does: the first question loads the dictionary
        yield proc


class RestUser:
    """One applicant talking to Rasa's REST channel, like a channel adapter does."""

    def __init__(self, base_url: str, sender: str):
        self.base_url = base_url
        self.sender = sender

    def ask(self, text: str) -> list[dict[str, Any]]:
        response = httpx.post(
            f"{self.base_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=30,
        )
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def say(self, text: str) -> str:
        """All text the assistant answered, joined."""
        return "\n".join(m.get("text", "") for m in self.ask(text))

    def tracker(self) -> dict[str, Any]:
        response = httpx.get(f"{self.base_url}/conversations/{self.sender}/tracker", timeout=30)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def user(e2e_rasa: RunningProcess, request: pytest.FixtureRequest) -> RestUser:
    return RestUser(e2e_rasa.url, f"e2e-{request.node.name}")
