"""Issue 6, end to end: the real web-app process, Rasa and the action server, with Telegram
and Messenger pointed at local fakes of their APIs (exactly how `make run` wires them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi, load_update, text_update
from tests.support.processes import APP_PYTHON, RunningProcess, free_port, running

pytestmark = pytest.mark.e2e

APP_SECRET = "e2e-app-secret"
VERIFY_TOKEN = "e2e-verify-token"
DATA = Path(__file__).resolve().parents[1] / "data" / "messenger"


@pytest.fixture(scope="module")
def telegram_fake() -> Iterator[FakeTelegramApi]:
    with FakeTelegramApi.running() as api:
        yield api


@pytest.fixture(scope="module")
def graph_fake() -> Iterator[FakeGraphApi]:
    with FakeGraphApi.running() as api:
        yield api


@pytest.fixture(scope="module")
def web_app(
    e2e_rasa: RunningProcess,
    e2e_database_url: str,
    telegram_fake: FakeTelegramApi,
    graph_fake: FakeGraphApi,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningProcess]:
    port = free_port()
    env = {
        "ENVIRONMENT": "test",
        "RASA_URL": e2e_rasa.url,
        "BOT_PORT": str(port),
        "DATABASE_URL": e2e_database_url,
        "TELEGRAM_BOT_TOKEN": telegram_fake.token,
        "TELEGRAM_API_BASE_URL": telegram_fake.base_url,
        "MESSENGER_VERIFY_TOKEN": VERIFY_TOKEN,
        "MESSENGER_APP_SECRET": APP_SECRET,
        "MESSENGER_PAGE_ACCESS_TOKEN": graph_fake.access_token,
        "MESSENGER_GRAPH_API_URL": graph_fake.base_url,
    }
    with running(
        "web",
        [str(APP_PYTHON), "-m", "bot.web.main"],
        url=f"http://127.0.0.1:{port}",
        health_path="/health",
        env=env,
        log_dir=tmp_path_factory.mktemp("web-logs"),
    ) as proc:
        yield proc


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


async def test_telegram_message_and_button_press(
    web_app: RunningProcess, telegram_fake: FakeTelegramApi
) -> None:
    telegram_fake.reset()
    update = text_update("co musi zawierać protest?")
    chat_id = update["message"]["chat"]["id"]
    telegram_fake.push_update(update)
    [answer] = await telegram_fake.wait_for_call(
        "sendMessage", where=lambda c: c.chat_id == chat_id, timeout=30
    )
    assert "Źródło" in (answer.text or "")
    buttons = [b for row in answer.keyboard for b in row]
    useful = next(b for b in buttons if "feedback" in b["callback_data"])

    press = load_update("callback_query")
    press["callback_query"]["message"]["chat"]["id"] = chat_id
    press["callback_query"]["message"]["reply_markup"] = answer.params["reply_markup"]
    press["callback_query"]["from"]["id"] = chat_id
    press["callback_query"]["data"] = useful["callback_data"]
    telegram_fake.push_update(press)
    await telegram_fake.wait_for_call("answerCallbackQuery", timeout=30)
    thanks = await telegram_fake.wait_for_call(
        "sendMessage", count=2, where=lambda c: c.chat_id == chat_id, timeout=30
    )
    assert "Dziękuję za ocenę" in (thanks[-1].text or "")


def messenger_batch() -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / "text_batch.json").read_text(encoding="utf-8"))
    return body


async def test_messenger_signed_batch_gets_two_answers_and_bad_signatures_none(
    web_app: RunningProcess, graph_fake: FakeGraphApi
) -> None:
    graph_fake.reset()
    body = json.dumps(messenger_batch()).encode()
    async with httpx.AsyncClient(base_url=web_app.url, timeout=30) as client:
        unsigned = await client.post(
            "/webhooks/messenger", content=body, headers={"Content-Type": "application/json"}
        )
        forged = await client.post(
            "/webhooks/messenger", content=body, headers=signed(body, "wrong-secret")
        )
        assert (unsigned.status_code, forged.status_code) == (403, 403)

        accepted = await client.post("/webhooks/messenger", content=body, headers=signed(body))
        assert accepted.status_code == 200
        answers = await graph_fake.wait_for(2, timeout=30, where=lambda c: c.text is not None)
        assert len({a.recipient for a in answers}) == 2

        again = await client.post("/webhooks/messenger", content=body, headers=signed(body))
        assert again.status_code == 200
        # A marker event after the redelivery: once it is answered, the redelivery had its chance.
        marker = messenger_batch()
        marker["entry"][0]["messaging"] = marker["entry"][0]["messaging"][:1]
        marker["entry"][0]["messaging"][0]["message"]["mid"] = "m_marker_after_redelivery"
        marker["entry"][0]["messaging"][0]["message"]["text"] = "dziękuję"
        marker_body = json.dumps(marker).encode()
        await client.post("/webhooks/messenger", content=marker_body, headers=signed(marker_body))
        await graph_fake.wait_for(3, timeout=30, where=lambda c: c.text is not None)
    texts = [c for c in graph_fake.calls if c.text is not None]
    assert len(texts) == 3, [c.text for c in texts]
