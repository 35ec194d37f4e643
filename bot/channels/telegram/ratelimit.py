"""Per-user sliding-window rate limit, in memory, with an injectable clock."""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], float]


class Admission(enum.Enum):
    """What to do with one incoming message."""

    ALLOWED = "allowed"
    LIMITED_NOTIFY = "limited_notify"  # refuse and tell the user to slow down
    LIMITED_SILENT = "limited_silent"  # refuse quietly: the user was told in this window


@dataclass
class _History:
    accepted: deque[float] = field(default_factory=deque)
    notified_at: float | None = None


class SlidingWindowLimiter:
    """At most `limit` accepted messages per `window_s` per key; refusals do not count, so a
    user who keeps writing is let through again as soon as the window has room."""

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        *,
        clock: Clock = time.monotonic,
        max_keys: int = 10_000,
    ):
        if limit < 1 or window_s <= 0:
            raise ValueError("limit and window_s must be positive")
        self._limit = limit
        self._window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._histories: dict[str, _History] = {}

    def check(self, key: str) -> Admission:
        """Record one message from `key` and say whether to handle it."""
        now = self._clock()
        history = self._histories.get(key)
        if history is None:
            self._forget_idle(now)
            history = self._histories.setdefault(key, _History())
        self._expire(history, now)
        if len(history.accepted) < self._limit:
            history.accepted.append(now)
            return Admission.ALLOWED
        if history.notified_at is None or now - history.notified_at >= self._window_s:
            history.notified_at = now
            return Admission.LIMITED_NOTIFY
        return Admission.LIMITED_SILENT

    def _expire(self, history: _History, now: float) -> None:
        while history.accepted and now - history.accepted[0] >= self._window_s:
            history.accepted.popleft()

    def _forget_idle(self, now: float) -> None:
        """Keep memory bounded: once there are many keys, drop those idle for a whole window."""
        if len(self._histories) < self._max_keys:
            return
        for key in list(self._histories):
            history = self._histories[key]
            self._expire(history, now)
            notified_recently = (
                history.notified_at is not None and now - history.notified_at < self._window_s
            )
            if not history.accepted and not notified_recently:
                del self._histories[key]

    def __len__(self) -> int:
        return len(self._histories)
