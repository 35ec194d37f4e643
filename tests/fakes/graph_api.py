"""A fake Messenger Send API (Graph API) served over real HTTP, for channel and hand-off tests.

It listens on 127.0.0.1 at a free port in a background thread, records every call, checks the
page access token and the documented limits, and can be told to fail, rate-limit or slow down::

    with FakeGraphApi.running() as graph:
        client = GraphClient(graph.base_url, graph.access_token, http)
        graph.fail_next(1, status=500)
        ...
        calls = await graph.wait_for(2)   # blocks on a Condition, no sleep loop
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

MAX_TEXT_CHARS = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE_CHARS = 20
MAX_PAYLOAD_CHARS = 1000
SENDER_ACTIONS = frozenset({"typing_on", "typing_off", "mark_seen"})


@dataclass(frozen=True)
class GraphCall:
    """One request the fake received, and the status it answered with."""

    version: str
    access_token: str | None
    body: dict[str, Any] | None
    status: int
    received_at: float = field(default_factory=time.monotonic)

    @property
    def recipient(self) -> str | None:
        recipient = (self.body or {}).get("recipient")
        return recipient.get("id") if isinstance(recipient, dict) else None

    @property
    def message(self) -> dict[str, Any] | None:
        message = (self.body or {}).get("message")
        return message if isinstance(message, dict) else None

    @property
    def sender_action(self) -> str | None:
        action = (self.body or {}).get("sender_action")
        return action if isinstance(action, str) else None

    @property
    def messaging_type(self) -> str | None:
        return (self.body or {}).get("messaging_type")

    @property
    def text(self) -> str | None:
        return (self.message or {}).get("text")

    @property
    def quick_replies(self) -> list[dict[str, Any]]:
        return list((self.message or {}).get("quick_replies") or [])

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class _Plan:
    """What to do with the next `remaining` calls: answer `status`/`body` after `delay_s`."""

    remaining: int
    status: int | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def graph_error(
    code: int,
    message: str,
    *,
    type_: str = "OAuthException",
    subcode: int | None = None,
    is_transient: bool | None = None,
) -> dict[str, Any]:
    """A Graph API error body, shaped like Meta's documented example."""
    error: dict[str, Any] = {
        "message": message,
        "type": type_,
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if is_transient is not None:
        error["is_transient"] = is_transient
    return {"error": error}


class FakeGraphApi:
    """POST /{version}/me/messages over real HTTP, recording calls and obeying fault plans.

    Stricter than Graph in one way: a quick reply title over 20 characters is refused (Graph
    would silently cut it), so a test notices when the caller forgot to shorten it.
    """

    def __init__(
        self, *, access_token: str = "fake-page-access-token", version: str = "v21.0"
    ) -> None:
        self.access_token = access_token
        self.version = version
        self.host = "127.0.0.1"
        self.port = 0
        self._calls: list[GraphCall] = []
        self._plans: list[_Plan] = []
        self._changed = threading.Condition()
        self._message_ids = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def running(cls, **kwargs: Any) -> Iterator[FakeGraphApi]:
        fake = cls(**kwargs)
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()

    @property
    def base_url(self) -> str:
        """What `MESSENGER_GRAPH_API_URL` would be: `http://127.0.0.1:<port>/<version>`."""
        return f"http://{self.host}:{self.port}/{self.version}"

    def start(self, ready_timeout_s: float = 10.0) -> None:
        # Bound but not listening: the port is ours (no race) and refuses until uvicorn serves.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((self.host, 0))
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(), log_level="warning", lifespan="off", access_log=False, loop="asyncio"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-graph-api", daemon=True
        )
        self._thread.start()
        self._wait_until_listening(ready_timeout_s)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()

    def _wait_until_listening(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                raise RuntimeError("fake Graph API server thread died during start-up")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError(f"fake Graph API not listening on port {self.port} after {timeout_s}s")

    # -- behaviour -------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `count` calls with `status` (default a bare 500)."""
        default = body if body is not None else graph_error(2, "Service temporarily unavailable")
        self._plan(_Plan(count, status=status, body=default, headers=dict(headers or {})))

    def rate_limit_next(self, count: int = 1, *, retry_after_s: float | None = None) -> None:
        """Answer the next `count` calls with HTTP 429 (and `Retry-After` when given)."""
        headers = {} if retry_after_s is None else {"Retry-After": f"{retry_after_s:g}"}
        body = graph_error(4, "(#4) Application request limit reached")
        self._plan(_Plan(count, status=429, body=body, headers=headers))

    def graph_error_next(
        self,
        count: int = 1,
        *,
        code: int = 613,
        message: str = "(#613) Calls to this api have exceeded the rate limit.",
        status: int = 400,
        subcode: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `count` calls with a Graph error JSON (default: 613 rate limit)."""
        body = graph_error(code, message, subcode=subcode)
        self._plan(_Plan(count, status=status, body=body, headers=dict(headers or {})))

    def delay_next(self, count: int = 1, *, seconds: float) -> None:
        """Answer the next `count` calls normally, but only after `seconds`."""
        self._plan(_Plan(count, delay_s=seconds))

    def reset(self) -> None:
        with self._changed:
            self._calls.clear()
            self._plans.clear()

    def _plan(self, plan: _Plan) -> None:
        with self._changed:
            self._plans.append(plan)

    def _take_plan(self) -> _Plan | None:
        with self._changed:
            while self._plans and self._plans[0].remaining <= 0:
                self._plans.pop(0)
            if not self._plans:
                return None
            self._plans[0].remaining -= 1
            return self._plans[0]

    # -- inspection ------------------------------------------------------------------------

    @property
    def calls(self) -> list[GraphCall]:
        with self._changed:
            return list(self._calls)

    def messages(self, recipient: str | None = None) -> list[GraphCall]:
        """Accepted message sends (not sender actions), optionally for one recipient."""
        return [
            c
            for c in self.calls
            if c.ok and c.message is not None and recipient in (None, c.recipient)
        ]

    def texts(self, recipient: str | None = None) -> list[str]:
        return [c.text or "" for c in self.messages(recipient)]

    def sender_actions(self, recipient: str | None = None) -> list[str]:
        return [
            c.sender_action
            for c in self.calls
            if c.sender_action is not None and recipient in (None, c.recipient)
        ]

    async def wait_for(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - the wait happens in a thread, on a Condition
        *,
        where: Callable[[GraphCall], bool] | None = None,
    ) -> list[GraphCall]:
        """Wait until `count` calls (matching `where`) were received; AssertionError on timeout."""

        def matching() -> list[GraphCall]:
            return [c for c in self._calls if where is None or where(c)]

        def wait() -> bool:
            with self._changed:
                return self._changed.wait_for(lambda: len(matching()) >= count, timeout)

        arrived = await asyncio.to_thread(wait)
        with self._changed:
            found = matching()
        if not arrived:
            raise AssertionError(
                f"expected {count} Graph calls within {timeout}s, got {len(found)}: "
                f"{[c.body for c in self.calls]}"
            )
        return found

    # -- the HTTP side ---------------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(routes=[Route("/{version}/me/messages", self._messages, methods=["POST"])])

    async def _messages(self, request: Request) -> JSONResponse:
        token = request.query_params.get("access_token")
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else None
        plan = self._take_plan()
        status, answer, headers = self._answer(token, body, plan)
        with self._changed:
            self._calls.append(GraphCall(request.path_params["version"], token, body, status))
            self._changed.notify_all()
        if plan is not None and plan.delay_s:
            await asyncio.sleep(plan.delay_s)
        return JSONResponse(answer, status_code=status, headers=headers)

    def _answer(
        self, token: str | None, body: dict[str, Any] | None, plan: _Plan | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        if token != self.access_token:
            error = graph_error(190, "Invalid OAuth access token - Cannot parse access token")
            return 400, error, {}
        if plan is not None and plan.status is not None:
            return plan.status, plan.body or {}, plan.headers
        problem = _invalid(body)
        if problem:
            return 400, graph_error(100, f"(#100) {problem}", type_="OAuthException"), {}
        assert body is not None
        recipient = body["recipient"]["id"]
        if "sender_action" in body:
            return 200, {"recipient_id": recipient}, {}
        return (
            200,
            {"recipient_id": recipient, "message_id": f"m_fake{next(self._message_ids)}"},
            {},
        )


def _invalid(body: dict[str, Any] | None) -> str | None:
    """What Graph would reject in this Send API body, or None."""
    if body is None:
        return "The request body must be a JSON object"
    recipient = body.get("recipient")
    if not isinstance(recipient, dict) or not recipient.get("id"):
        return "param recipient must be non-empty"
    if "sender_action" in body:
        if body["sender_action"] not in SENDER_ACTIONS:
            return "param sender_action must be one of typing_on, typing_off, mark_seen"
        return "sender_action cannot be sent with message" if "message" in body else None
    if body.get("messaging_type") not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
        return "param messaging_type must be RESPONSE, UPDATE or MESSAGE_TAG"
    return _invalid_message(body.get("message"))


def _invalid_message(message: object) -> str | None:
    if not isinstance(message, dict):
        return "param message must be an object"
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        return "param message[text] must be a non-empty UTF-8 encoded string"
    if len(text) > MAX_TEXT_CHARS:
        return "param message[text] must be UTF-8 encoded with 2000 or fewer characters"
    quick_replies = message.get("quick_replies", [])
    if not isinstance(quick_replies, list) or len(quick_replies) > MAX_QUICK_REPLIES:
        return "param message[quick_replies] must have at most 13 elements"
    for reply in quick_replies:
        if not isinstance(reply, dict) or reply.get("content_type") != "text":
            return "param quick_replies[content_type] must be text"
        title, payload = reply.get("title"), reply.get("payload")
        if not isinstance(title, str) or not title or len(title) > MAX_TITLE_CHARS:
            return "param quick_replies[title] must be 1-20 characters"
        if not isinstance(payload, str) or not payload or len(payload) > MAX_PAYLOAD_CHARS:
            return "param quick_replies[payload] must be 1-1000 characters"
    return None
