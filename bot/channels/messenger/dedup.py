"""Remembers which webhook events were accepted, so Meta's redeliveries are answered once."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol


class DedupStore(Protocol):
    """A set of recently seen event keys; a database or Redis one can replace the memory one."""

    async def add(self, key: str) -> bool:
        """Record `key`; True when it was new, False when it was seen within the TTL."""
        ...


class MemoryDedupStore:
    """Bounded in-process store: keys expire after `ttl_s`, and the oldest go first past `max_size`.

    Enough for one worker process; several workers need a shared store behind the same protocol.
    """

    def __init__(
        self,
        *,
        ttl_s: float = 24 * 3600.0,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        if ttl_s <= 0 or max_size <= 0:
            raise ValueError("ttl_s and max_size must be positive")
        self._ttl_s = ttl_s
        self._max_size = max_size
        self._clock = clock
        # Every key gets the same TTL, so insertion order is also expiry order.
        self._expires: OrderedDict[str, float] = OrderedDict()

    async def add(self, key: str) -> bool:
        now = self._clock()
        self._evict_expired(now)
        if key in self._expires:
            return False
        self._expires[key] = now + self._ttl_s
        while len(self._expires) > self._max_size:
            self._expires.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._expires)

    def _evict_expired(self, now: float) -> None:
        while self._expires:
            oldest_key, expires_at = next(iter(self._expires.items()))
            if expires_at > now:
                return
            del self._expires[oldest_key]
