"""The Messenger webhook end to end over real HTTP: signed Meta payloads in, Send API calls out.

The Messenger router is served by uvicorn in the test's event loop, so
`router.drain()` can be awaited; the Graph side is the fake Graph API in its own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from bot.assistant import (
    UNAVAILABLE_TEXT,
    AssistantUnavailableError,
    BotReply,
    Button,
    RasaAssistant,
    ScriptedAssistant,
)
from bot.channels.messenger import GraphClient, MessengerRouter, messenger_router
from bot.channels.messenger.handler import (
    ASSISTANT_TIMEOUT_S,
    ATTACHMENT_TEXT,
    STICKER_TEXT,
    TOO_LONG_TEXT,
)
from bot.channels.messenger.signature import sign
from bot.settings import Settings, load_settings
from tests.fakes.graph_api import FakeGraphApi

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
DATA = Path(__file__).resolve().parent.parent / "data" / "messenger"
ALICE = "6543210987654321"
BOB = "7234567890123456"
UNSET: Any = object()


def fixture_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return body


def with_text(text: str, *, mid: str = "m_custom1", psid: str = ALICE) -> dict[str, Any]:
    """The recorded text batch cut down to one message from `psid` saying `text`."""
    body = fixture_body("text_batch")
    event = body["entry"][0]["messaging"][0]
    event["sender"]["id"] = psid
    event["message"] = {"mid": mid, "text": text}
    body["entry"][0]["messaging"] = [event]
    return body


class _InLoopServer(uvicorn.Server):
    """uvicorn in the test's own loop; signals stay with pytest."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Bot:
    """The served app, a client for its webhook, and what stands behind it."""

    http: httpx.AsyncClient
    router: MessengerRouter
    graph: FakeGraphApi

    async def post(
        self, body: dict[str, Any] | bytes, *, signature: str | None = UNSET
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        signature = sign(raw, APP_SECRET) if signature is UNSET else signature
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.http.post("/webhooks/messenger", content=raw, headers=headers)

    async def deliver(self, body: dict[str, Any] | bytes) -> httpx.Response:
        """POST a signed body and wait until everything it started is finished."""
        response = await self.post(body)
        await self.router.drain(timeout_s=15)
        return response


@pytest.fixture(scope="module")
def graph_server() -> Iterator[FakeGraphApi]:
    with FakeGraphApi.running() as fake:
        yield fake


@pytest.fixture
def graph(graph_server: FakeGraphApi) -> FakeGraphApi:
    graph_server.reset()
    return graph_server


@pytest.fixture
def settings(graph: FakeGraphApi) -> Settings:
    return load_settings(
        env_file=None,
        environment="test",
        messenger_verify_token=VERIFY_TOKEN,
        messenger_app_secret=APP_SECRET,
        messenger_page_access_token=graph.access_token,
        messenger_graph_api_url=graph.base_url,
    )


@pytest.fixture
def assistant() -> ScriptedAssistant:
    return ScriptedAssistant()


@contextlib.asynccontextmanager
async def serve_bot(
    settings: Settings, assistant: Any, graph: FakeGraphApi, **router_kwargs: Any
) -> AsyncIterator[Bot]:
    async with httpx.AsyncClient() as graph_http:
        client = GraphClient.from_settings(settings, graph_http, timeout_s=5.0)
        router = messenger_router(settings, assistant, client, **router_kwargs)
        app = FastAPI()  # the router alone; create_app's wiring is tested in tests/e2e
        app.include_router(router)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        server = _InLoopServer(uvicorn.Config(app, log_level="warning", access_log=False))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(10):
                while not server.started:  # bounded start-up wait, not a test synchronisation
                    if serving.done():
                        serving.result()
                    await asyncio.sleep(0.01)
            base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
            async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
                yield Bot(http, router, graph)
            await router.drain(timeout_s=15)
        finally:
            server.should_exit = True
            await serving
            sock.close()


@pytest.fixture
async def bot(
    settings: Settings, assistant: ScriptedAssistant, graph: FakeGraphApi
) -> AsyncIterator[Bot]:
    async with serve_bot(settings, assistant, graph) as served:
        yield served


def kinds_for(graph: FakeGraphApi, psid: str) -> list[str]:
    """What the user saw, in order: sender actions by name, messages as "message"."""
    return [c.sender_action or "message" for c in graph.calls if c.recipient == psid]


# -- verification ---------------------------------------------------------------------------


async def test_verification_echoes_the_challenge_as_plain_text(bot: Bot) -> None:
    response = await bot.http.get(
        "/webhooks/messenger",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )

    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
        {"hub.mode": "subscribe", "hub.challenge": "42"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {"hub.mode": "subscribe", "hub.verify_token": "żółw", "hub.challenge": "42"},
        {},
    ],
    ids=["wrong-token", "wrong-mode", "no-token", "no-challenge", "non-ascii-token", "nothing"],
)
async def test_verification_with_anything_else_is_forbidden(
    bot: Bot, params: dict[str, str]
) -> None:
    response = await bot.http.get("/webhooks/messenger", params=params)

    assert response.status_code == 403
    assert "42" not in response.text


