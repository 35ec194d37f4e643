"""GraphClient against the fake Graph API over real HTTP: request shapes and error mapping."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from bot.assistant import BotReply, Button
from bot.channels.base import DeliveryError, OutboundChannel
from bot.channels.messenger import GraphClient
from bot.channels.messenger.graph import scrub_url
from bot.settings import load_settings
from tests.fakes.graph_api import FakeGraphApi

PSID = "6543210987654321"


@pytest.fixture(scope="module")
def graph_server() -> Iterator[FakeGraphApi]:
    with FakeGraphApi.running() as fake:
        yield fake


@pytest.fixture
def graph(graph_server: FakeGraphApi) -> FakeGraphApi:
    graph_server.reset()
    return graph_server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def client(graph: FakeGraphApi, http: httpx.AsyncClient) -> GraphClient:
    return GraphClient(graph.base_url, graph.access_token, http, timeout_s=5.0)


async def failure_of(client: GraphClient) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        await client.send_text(PSID, "Dzień dobry")
    return caught.value


def test_graph_client_is_the_messenger_outbound_channel(client: GraphClient) -> None:
    channel: OutboundChannel = client

    assert channel.name == "messenger"


async def test_send_text_posts_a_documented_send_api_body(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    await client.send_text(PSID, "Dzień dobry")

    [call] = graph.calls
    assert call.version == "v21.0"
    assert call.access_token == graph.access_token
    assert call.body == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Dzień dobry"},
    }


async def test_send_message_returns_the_message_id(client: GraphClient) -> None:
    assert (await client.send_message(PSID, {"text": "Hej"}) or "").startswith("m_")


async def test_sender_action_posts_only_the_action(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    await client.sender_action(PSID, "typing_on")
    await client.sender_action(PSID, "typing_off")

    assert [c.body for c in graph.calls] == [
        {"recipient": {"id": PSID}, "sender_action": "typing_on"},
        {"recipient": {"id": PSID}, "sender_action": "typing_off"},
    ]


async def test_send_quick_replies_shortens_titles(client: GraphClient, graph: FakeGraphApi) -> None:
    await client.send_quick_replies(
        PSID,
        "Czy połączyć z koordynatorem?",
        [Button("Tak, poproszę o kontakt", "/affirm"), Button("Nie", "/deny")],
    )

    [call] = graph.messages()
    assert call.quick_replies == [
        {"content_type": "text", "title": "Tak, poproszę o kon…", "payload": "/affirm"},
        {"content_type": "text", "title": "Nie", "payload": "/deny"},
    ]


async def test_deliver_sends_replies_in_order_and_stops_at_the_first_failure(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    replies = [BotReply(text="jeden"), BotReply(text="dwa"), BotReply(text="trzy")]
    await client.deliver(PSID, replies)
    assert graph.texts(PSID) == ["jeden", "dwa", "trzy"]

    graph.reset()
    await client.deliver(PSID, replies[:1])
    graph.fail_next(1, status=503)
    with pytest.raises(DeliveryError):
        await client.deliver(PSID, replies[1:])

    assert graph.texts(PSID) == ["jeden"]
    assert [c.status for c in graph.calls] == [200, 503]


async def test_deliver_skips_replies_with_nothing_to_show(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    await client.deliver(PSID, [BotReply(custom={"image": "x"}), BotReply(text="  ")])

    assert graph.calls == []


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retryable(
    client: GraphClient, graph: FakeGraphApi, status: int
) -> None:
    graph.fail_next(1, status=status)

    error = await failure_of(client)

    assert error.retryable is True
    assert error.retry_after_s is None


async def test_http_429_is_retryable_after_the_retry_after_seconds(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    graph.rate_limit_next(1, retry_after_s=7)

    error = await failure_of(client)

    assert error.retryable is True
    assert error.retry_after_s == 7.0


async def test_retry_after_as_an_http_date_is_understood(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    graph.fail_next(1, status=503, headers={"Retry-After": when})

    error = await failure_of(client)

    assert error.retry_after_s is not None
    assert 100 <= error.retry_after_s <= 121


@pytest.mark.parametrize("code", [1, 2, 4, 17, 32, 341, 613, 1200, 80006])
async def test_graph_rate_limit_and_transient_codes_are_retryable(
    client: GraphClient, graph: FakeGraphApi, code: int
) -> None:
    graph.graph_error_next(1, code=code, message=f"(#{code}) try later", status=400)

    assert (await failure_of(client)).retryable is True


async def test_business_use_case_header_gives_the_wait(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    usage = {
        "104589335512345": [
            {
                "type": "messenger",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 30,
                "estimated_time_to_regain_access": 2,
            }
        ]
    }
    graph.graph_error_next(
        1, code=80006, status=400, headers={"X-Business-Use-Case-Usage": json.dumps(usage)}
    )

    error = await failure_of(client)

    assert error.retryable is True
    assert error.retry_after_s == 120.0


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, 100, "(#100) The parameter recipient is required"),
        (403, 10, "(#10) This message is sent outside of allowed window."),
        (400, 551, "(#551) This person isn't available right now."),
        (400, 190, "Invalid OAuth access token."),
        (404, None, "Not Found"),
    ],
)
async def test_other_client_errors_are_not_retryable(
    client: GraphClient, graph: FakeGraphApi, status: int, code: int | None, message: str
) -> None:
    if code is None:
        graph.fail_next(1, status=status, body={})
    else:
        graph.graph_error_next(1, code=code, message=message, status=status)

    error = await failure_of(client)

    assert error.retryable is False
    assert error.retry_after_s is None


async def test_wrong_access_token_is_refused_by_the_fake_and_not_retryable(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    client = GraphClient(graph.base_url, "not-the-page-token", http)

    error = await failure_of(client)

    assert error.retryable is False
    assert "code=190" in str(error)
    assert graph.calls[0].access_token == "not-the-page-token"


async def test_slow_graph_times_out_as_retryable(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    client = GraphClient(graph.base_url, graph.access_token, http, timeout_s=0.2)
    graph.delay_next(1, seconds=1.0)

    error = await failure_of(client)

    assert error.retryable is True


async def test_unreachable_graph_is_retryable(http: httpx.AsyncClient) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))
        base_url = f"http://127.0.0.1:{closed.getsockname()[1]}/v21.0"
        client = GraphClient(base_url, "secret-token", http)

        error = await failure_of(client)

    assert error.retryable is True


async def test_failures_never_show_the_token(
    graph: FakeGraphApi, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = GraphClient(graph.base_url, graph.access_token, http, timeout_s=0.2)
    graph.fail_next(1, status=500)
    graph.delay_next(1, seconds=1.0)

    errors = [await failure_of(client), await failure_of(client)]

    assert "access_token=***" in caplog.text
    assert graph.access_token not in caplog.text
    assert all(graph.access_token not in str(e) for e in errors)


async def test_fake_wait_for_wakes_up_when_the_calls_arrive(
    client: GraphClient, graph: FakeGraphApi
) -> None:
    sending = asyncio.create_task(client.deliver(PSID, [BotReply("a"), BotReply("b")]))

    calls = await graph.wait_for(2, timeout=10)
    await sending

    assert [c.text for c in calls] == ["a", "b"]


async def test_fake_wait_for_fails_loudly_when_nothing_comes(graph: FakeGraphApi) -> None:
    with pytest.raises(AssertionError, match="expected 1 Graph calls"):
        await graph.wait_for(1, timeout=0.05)


def test_scrub_url_hides_tokens_and_keeps_the_rest() -> None:
    url = "https://graph.facebook.com/v21.0/me/messages?access_token=EAAB123&appsecret_proof=ab&x=1"

    assert scrub_url(url) == (
        "https://graph.facebook.com/v21.0/me/messages?access_token=***&appsecret_proof=***&x=1"
    )


async def test_graph_client_needs_a_token(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="MESSENGER_PAGE_ACCESS_TOKEN"):
        GraphClient("http://127.0.0.1:1/v21.0", "", http)
    settings = load_settings(None, environment="test", messenger_page_access_token=None)
    with pytest.raises(ValueError, match="MESSENGER_PAGE_ACCESS_TOKEN"):
        GraphClient.from_settings(settings, http)


async def test_graph_client_from_settings_uses_the_configured_url_and_token(
    graph: FakeGraphApi, http: httpx.AsyncClient
) -> None:
    settings = load_settings(
        None,
        environment="test",
        messenger_graph_api_url=graph.base_url,
        messenger_page_access_token=graph.access_token,
    )

    await GraphClient.from_settings(settings, http).send_text(PSID, "Hej")

    assert graph.texts(PSID) == ["Hej"]
