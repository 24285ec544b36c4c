"""In-process token buckets, one per key (a public key, an IP address).

Why in-process: the search path must not pay a database or Redis round trip per request. Each
API process keeps its own buckets, so with N processes behind a balancer a key gets up to N
times the rate; the README says so. Login limits are counted in the database instead
(``commerce.users``), because there the number of attempts, not the cost, matters.

Use::

    limiter = RateLimiter(rate=20.0, burst=40)     # 20 requests/s, bursts of 40
    limiter.check(key)                             # raises RateLimited (429, retry_after)
    decision = limiter.acquire(key)                # or: Decision(allowed, retry_after)

``rate <= 0`` turns the limiter off (every call is allowed). The search routes take the
dependency :func:`limit_search_per_key` (``Depends(limit_search_per_key)``).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from catalog.errors import DiscoveryError


class RateLimited(DiscoveryError):
    """Too many requests; ``retry_after`` (whole seconds, at least 1) goes to the Retry-After
    header."""

    status_code = 429

    def __init__(self, detail: str, *, retry_after: float, field: str | None = None) -> None:
        super().__init__(detail, field=field)
        self.retry_after = max(1, math.ceil(retry_after))
        self.headers = {"Retry-After": str(self.retry_after)}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float  # seconds until one token is back; 0 when allowed


class RateLimiter:
    """A token bucket per key: ``burst`` tokens, refilled at ``rate`` per second. At most
    ``max_keys`` buckets are kept (least recently used dropped: a dropped key starts full)."""

    def __init__(self, rate: float, burst: int, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate > 0 and burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, stamp

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def acquire(self, key: str, cost: float = 1.0) -> Decision:
        if not self.enabled:
            return Decision(True, 0.0)
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                allowed, wait = True, 0.0
            else:
                self._buckets[key] = (tokens, now)
                allowed, wait = False, (cost - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return Decision(allowed, wait)

    def check(self, key: str, *, what: str = "requests", field: str | None = None) -> None:
        """Take a token for ``key`` or raise RateLimited naming the wait."""
        decision = self.acquire(key)
        if not decision.allowed:
            raise RateLimited(f"too many {what}; at most {self.rate:g} per second (bursts of "
                              f"{self.burst}); retry in {max(1, math.ceil(decision.retry_after))} s",
                              retry_after=decision.retry_after, field=field)

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._buckets.clear()
            else:
                self._buckets.pop(key, None)


def search_limiter(rate: float, burst: int) -> RateLimiter:
    """The per-public-key search limiter (``DISCOVERY_SEARCH_RATE_PER_KEY`` and
    ``DISCOVERY_SEARCH_BURST_PER_KEY``)."""
    return RateLimiter(rate=rate, burst=burst)


def limit_search_per_key(request: Request) -> None:
    """FastAPI dependency for the search routes: one token of the request's public key
    (``?key=``, or the Algolia key header / parameter); 429 with Retry-After when the key is
    over its rate. Requests without a key are not limited here. The limiter lives on
    ``app.state.search_limiter`` (made from the settings on first use)."""
    key = (request.query_params.get("key") or request.query_params.get("x-algolia-api-key")
           or request.headers.get("x-algolia-api-key"))
    if not key or not key.startswith("pk_"):
        return
    limiter = getattr(request.app.state, "search_limiter", None)
    if limiter is None:
        from commerce.identity import settings_of

        settings = settings_of(request)
        limiter = search_limiter(settings.search_rate_per_key, settings.search_burst_per_key)
        request.app.state.search_limiter = limiter
    limiter.check(key, what="searches with this public key", field="key")