# -- signed events --------------------------------------------------------------------------


async def test_signed_batch_from_two_users_gets_one_answer_each(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    response = await bot.deliver(fixture_body("text_batch"))

    assert response.status_code == 200
    assert response.text == "EVENT_RECEIVED"
    assert graph.texts(ALICE) == ["echo: Do kiedy można złożyć wniosek w naborze Toruń?"]
    assert graph.texts(BOB) == ["echo: Czy fundacja może złożyć dwa wnioski?"]
    assert sorted(assistant.calls) == [
        (
            f"messenger:{ALICE}",
            "Do kiedy można złożyć wniosek w naborze Toruń?",
            {"channel": "messenger"},
        ),
        (f"messenger:{BOB}", "Czy fundacja może złożyć dwa wnioski?", {"channel": "messenger"}),
    ]
    assert kinds_for(graph, ALICE) == ["typing_on", "message"]
    assert kinds_for(graph, BOB) == ["typing_on", "message"]
    assert all(c.messaging_type == "RESPONSE" for c in graph.messages())
    assert all(c.access_token == graph.access_token for c in graph.calls)


async def test_every_entry_of_a_batch_is_handled(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    body = fixture_body("text_batch")
    body["entry"].append(fixture_body("postback")["entry"][0])

    await bot.deliver(body)

    assert len(assistant.calls) == 3
    assert graph.texts(ALICE) == [
        "echo: Do kiedy można złożyć wniosek w naborze Toruń?",
        "echo: /greet",
    ]


async def test_webhook_answers_before_the_assistant_does(
    settings: Settings, graph: FakeGraphApi
) -> None:
    gate = asyncio.Event()

    class GatedAssistant:
        async def ask(self, sender_id: str, text: str, metadata: Any = None) -> list[BotReply]:
            await gate.wait()
            return [BotReply(text="po namyśle")]

    async with serve_bot(settings, GatedAssistant(), graph) as bot:
        response = await bot.post(with_text("Pytanie"))

        assert response.status_code == 200
        assert bot.router.pending == 1
        assert graph.texts() == []
        gate.set()
        [answer] = await graph.wait_for(1, timeout=10, where=lambda c: c.message is not None)

    assert answer.recipient == ALICE
    assert answer.text == "po namyśle"


async def test_one_users_messages_are_answered_in_order_across_posts(
    settings: Settings, graph: FakeGraphApi
) -> None:
    first_asked = asyncio.Event()
    release_first = asyncio.Event()
    asked: list[str] = []

    class SlowFirstAssistant:
        async def ask(self, sender_id: str, text: str, metadata: Any = None) -> list[BotReply]:
            asked.append(text)
            if text == "pierwsza":
                first_asked.set()
                await release_first.wait()
            return [BotReply(text=f"odp: {text}")]

    async with serve_bot(settings, SlowFirstAssistant(), graph) as bot:
        await bot.post(with_text("pierwsza", mid="m_1"))
        await first_asked.wait()
        await bot.post(with_text("druga", mid="m_2"))
        # The second message waits behind the first instead of overtaking it.
        assert asked == ["pierwsza"]
        release_first.set()
        await bot.router.drain(timeout_s=15)

    assert asked == ["pierwsza", "druga"]
    assert graph.texts(ALICE) == ["odp: pierwsza", "odp: druga"]


async def test_quick_reply_sends_its_payload_to_rasa(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    await bot.deliver(fixture_body("quick_reply"))

    assert assistant.calls == [(f"messenger:{ALICE}", "/affirm", {"channel": "messenger"})]
    assert graph.texts(ALICE) == ["echo: /affirm"]


async def test_postback_sends_its_payload_to_rasa(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    await bot.deliver(fixture_body("postback"))

    assert assistant.calls == [(f"messenger:{ALICE}", "/greet", {"channel": "messenger"})]
    assert graph.texts(ALICE) == ["echo: /greet"]


async def test_no_reply_from_rasa_switches_the_typing_bubble_off(
    settings: Settings, graph: FakeGraphApi
) -> None:
    async with serve_bot(settings, ScriptedAssistant(lambda text: []), graph) as bot:
        await bot.deliver(with_text("Cisza?"))

    assert kinds_for(graph, ALICE) == ["typing_on", "typing_off"]


async def test_broken_dedup_store_still_lets_the_user_be_answered(
    settings: Settings, assistant: ScriptedAssistant, graph: FakeGraphApi
) -> None:
    class BrokenStore:
        async def add(self, key: str) -> bool:
            raise ConnectionError("redis is away")

    async with serve_bot(settings, assistant, graph, dedup=BrokenStore()) as bot:
        response = await bot.deliver(fixture_body("quick_reply"))

    assert response.status_code == 200
    assert graph.texts(ALICE) == ["echo: /affirm"]


async def test_router_refuses_to_start_without_secret_or_verify_token(
    settings: Settings, assistant: ScriptedAssistant
) -> None:
    async with httpx.AsyncClient() as http:
        client = GraphClient.from_settings(settings, http)
        for missing in ("messenger_app_secret", "messenger_verify_token"):
            incomplete = settings.model_copy(update={missing: None})
            with pytest.raises(ValueError, match="MESSENGER_APP_SECRET"):
                messenger_router(incomplete, assistant, client)


# -- refusals -------------------------------------------------------------------------------


async def test_unsigned_post_is_forbidden_and_nothing_is_sent(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    response = await bot.post(fixture_body("text_batch"), signature=None)
    await bot.router.drain(timeout_s=15)

    assert response.status_code == 403
    assert graph.calls == []
    assert assistant.calls == []


@pytest.mark.parametrize(
    "make_signature",
    [
        lambda raw: sign(raw, "another-app-secret"),
        lambda raw: sign(raw + b" ", APP_SECRET),
        lambda raw: "sha1=" + sign(raw, APP_SECRET).removeprefix("sha256=")[:40],
        lambda raw: sign(raw, APP_SECRET).removeprefix("sha256="),
        lambda raw: "sha256=",
        lambda raw: "sha256=" + "z" * 64,
        lambda raw: sign(raw, APP_SECRET)[:-2],
    ],
    ids=["other-secret", "other-body", "sha1", "no-prefix", "empty", "not-hex", "truncated"],
)
async def test_wrongly_signed_post_is_forbidden(
    bot: Bot,
    graph: FakeGraphApi,
    assistant: ScriptedAssistant,
    make_signature: Callable[[bytes], str],
) -> None:
    raw = json.dumps(fixture_body("text_batch")).encode("utf-8")

    response = await bot.post(raw, signature=make_signature(raw))
    await bot.router.drain(timeout_s=15)

    assert response.status_code == 403
    assert graph.calls == []
    assert assistant.calls == []


async def test_signature_is_checked_before_the_body_is_parsed(bot: Bot) -> None:
    unsigned = await bot.post(b"{not json", signature=None)
    signed = await bot.post(b"{not json")

    assert unsigned.status_code == 403
    assert signed.status_code == 400


async def test_body_over_one_megabyte_is_refused(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    body = with_text("x")
    body["padding"] = "x" * 1_000_001

    response = await bot.deliver(body)

    assert response.status_code == 413
    assert graph.calls == []
    assert assistant.calls == []


async def test_body_limit_also_holds_without_content_length(
    settings: Settings, assistant: ScriptedAssistant, graph: FakeGraphApi
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b" " * 1024

    async with serve_bot(settings, assistant, graph, max_body_bytes=4096) as bot:
        response = await bot.http.post("/webhooks/messenger", content=chunks())

    assert response.status_code == 413
    assert assistant.calls == []


async def test_object_other_than_page_is_not_processed(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    body = fixture_body("text_batch")
    body["object"] = "instagram"

    response = await bot.deliver(body)

    assert response.status_code == 404
    assert graph.calls == []
    assert assistant.calls == []


# -- what is not answered -------------------------------------------------------------------


async def test_redelivered_batch_is_answered_once(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    first = await bot.post(fixture_body("text_batch"))
    again = await bot.post(fixture_body("text_batch"))
    await bot.router.drain(timeout_s=15)
    later = await bot.deliver(fixture_body("text_batch"))

    assert [first.status_code, again.status_code, later.status_code] == [200, 200, 200]
    assert len(assistant.calls) == 2
    assert len(graph.texts(ALICE)) == 1
    assert len(graph.texts(BOB)) == 1


async def test_redelivered_postback_without_mid_is_answered_once(
    bot: Bot, assistant: ScriptedAssistant
) -> None:
    body = fixture_body("postback")
    del body["entry"][0]["messaging"][0]["postback"]["mid"]
    another_tap = copy.deepcopy(body)
    another_tap["entry"][0]["messaging"][0]["timestamp"] += 5000

    await bot.deliver(body)
    await bot.deliver(body)
    await bot.deliver(another_tap)

    assert [text for _, text, _ in assistant.calls] == ["/greet", "/greet"]


@pytest.mark.parametrize("name", ["echo", "delivery", "read"])
async def test_echoes_and_receipts_send_nothing(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant, name: str
) -> None:
    response = await bot.deliver(fixture_body(name))

    assert response.status_code == 200
    assert graph.calls == []
    assert assistant.calls == []


@pytest.mark.parametrize("text", ["", "   \n\t "])
async def test_empty_text_is_ignored(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant, text: str
) -> None:
    response = await bot.deliver(with_text(text))

    assert response.status_code == 200
    assert graph.calls == []
    assert assistant.calls == []


# -- kind replies without Rasa --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "psid", "expected"),
    [("sticker", ALICE, STICKER_TEXT), ("image", BOB, ATTACHMENT_TEXT)],
)
async def test_attachments_get_a_kind_reply_without_asking_rasa(
    bot: Bot,
    graph: FakeGraphApi,
    assistant: ScriptedAssistant,
    name: str,
    psid: str,
    expected: str,
) -> None:
    await bot.deliver(fixture_body(name))

    assert graph.texts(psid) == [expected]
    assert assistant.calls == []


async def test_user_text_over_2000_characters_is_asked_to_be_shortened(
    bot: Bot, graph: FakeGraphApi, assistant: ScriptedAssistant
) -> None:
    await bot.deliver(with_text("a" * 2001, mid="m_long"))
    await bot.deliver(with_text("b" * 2000, mid="m_limit"))

    assert "skróć wiadomość" in TOO_LONG_TEXT
    assert graph.texts(ALICE)[0] == TOO_LONG_TEXT
    assert [text for _, text, _ in assistant.calls] == ["b" * 2000]


# -- replies --------------------------------------------------------------------------------


async def test_long_answer_is_split_into_messages_of_at_most_2000_characters(
    settings: Settings, graph: FakeGraphApi
) -> None:
    sentences = [f"Zdanie numer {i} opisuje zasady naboru w Toruniu." for i in range(120)]
    answer = " ".join(sentences)
    assistant = ScriptedAssistant(lambda text: [BotReply(text=answer), BotReply(text="Koniec.")])

    async with serve_bot(settings, assistant, graph) as bot:
        await bot.deliver(with_text("Opowiedz wszystko"))

    texts = graph.texts(ALICE)
    assert len(answer) > 4000
    assert len(texts) == 4
    assert all(len(t) <= 2000 for t in texts)
    assert all(t.endswith(".") for t in texts)
    assert " ".join(texts[:-1]) == answer
    assert texts[-1] == "Koniec."


async def test_buttons_become_quick_replies_within_messenger_limits(
    settings: Settings, graph: FakeGraphApi
) -> None:
    buttons = tuple(
        Button(title=f"Opcja numer {i} z bardzo długim tytułem", payload=f'/choose{{"n":{i}}}')
        for i in range(15)
    )
    assistant = ScriptedAssistant(lambda text: [BotReply(text="Wybierz:", buttons=buttons)])

    async with serve_bot(settings, assistant, graph) as bot:
        await bot.deliver(with_text("Menu"))

    [message] = graph.messages(ALICE)
    quick_replies = message.quick_replies
    assert len(quick_replies) == 13
    assert all(len(q["title"]) <= 20 and q["title"].endswith("…") for q in quick_replies)
    assert [q["payload"] for q in quick_replies] == [b.payload for b in buttons[:13]]
    assert message.text is not None
    assert message.text.startswith("Wybierz:")
    assert "Opcja numer 13 z bardzo długim tytułem" in message.text
    assert "Opcja numer 14 z bardzo długim tytułem" in message.text


# -- failures -------------------------------------------------------------------------------


async def test_graph_500_is_logged_and_the_next_event_is_still_answered(
    bot: Bot, graph: FakeGraphApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels.messenger")
    graph.fail_next(2, status=500)  # the typing bubble and the answer

    failed = await bot.deliver(with_text("Pierwsze", mid="m_fail"))
    answered = await bot.deliver(with_text("Drugie", mid="m_ok"))

    assert [failed.status_code, answered.status_code] == [200, 200]
    assert "status=500" in caplog.text
    assert "messenger reply not delivered" in caplog.text
    assert "retryable=True" in caplog.text
    assert graph.texts(ALICE) == ["echo: Drugie"]


@pytest.mark.parametrize(
    "failure",
    [AssistantUnavailableError("rasa is down"), RuntimeError("bug in a channel adapter")],
    ids=["unavailable", "unexpected"],
)
async def test_failing_assistant_gets_the_unavailable_text(
    settings: Settings, graph: FakeGraphApi, failure: Exception
) -> None:
    def fail(text: str) -> list[BotReply]:
        raise failure

    async with serve_bot(settings, ScriptedAssistant(fail), graph) as bot:
        await bot.deliver(with_text("Czy jest ktoś?"))

    assert graph.texts(ALICE) == [UNAVAILABLE_TEXT]


async def test_rasa_down_gets_the_unavailable_text(
    settings: Settings, graph: FakeGraphApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        rasa = RasaAssistant(f"http://127.0.0.1:{closed.getsockname()[1]}", timeout_s=5)
        async with serve_bot(settings, rasa, graph) as bot:
            await bot.deliver(with_text("Halo?"))
        await rasa.aclose()

    assert graph.texts(ALICE) == [UNAVAILABLE_TEXT]
    assert "assistant unavailable" in caplog.text


async def test_hanging_assistant_times_out_with_the_unavailable_text(
    settings: Settings, graph: FakeGraphApi
) -> None:
    never = asyncio.Event()

    class HangingAssistant:
        async def ask(self, sender_id: str, text: str, metadata: Any = None) -> list[BotReply]:
            await never.wait()
            return []

    async with serve_bot(settings, HangingAssistant(), graph, assistant_timeout_s=0.2) as bot:
        await bot.deliver(with_text("Halo?"))

    assert ASSISTANT_TIMEOUT_S == 10.0
    assert graph.texts(ALICE) == [UNAVAILABLE_TEXT]


async def test_access_token_never_reaches_the_logs(
    bot: Bot, graph: FakeGraphApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    graph.graph_error_next(1, code=190, message="Invalid OAuth access token.", status=400)

    await bot.deliver(fixture_body("text_batch"))

    assert "access_token=***" in caplog.text  # httpx's request lines, scrubbed
    assert graph.access_token not in caplog.text
