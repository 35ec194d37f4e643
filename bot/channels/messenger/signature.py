"""Checks that a webhook POST really comes from Meta: `X-Hub-Signature-256` over the raw body."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_HEX_DIGITS = frozenset("0123456789abcdef")


def sign(body: bytes, app_secret: str) -> str:
    """The header Meta sends for `body`: `sha256=<hex HMAC-SHA256 keyed by the app secret>`."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def is_valid_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """True only for a well-formed `sha256=<64 hex>` header matching `body`; else False."""
    if not header or not app_secret:
        return False
    scheme, sep, received = header.strip().partition("=")
    received = received.lower()
    if (
        not sep
        or scheme.lower() != "sha256"
        or len(received) != hashlib.sha256().digest_size * 2
        or not _HEX_DIGITS.issuperset(received)
    ):
        return False
    expected = sign(body, app_secret)[len(_PREFIX) :]
    return hmac.compare_digest(expected, received)
