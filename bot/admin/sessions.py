"""The panel's session cookie and CSRF tokens, both signed with the app's secret key.

The cookie holds a random session id, the user id (absent before login), a fingerprint of the
user's password hash (a password change ends old sessions) and an expiry time. The CSRF token
is the session id signed under another salt: per session, checked on every POST.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_NAME = "asystent_admin"
COOKIE_PATH = "/admin"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class PanelSession:
    """What the cookie says; `user_id` is None before login."""

    sid: str
    expires_at: int
    user_id: int | None = None
    password: str | None = None


class SessionCodec:
    """Signs and checks the session cookie and the CSRF tokens."""

    def __init__(self, secret_key: str, *, lifetime: timedelta) -> None:
        self._cookie = URLSafeSerializer(secret_key, salt="asystent-admin-session")
        self._csrf = URLSafeSerializer(secret_key, salt="asystent-admin-csrf")
        self.lifetime = lifetime

    def new(
        self, now: datetime, *, user_id: int | None = None, password: str | None = None
    ) -> PanelSession:
        """A fresh session id (also on login, so a session id set before login is never reused)."""
        return PanelSession(
            sid=secrets.token_urlsafe(18),
            expires_at=int((now + self.lifetime).timestamp()),
            user_id=user_id,
            password=password,
        )

    def dump(self, session: PanelSession) -> str:
        payload: dict[str, Any] = {"s": session.sid, "e": session.expires_at}
        if session.user_id is not None:
            payload["u"] = session.user_id
            payload["p"] = session.password
        return self._cookie.dumps(payload)

    def load(self, value: str | None, now: datetime) -> PanelSession | None:
        """The session in the cookie, or None when absent, forged, malformed or expired."""
        if not value:
            return None
        try:
            payload = self._cookie.loads(value)
        except BadSignature:
            return None
        if not isinstance(payload, dict):
            return None
        sid, expires, user_id, password = (payload.get(k) for k in ("s", "e", "u", "p"))
        if not isinstance(sid, str) or not isinstance(expires, int):
            return None
        if expires <= now.timestamp():
            return None
        if user_id is not None and (not isinstance(user_id, int) or not isinstance(password, str)):
            return None
        return PanelSession(sid=sid, expires_at=expires, user_id=user_id, password=password)

    def csrf_token(self, session: PanelSession) -> str:
        return self._csrf.dumps(session.sid)

    def csrf_ok(self, session: PanelSession | None, token: object) -> bool:
        if session is None or not isinstance(token, str) or not token:
            return False
        try:
            sid = self._csrf.loads(token)
        except BadSignature:
            return False
        return isinstance(sid, str) and hmac.compare_digest(sid, session.sid)
