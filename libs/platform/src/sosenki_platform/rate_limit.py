"""A per-user limit on REST writes: a token bucket per token subject, answered 429 + Retry-After.

Each user (the ``sub`` of a valid bearer token) may make ``burst`` writes (POST, PUT, PATCH,
DELETE) at once and then ``rate`` per second. Reads are not limited; requests without a valid
token are left to the route (which refuses them with 401), so Telegram's webhook and the Mini App
login are not limited here; service tokens are not limited either (they are our own services).

The buckets live in memory, per process: with N replicas a user gets up to N times the limit.
That is enough to stop one client flooding a service; a shared limit would need a shared store.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi.responses import JSONResponse
from sosenki_contracts.error_codes import ErrorCode
from starlette.types import ASGIApp, Receive, Scope, Send

from sosenki_platform.errors import ServiceError, error_body
from sosenki_platform.logging import get_logger

log = get_logger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TokenBuckets:
    """``take(key)`` spends one token of ``key``'s bucket: 0.0 when allowed, else the seconds to
    wait for the next token. At most ``max_keys`` buckets are kept (least recently used go)."""

    def __init__(
        self,
        rate_per_second: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("rate_per_second must be positive and burst at least 1")
        self.rate = rate_per_second
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        now = self._clock()
        tokens, last = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return wait


class WriteRateLimit:
    """Pure ASGI middleware applying :class:`TokenBuckets` to writes, keyed by token subject.

    The token is verified with the app's own verifier (``app.state.token_verifier``)."""

    def __init__(self, app: ASGIApp, rate_per_second: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate_per_second, burst) if rate_per_second > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        subject = _subject(scope)
        if subject is not None:
            wait = self.buckets.take(subject)
            if wait > 0:
                retry_after = max(1, math.ceil(wait))
                log.warning("rate_limited", subject=subject, path=scope.get("path"))
                response = JSONResponse(
                    error_body(
                        f"Too many changes: at most {self.buckets.burst} at once and "
                        f"{self.buckets.rate:g} per second; try again in {retry_after} s",
                        ErrorCode.RATE_LIMITED,
                    ),
                    status_code=429,
                    headers={"Retry-After": str(retry_after)},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _subject(scope: Scope) -> str | None:
    """The subject of a valid, non-service bearer token, else None."""
    token = ""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer":
                return None
            break
    app = scope.get("app")
    verifier = getattr(getattr(app, "state", None), "token_verifier", None)
    if not token.strip() or verifier is None:
        return None
    try:
        principal = verifier.verify(token.strip())
    except (ServiceError, RuntimeError):
        return None
    if "service" in principal.roles:
        return None
    return str(principal.subject)
