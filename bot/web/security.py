"""Security headers for every response of the bot web app (chat page, API, admin, webhooks).

A pure ASGI middleware rather than ``@app.middleware("http")``: it only touches the response
start message, so streaming, background tasks and context variables behave as without it.
A route that needs a different policy sets the header itself; it is then left alone.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Everything the chat page needs comes from this origin: no inline script or style, no CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to each HTTP response that does not set them already."""

    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None):
        self.app = app
        self.headers = dict(SECURITY_HEADERS if headers is None else headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in response_headers:
                        response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_security_headers(app: FastAPI) -> None:
    """Install the middleware once (calling it again is harmless); call before the app starts."""
    if getattr(app.state, "security_headers", False):
        return
    app.add_middleware(SecurityHeadersMiddleware)
    app.state.security_headers = True
