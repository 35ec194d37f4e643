"""Messenger Send API client (`POST {graph}/me/messages`), also the `OutboundChannel` for Messenger.

The page access token travels in the query string, as Meta documents; it is scrubbed from every
URL this module logs and from httpx's own request log lines.
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import Sequence
from typing import Any, Literal

import httpx

from bot.assistant import BotReply, Button
from bot.channels.base import DeliveryError
from bot.channels.messenger.render import render_replies, split_text
from bot.settings import Settings

logger = logging.getLogger(__name__)

SenderAction = Literal["typing_on", "typing_off", "mark_seen"]

# Graph error codes worth retrying later: 1/2 transient API errors, 4/17/32/341/613 rate limits
# (app, user, page, application, per-call), 1200 Messenger "temporary send message failure",
# 80006 Messenger business-use-case rate limit.
RETRYABLE_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 1200, 80006})

_SECRET_PARAMS = re.compile(r"((?:access_token|appsecret_proof)=)[^&#\s'\"]*", re.IGNORECASE)


def scrub_url(url: object) -> str:
    """`url` as text with the access token (and appsecret_proof) replaced by `***`."""
    return _SECRET_PARAMS.sub(r"\1***", str(url))


class _ScrubTokenFilter(logging.Filter):
    """Rewrites httpx's `HTTP Request: POST <url>` lines so the token never reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                scrub_url(arg) if isinstance(arg, str | httpx.URL) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = scrub_url(record.msg)
        return True


def _install_httpx_scrubber() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _ScrubTokenFilter) for f in httpx_logger.filters):
        httpx_logger.addFilter(_ScrubTokenFilter())


class GraphClient:
    """Sends text, quick replies and sender actions to one Page's users (recipient = PSID)."""

    name = "messenger"

    def __init__(
        self,
        base_url: str,
        page_access_token: str,
        http: httpx.AsyncClient,
        *,
        timeout_s: float = 10.0,
    ):
        if not page_access_token:
            raise ValueError("page_access_token is required (MESSENGER_PAGE_ACCESS_TOKEN)")
        self._url = base_url.rstrip("/") + "/me/messages"
        self._token = page_access_token
        self._http = http
        self._timeout = httpx.Timeout(timeout_s)
        _install_httpx_scrubber()

    @classmethod
    def from_settings(
        cls, settings: Settings, http: httpx.AsyncClient, *, timeout_s: float = 10.0
    ) -> GraphClient:
        """The client for MESSENGER_GRAPH_API_URL and MESSENGER_PAGE_ACCESS_TOKEN."""
        return cls(
            settings.messenger_graph_api_url,
            settings.messenger_page_access_token or "",
            http,
            timeout_s=timeout_s,
        )

    async def deliver(self, recipient: str, replies: Sequence[BotReply]) -> None:
        """Send `replies` in order; stop at the first failure and raise DeliveryError."""
        for message in render_replies(replies):
            await self.send_message(recipient, message)

    async def send_text(self, psid: str, text: str) -> None:
        """Send `text`, split into ≤ 2000-character messages."""
        for chunk in split_text(text):
            await self.send_message(psid, {"text": chunk})

    async def send_quick_replies(self, psid: str, text: str, buttons: Sequence[Button]) -> None:
        """Send `text` with `buttons` as quick replies (limits applied as in `render_reply`)."""
        await self.deliver(psid, [BotReply(text=text, buttons=tuple(buttons))])

    async def sender_action(self, psid: str, action: SenderAction) -> None:
        """Show or hide the typing bubble, or mark the conversation seen."""
        await self._post({"recipient": {"id": psid}, "sender_action": action})

    async def send_message(self, psid: str, message: dict[str, Any]) -> str | None:
        """POST one ready-made `message` object as a RESPONSE; returns Meta's message id."""
        body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
        answer = await self._post(body)
        message_id = answer.get("message_id")
        return message_id if isinstance(message_id, str) else None

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http.post(
                self._url, params={"access_token": self._token}, json=body, timeout=self._timeout
            )
        except httpx.TimeoutException as exc:
            logger.warning("graph request timed out url=%s", scrub_url(self._url))
            raise DeliveryError("Send API timed out", retryable=True) from exc
        except httpx.HTTPError as exc:
            logger.warning(
                "graph request failed url=%s error=%s", scrub_url(self._url), type(exc).__name__
            )
            raise DeliveryError(
                f"Send API unreachable: {type(exc).__name__}", retryable=True
            ) from exc
        if response.is_success:
            return _json_object(response)
        raise _delivery_error(response)


def _delivery_error(response: httpx.Response) -> DeliveryError:
    error = _json_object(response).get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    retryable = (
        response.status_code == 429
        or response.status_code >= 500
        or code in RETRYABLE_GRAPH_CODES
        or error.get("is_transient") is True
    )
    retry_after_s = _retry_after_s(response.headers) if retryable else None
    logger.warning(
        "graph send failed url=%s status=%s code=%s subcode=%s retryable=%s retry_after_s=%s "
        "fbtrace_id=%s",
        scrub_url(response.request.url),
        response.status_code,
        code,
        error.get("error_subcode"),
        retryable,
        retry_after_s,
        error.get("fbtrace_id"),
    )
    detail = (
        error.get("message") if isinstance(error.get("message"), str) else response.reason_phrase
    )
    return DeliveryError(
        f"Send API HTTP {response.status_code} code={code}: {scrub_url(detail)}",
        retryable=retryable,
        retry_after_s=retry_after_s,
    )


def _retry_after_s(headers: httpx.Headers) -> float | None:
    """Seconds to wait: `Retry-After` (seconds or HTTP date), else Meta's usage headers."""
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    minutes = _regain_access_minutes(headers.get("x-business-use-case-usage"))
    return minutes * 60.0 if minutes else None


def _regain_access_minutes(header: str | None) -> float:
    """Largest `estimated_time_to_regain_access` (minutes) in X-Business-Use-Case-Usage."""
    if not header:
        return 0.0
    try:
        usage = json.loads(header)
    except ValueError:
        return 0.0
    groups = usage.values() if isinstance(usage, dict) else []
    minutes = [
        float(item.get("estimated_time_to_regain_access") or 0)
        for group in groups
        if isinstance(group, list)
        for item in group
        if isinstance(item, dict)
        and isinstance(item.get("estimated_time_to_regain_access"), int | float)
    ]
    return max(minutes, default=0.0)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
