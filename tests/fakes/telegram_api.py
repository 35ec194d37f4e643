"""A fake Telegram Bot API served over real HTTP, for channel and hand-off tests.

It listens on 127.0.0.1 at a free port in a background thread and answers
``/bot<token>/<method>`` like api.telegram.org: JSON, form or query parameters in, the
documented ``{"ok": ..., "result": ...}`` envelope out. It checks the token and the limits the
real API enforces (4096-character texts, 64-byte callback_data, 200-character callback answers),
records every call, serves queued updates to long polling with offsets, and can be told to
fail the next calls with 5xx, 429 + ``retry_after`` or any documented error::

    with FakeTelegramApi.running() as api:
        app = build_application(load_settings(None, telegram_bot_token=api.token,
                                              telegram_api_base_url=api.base_url), assistant)
        await start_telegram(app, settings)
        api.push_update(load_update("private_text"))
        [call] = await api.wait_for_call("sendMessage")          # an asyncio.Event, no sleeps
        api.fail_next(2, method="sendMessage", status=429, retry_after=3)
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "telegram"

DEFAULT_TOKEN = "7351246810:AAFakeTokenForTests_0123456789abcdefg"
BOT_USER: dict[str, Any] = {
    "id": 7351246810,
    "is_bot": True,
    "first_name": "Asystent Naborów",
    "username": "asystent_naborow_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

MAX_TEXT_UNITS = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_CHARS = 200

_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "entities",
        "reply_parameters",
        "link_preview_options",
        "commands",
    }
)
_INT_FIELDS = frozenset(
    {"chat_id", "offset", "limit", "timeout", "message_id", "cache_time", "max_connections"}
)
_BOOL_FIELDS = frozenset({"show_alert", "drop_pending_updates", "disable_notification"})


def load_update(name: str) -> dict[str, Any]:
    """A recorded Update from tests/data/telegram/<name>.json (a fresh copy to edit)."""
    data: dict[str, Any] = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class ApiCall:
    """One request the fake received and the status it answered with."""

    method: str
    params: dict[str, Any]
    status: int
    received_at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        text = self.params.get("text")
        return text if isinstance(text, str) else None

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        """The inline keyboard rows sent with this call ([] if none)."""
        markup = self.params.get("reply_markup")
        if not isinstance(markup, dict):
            return []
        return list(markup.get("inline_keyboard") or [])


@dataclass
class _FailurePlan:
    remaining: int
    status: int
    description: str
    retry_after: int | None
    method: str | None


@dataclass
class _Waiter:
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event
    satisfied: Callable[[list[ApiCall]], bool]


def _error(status: int, description: str, retry_after: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


class FakeTelegramApi:
    """The Bot API methods the channel uses, over HTTP, with recorded calls and fault plans."""

    METHODS = (
        "getMe",
        "getUpdates",
        "sendMessage",
        "sendChatAction",
        "answerCallbackQuery",
        "editMessageReplyMarkup",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "setMyCommands",
    )

    def __init__(self, *, token: str = DEFAULT_TOKEN, max_poll_s: float = 1.0) -> None:
        self.token = token
        self.bot_user = dict(BOT_USER)
        self.max_poll_s = max_poll_s
        self.host = "127.0.0.1"
        self.port = 0
        self._lock = threading.Lock()
        self._calls: list[ApiCall] = []
        self._waiters: list[_Waiter] = []
        self._plans: list[_FailurePlan] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(700_000_001)
        self._message_ids = itertools.count(1001)
        self._chats: dict[int, dict[str, Any]] = {}
        self._sent: dict[tuple[int, int], dict[str, Any]] = {}
        self._webhook: dict[str, Any] = {}
        self._pollers: set[asyncio.Event] = set()
        self._closing = False
        self._methods = {name.lower(): name for name in self.METHODS}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    @contextlib.contextmanager
    def running(cls, **kwargs: Any) -> Iterator[FakeTelegramApi]:
        fake = cls(**kwargs)
        fake.start()
        try:
            yield fake
        finally:
            fake.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` would be (the token is appended by the client)."""
        return f"{self.root_url}/bot"

    def start(self, ready_timeout_s: float = 10.0) -> None:
        # Bound before serving: the port is ours, no race with another test run. The explicit
        # IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections; without it every
        # keep-alive request stalls ~40 ms on Nagle + delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._asgi(),
            log_level="warning",
            lifespan="off",
            access_log=False,
            loop="asyncio",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name="fake-telegram-api", daemon=True
        )
        self._thread.start()
        self._wait_until_ready(ready_timeout_s)

    def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _serve(self, sock: socket.socket) -> None:
        assert self._loop is not None
        assert self._server is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.serve(sockets=[sock]))
        finally:
            self._loop.close()
            sock.close()

    def _wait_until_ready(self, timeout_s: float) -> None:
        """Bounded polling of the health route until uvicorn answers."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._thread is not None and not self._thread.is_alive():
                raise RuntimeError("fake Telegram API server thread died during start-up")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.root_url}/health", timeout=0.5).status_code == 200:
                    return
            time.sleep(0.01)
        raise RuntimeError(f"fake Telegram API not ready on port {self.port} after {timeout_s}s")

    def reset(self) -> None:
        """Forget calls, updates, plans and the webhook (between tests on a shared server)."""
        with self._lock:
            self._calls.clear()
            self._plans.clear()
            self._updates.clear()
            self._chats.clear()
            self._sent.clear()
            self._webhook.clear()
        self._wake_pollers()

    # -- driving ---------------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an Update for getUpdates; a fresh, increasing update_id is assigned.

        Like Telegram, getUpdates records `allowed_updates` but this fake returns every kind,
        so tests can check that the bot ignores what it did not ask for.
        """
        [update_id] = self.push_updates([update])
        return update_id

    def push_updates(self, updates: list[dict[str, Any]]) -> list[int]:
        """Queue several updates at once, so one getUpdates call returns them together."""
        batch = [copy.deepcopy(update) for update in updates]
        with self._lock:
            for update in batch:
                update["update_id"] = next(self._update_ids)
                self._learn_chats(update)
            self._updates.extend(batch)
        self._wake_pollers()
        return [update["update_id"] for update in batch]

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 500,
        retry_after: int | None = None,
        method: str | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls (of `method`, or any) with `status`.

        429 carries ``parameters.retry_after`` like Telegram's flood control; 403/400 take the
        documented descriptions, e.g. ``"Forbidden: bot was blocked by the user"``.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        default = {
            400: "Bad Request: chat not found",
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after}",
        }.get(status, "Internal Server Error")
        plan = _FailurePlan(times, status, description or default, retry_after, method)
        with self._lock:
            self._plans.append(plan)

    # -- inspection ------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[ApiCall]:
        """Successful sendMessage calls, optionally to one chat."""
        return [
            c for c in self.calls("sendMessage") if c.ok and chat_id in (None, c.params["chat_id"])
        ]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [c.text or "" for c in self.sent_messages(chat_id)]

    @property
    def webhook(self) -> dict[str, Any]:
        """The registered webhook (url, secret_token, allowed_updates) or {}."""
        with self._lock:
            return dict(self._webhook)

    async def wait_for_call(
        self,
        method: str,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - waits on an Event set from the server thread
        where: Callable[[ApiCall], bool] | None = None,
    ) -> list[ApiCall]:
        """Wait until `count` calls of `method` (matching `where`) arrived; return them all.

        Raises AssertionError listing what did arrive, if they do not within `timeout`.
        """

        def matching(calls: list[ApiCall]) -> list[ApiCall]:
            return [c for c in calls if c.method == method and (where is None or where(c))]

        waiter = _Waiter(
            asyncio.get_running_loop(), asyncio.Event(), lambda calls: len(matching(calls)) >= count
        )
        with self._lock:
            if waiter.satisfied(self._calls):
                return matching(self._calls)
            self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter.event.wait()
        except TimeoutError:
            summary = [(c.method, c.status, c.params.get("text")) for c in self.calls()]
            raise AssertionError(
                f"expected {count} {method} call(s) within {timeout}s; received: {summary}"
            ) from None
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
        return matching(self.calls())

    async def wait_until_fetched(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the client confirmed `update_id` (asked getUpdates with a later offset),
        i.e. the update was handed to the application."""
        await self.wait_for_call(
            "getUpdates",
            timeout=timeout,
            where=lambda c: (
                isinstance(c.params.get("offset"), int) and c.params["offset"] > update_id
            ),
        )

    # -- the HTTP side ---------------------------------------------------------------------

    def _asgi(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/health", self._health, methods=["GET"]),
                Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
            ]
        )

    async def _health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def _endpoint(self, request: Request) -> JSONResponse:
        method = self._methods.get(request.path_params["method"].lower())
        params = await _read_params(request)
        if request.path_params["token"] != self.token:
            return self._answer(method or "?", params, 401, _error(401, "Unauthorized"))
        if method is None:
            return self._answer("?", params, 404, _error(404, "Not Found"))
        plan = self._take_plan(method)
        if plan is not None:
            body = _error(plan.status, plan.description, plan.retry_after)
            return self._answer(method, params, plan.status, body)
        problem = _invalid(method, params)
        if problem is not None:
            return self._answer(method, params, 400, _error(400, f"Bad Request: {problem}"))
        if method == "getUpdates":
            return await self._get_updates(params)
        result = self._result(method, params)
        return self._answer(method, params, 200, {"ok": True, "result": result})

    def _answer(
        self, method: str, params: dict[str, Any], status: int, body: dict[str, Any]
    ) -> JSONResponse:
        self._record(ApiCall(method, params, status))
        return JSONResponse(body, status_code=status)

    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)
            ready = [w for w in self._waiters if w.satisfied(self._calls)]
        for waiter in ready:
            # The test's loop may be gone if it gave up already.
            with contextlib.suppress(RuntimeError):
                waiter.loop.call_soon_threadsafe(waiter.event.set)

    def _take_plan(self, method: str) -> _FailurePlan | None:
        with self._lock:
            for plan in self._plans:
                if plan.remaining > 0 and plan.method in (None, method):
                    plan.remaining -= 1
                    return plan
            return None

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        if self.webhook:
            description = (
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
            return self._answer("getUpdates", params, 409, _error(409, description))
        self._record(ApiCall("getUpdates", params, 200))
        loop = asyncio.get_running_loop()
        wait_s = min(float(params.get("timeout") or 0), self.max_poll_s)
        deadline = loop.time() + wait_s
        while True:
            pending = self._pending_updates(params.get("offset"), params.get("limit"))
            remaining = deadline - loop.time()
            if pending or self._closing or remaining <= 0:
                return JSONResponse({"ok": True, "result": pending})
            arrived = asyncio.Event()
            self._pollers.add(arrived)
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await arrived.wait()
            finally:
                self._pollers.discard(arrived)

    def _pending_updates(self, offset: Any, limit: Any) -> list[dict[str, Any]]:
        """Confirm (drop) updates before `offset`, like Telegram; return what is left."""
        count = limit if isinstance(limit, int) and 1 <= limit <= 100 else 100
        with self._lock:
            if isinstance(offset, int) and offset < 0:
                self._updates = self._updates[offset:]
            elif isinstance(offset, int):
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return copy.deepcopy(self._updates[:count])

    def _wake_pollers(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def wake() -> None:
            for event in self._pollers:
                event.set()

        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(wake)

    # -- results ---------------------------------------------------------------------------

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return self.bot_user
        if method == "sendMessage":
            return self._store_message(params)
        if method == "editMessageReplyMarkup":
            return self._edit_markup(params)
        if method == "setWebhook":
            with self._lock:
                self._webhook = {
                    "url": params["url"],
                    "secret_token": params.get("secret_token"),
                    "allowed_updates": params.get("allowed_updates"),
                }
            return True
        if method == "deleteWebhook":
            with self._lock:
                self._webhook = {}
                if params.get("drop_pending_updates"):
                    self._updates.clear()
            return True
        if method == "getWebhookInfo":
            with self._lock:
                info: dict[str, Any] = {
                    "url": self._webhook.get("url", ""),
                    "has_custom_certificate": False,
                    "pending_update_count": len(self._updates),
                }
                if self._webhook.get("allowed_updates"):
                    info["allowed_updates"] = self._webhook["allowed_updates"]
            return info
        return True  # sendChatAction, answerCallbackQuery, setMyCommands

    def _store_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params["chat_id"]
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": params["text"],
        }
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        with self._lock:
            self._sent[(chat_id, message["message_id"])] = message
        return message

    def _edit_markup(self, params: dict[str, Any]) -> Any:
        if "inline_message_id" in params:
            return True
        key = (params["chat_id"], params["message_id"])
        with self._lock:
            message = dict(
                self._sent.get(key)
                or {
                    "message_id": key[1],
                    "from": self.bot_user,
                    "chat": self._chats.get(key[0]) or {"id": key[0], "type": "private"},
                    "date": int(time.time()),
                    "text": "…",
                }
            )
        message.pop("reply_markup", None)
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        message["edit_date"] = int(time.time())
        return message

    def _chat(self, chat_id: int) -> dict[str, Any]:
        with self._lock:
            known = self._chats.get(chat_id)
        if known is not None:
            return known
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Użytkownik"}
        return {"id": chat_id, "type": "supergroup", "title": "Grupa"}

    def _learn_chats(self, update: dict[str, Any]) -> None:
        for key in ("message", "edited_message", "channel_post"):
            chat = (update.get(key) or {}).get("chat")
            if isinstance(chat, dict):
                self._chats[chat["id"]] = chat
        query_message = (update.get("callback_query") or {}).get("message") or {}
        if isinstance(query_message.get("chat"), dict):
            chat = query_message["chat"]
            self._chats[chat["id"]] = chat
            self._sent[(chat["id"], query_message["message_id"])] = query_message


async def _read_params(request: Request) -> dict[str, Any]:
    """Query string, JSON or form body, with form values decoded as the Bot API does."""
    raw: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        body = json.loads(await request.body() or b"{}")
        decoded = {key: _decode(key, value) for key, value in raw.items()}
        return {**decoded, **(body if isinstance(body, dict) else {})}
    if "form" in content_type:
        form = await request.form()
        raw.update({key: value for key, value in form.items() if isinstance(value, str)})
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        with contextlib.suppress(ValueError):
            return json.loads(value)
    if key in _INT_FIELDS and value.lstrip("-").isdigit():
        return int(value)
    if key in _BOOL_FIELDS and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _invalid(method: str, params: dict[str, Any]) -> str | None:
    """What the real Bot API would refuse with 400 for these parameters, or None."""
    if method == "sendMessage":
        if "chat_id" not in params:
            return "chat_id is empty"
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            return "message text is empty"
        if _units(text) > MAX_TEXT_UNITS:
            return "message is too long"
        return _invalid_markup(params.get("reply_markup"))
    if method == "editMessageReplyMarkup":
        if "inline_message_id" not in params and not (
            "chat_id" in params and "message_id" in params
        ):
            return "message identifier is not specified"
        return _invalid_markup(params.get("reply_markup"))
    if method == "sendChatAction" and "chat_id" not in params:
        return "chat_id is empty"
    if method == "answerCallbackQuery":
        if not params.get("callback_query_id"):
            return "query is too old and response timeout expired or query ID is invalid"
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_CHARS:
            return "MESSAGE_TOO_LONG"
    if method == "setWebhook":
        secret = params.get("secret_token")
        if secret is not None and not (
            1 <= len(secret) <= 256
            and all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in secret)
        ):
            return "secret token contains unallowed characters"
    return None


def _invalid_markup(markup: Any) -> str | None:
    if markup is None:
        return None
    if not isinstance(markup, dict):
        return "can't parse reply keyboard markup JSON object"
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if not str(button.get("text") or "").strip():
                return "text buttons are unallowed in the inline keyboard"
            data = button.get("callback_data")
            if (
                data is not None
                and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
            ):
                return "BUTTON_DATA_INVALID"
    return None


# -- driving the real bot against the fake -----------------------------------------------------


def text_update(text: str, *, template: str = "private_text") -> dict[str, Any]:
    """A recorded message update with its text replaced (entities dropped)."""
    update = load_update(template)
    update["message"]["text"] = text
    update["message"].pop("entities", None)
    return update


def chat_id_of(update: dict[str, Any]) -> int:
    message = update.get("message") or (update.get("callback_query") or {}).get("message")
    assert message is not None, "update without a message"
    chat_id: int = message["chat"]["id"]
    return chat_id


@dataclass
class TelegramHarness:
    """A started PTB Application talking to a FakeTelegramApi: push updates, await calls."""

    api: FakeTelegramApi
    app: Any  # bot.channels.telegram.TelegramApp
    settings: Any  # bot.settings.Settings
    _stopped: bool = False

    def push(self, update: dict[str, Any]) -> int:
        return self.api.push_update(update)

    def push_text(self, text: str, *, template: str = "private_text") -> int:
        return self.api.push_update(text_update(text, template=template))

    async def settle(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until `update_id` was fetched, then stop the application, which finishes every
        update being handled: afterwards the recorded calls are final (for "nothing sent")."""
        await self.api.wait_until_fetched(update_id, timeout=timeout)
        await self.stop()

    async def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            from bot.channels.telegram import stop_telegram

            await stop_telegram(self.app)
