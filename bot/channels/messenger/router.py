"""Messenger webhook: the verification GET and the signed event POST, answered in the background.

Meta wants a 200 fast and redelivers otherwise, so the POST checks the signature, accepts the new
events and returns "EVENT_RECEIVED"; the answers are produced by tasks the router keeps, one
chain per user so that a user's messages are answered in the order they were sent.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from bot.assistant import Assistant
from bot.channels.messenger.dedup import DedupStore, MemoryDedupStore
from bot.channels.messenger.events import InboundEvent, parse_webhook
from bot.channels.messenger.graph import GraphClient
from bot.channels.messenger.handler import ASSISTANT_TIMEOUT_S, EventHandler, user_ref
from bot.channels.messenger.signature import SIGNATURE_HEADER, is_valid_signature
from bot.settings import Settings

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/messenger"
MAX_BODY_BYTES = 1_000_000
MAX_CONCURRENT_EVENTS = 32


class MessengerRouter(APIRouter):
    """The webhook routes plus the background work they start; `drain()` waits for that work."""

    def __init__(
        self,
        settings: Settings,
        assistant: Assistant,
        client: GraphClient,
        *,
        dedup: DedupStore | None = None,
        assistant_timeout_s: float = ASSISTANT_TIMEOUT_S,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_concurrent: int = MAX_CONCURRENT_EVENTS,
    ):
        super().__init__()
        if not settings.messenger_verify_token or not settings.messenger_app_secret:
            raise ValueError("MESSENGER_VERIFY_TOKEN and MESSENGER_APP_SECRET must be set")
        self._verify_token = settings.messenger_verify_token.encode("utf-8")
        self._app_secret = settings.messenger_app_secret
        self._dedup: DedupStore = dedup if dedup is not None else MemoryDedupStore()
        self._handler = EventHandler(assistant, client, assistant_timeout_s=assistant_timeout_s)
        self._max_body_bytes = max_body_bytes
        self._slots = asyncio.Semaphore(max_concurrent)
        self._tasks: set[asyncio.Task[None]] = set()
        self._tails: dict[str, asyncio.Task[None]] = {}
        self.add_api_route(WEBHOOK_PATH, self.verify, methods=["GET"], include_in_schema=False)
        self.add_api_route(WEBHOOK_PATH, self.receive, methods=["POST"], include_in_schema=False)

    @property
    def pending(self) -> int:
        """How many background answer tasks are still running."""
        return len(self._tasks)

    async def verify(self, request: Request) -> Response:
        """Meta's subscription check: echo `hub.challenge` when the verify token matches."""
        params = request.query_params
        mode = params.get("hub.mode")
        token = params.get("hub.verify_token")
        challenge = params.get("hub.challenge")
        if (
            mode == "subscribe"
            and token is not None
            and challenge is not None
            and hmac.compare_digest(token.encode("utf-8"), self._verify_token)
        ):
            logger.info("messenger webhook verified")
            return PlainTextResponse(challenge)
        logger.warning("messenger webhook verification refused mode=%s", mode)
        return PlainTextResponse("Forbidden", status_code=403)

    async def receive(self, request: Request) -> Response:
        """Signed batch of events: accept the new ones, answer them after the response."""
        body = await self._read_body(request)
        if body is None:
            logger.warning("messenger webhook refused: body over %s bytes", self._max_body_bytes)
            return PlainTextResponse("Payload Too Large", status_code=413)
        if not is_valid_signature(body, request.headers.get(SIGNATURE_HEADER), self._app_secret):
            logger.warning(
                "messenger webhook refused: bad or missing signature bytes=%s", len(body)
            )
            return PlainTextResponse("Forbidden", status_code=403)
        try:
            payload = json.loads(body)
        except ValueError:
            logger.warning("messenger webhook refused: signed body is not JSON")
            return PlainTextResponse("Bad Request", status_code=400)
        if not isinstance(payload, dict) or payload.get("object") != "page":
            logger.warning("messenger webhook ignored: object is not 'page'")
            return PlainTextResponse("Not Found", status_code=404)
        events = parse_webhook(payload)
        fresh = [event for event in events if await self._is_new(event)]
        logger.info(
            "messenger webhook accepted events=%s duplicates=%s",
            len(fresh),
            len(events) - len(fresh),
        )
        self._dispatch(fresh)
        return PlainTextResponse("EVENT_RECEIVED")

    async def drain(self, timeout_s: float | None = None) -> None:
        """Wait until every accepted event is answered; past `timeout_s`, cancel what is left."""
        try:
            async with asyncio.timeout(timeout_s):
                while self._tasks:
                    await asyncio.gather(*self._tasks, return_exceptions=True)
        except TimeoutError:
            left = list(self._tasks)
            logger.warning("messenger drain timed out, cancelling tasks=%s", len(left))
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)

    async def _read_body(self, request: Request) -> bytes | None:
        """The raw body, or None as soon as it is known to exceed the limit."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body_bytes:
            return None
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self._max_body_bytes:
                return None
        return bytes(body)

    async def _is_new(self, event: InboundEvent) -> bool:
        if event.dedup_key is None:
            return True
        try:
            if await self._dedup.add(event.dedup_key):
                return True
        except Exception:
            # A shared store being down must not silence the bot: answer, maybe twice.
            logger.exception("messenger dedup store failed user=%s", user_ref(event.psid))
            return True
        logger.info("messenger duplicate event skipped user=%s", user_ref(event.psid))
        return False

    def _dispatch(self, events: Sequence[InboundEvent]) -> None:
        by_sender: dict[str, list[InboundEvent]] = {}
        for event in events:
            by_sender.setdefault(event.psid, []).append(event)
        for psid, batch in by_sender.items():
            task = asyncio.create_task(self._answer(batch, self._tails.get(psid)))
            self._tails[psid] = task
            self._tasks.add(task)
            task.add_done_callback(functools.partial(self._forget, psid))

    async def _answer(
        self, batch: Sequence[InboundEvent], previous: asyncio.Task[None] | None
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])  # the user's earlier messages are answered first
        for event in batch:
            async with self._slots:
                await self._handler.handle(event)

    def _forget(self, psid: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(psid) is task:
            del self._tails[psid]


def messenger_router(
    settings: Settings,
    assistant: Assistant,
    client: GraphClient,
    *,
    dedup: DedupStore | None = None,
    assistant_timeout_s: float = ASSISTANT_TIMEOUT_S,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> MessengerRouter:
    """The Messenger webhook router: include it in the app, `await router.drain()` on shutdown."""
    return MessengerRouter(
        settings,
        assistant,
        client,
        dedup=dedup,
        assistant_timeout_s=assistant_timeout_s,
        max_body_bytes=max_body_bytes,
    )
