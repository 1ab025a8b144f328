"""The HTTP edge every service shares: one error format, a body-size limit, request metrics,
health checks and ``/metrics``.

Every error leaves as JSON ``{"detail": "...", "code": "..."}`` with its status (``code`` from
``sosenki_contracts.error_codes``); validation errors (FastAPI's 422) become 400 ``invalid_input``
with a readable message; a database refusal of the input (overflow, a character it cannot hold, a
duplicate) becomes 400 or 409 (``db_errors``); nothing ever shows a traceback.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sosenki_contracts.error_codes import ErrorCode, default_code
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sosenki_platform.db_errors import database_refusal, sqlstate_of
from sosenki_platform.errors import ServiceError, error_body
from sosenki_platform.failures import Unavailable, is_transient
from sosenki_platform.logging import get_logger
from sosenki_platform.metrics import HTTP_DURATION, HTTP_REQUESTS
from sosenki_platform.openapi import PUBLIC

log = get_logger(__name__)

#: Raises when not ready; may return a detail to show instead of "ok" (e.g. freshness figures).
ReadinessCheck = Callable[[], Awaitable[object]]

#: Polled by probes and Prometheus: not worth a log line each.
_QUIET_ROUTES = frozenset({"/health/live", "/health/ready", "/metrics"})


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_detail(exc: RequestValidationError) -> str:
    messages = []
    for error in exc.errors():
        msg = str(error.get("msg", "invalid"))
        msg = msg.removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            messages.append("Request body is not valid JSON")
            continue
        if error.get("type") == "missing":
            msg = "field required"
        messages.append(f"{_location(error.get('loc', ()))}: {msg}")
    return "; ".join(messages) or "Invalid request"


#: Seconds a client is told to wait when a dependency (the database) is unavailable.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "Service temporarily unavailable: its database cannot be reached; retry later"
DEPENDENCY_UNAVAILABLE_DETAIL = (
    "Service temporarily unavailable: a service it depends on cannot be reached; retry later"
)


def unavailable_response(
    retry_after: int = RETRY_AFTER_SECONDS, exc: BaseException | None = None
) -> JSONResponse:
    detail = UNAVAILABLE_DETAIL
    if exc is not None and _caused_by(exc, (Unavailable, httpx.HTTPError)):
        detail = DEPENDENCY_UNAVAILABLE_DETAIL
    return JSONResponse(
        error_body(detail, ErrorCode.UNAVAILABLE),
        status_code=503,
        headers={"Retry-After": str(retry_after)},
    )


#: Exceptions a dependency's outage surfaces as (see failures.is_transient for the judgement).
OUTAGE_EXCEPTIONS: tuple[type[Exception], ...] = (
    OSError,
    TimeoutError,
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    Unavailable,
    httpx.TransportError,
)


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    current: BaseException | None = exc
    for _ in range(20):
        if current is None:
            return False
        if isinstance(current, kinds):
            return True
        current = current.__cause__ or current.__context__
    return False


def install_error_handlers(app: FastAPI, retry_after: int = RETRY_AFTER_SECONDS) -> None:
    async def on_service_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceError)
        return JSONResponse(error_body(exc.detail, exc.code), status_code=exc.status_code)

    async def on_validation_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(
            error_body(validation_detail(exc), ErrorCode.INVALID_INPUT), status_code=400
        )

    async def on_http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = default_code(exc.status_code)
        if exc.status_code == 404 and exc.detail == "Not Found":  # Starlette's: no such route
            code = ErrorCode.ROUTE_NOT_FOUND
        return JSONResponse(
            error_body(str(exc.detail), code), status_code=exc.status_code, headers=exc.headers
        )

    async def on_database_error(request: Request, exc: Exception) -> Response:
        refusal = database_refusal(exc)
        if refusal is None:  # not the input's fault: an outage (503) or a defect (500)
            return await on_outage(request, exc)
        log.warning(
            "database_refused_input",
            path=request.url.path,
            sqlstate=sqlstate_of(exc),
            status=refusal.status_code,
            error=repr(getattr(exc, "orig", exc))[:500],
        )
        return JSONResponse(
            error_body(refusal.detail, refusal.code), status_code=refusal.status_code
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled_error", path=request.url.path, error=repr(exc), exc_info=exc)
        return JSONResponse(error_body("Internal error", ErrorCode.INTERNAL), status_code=500)

    async def on_outage(request: Request, exc: Exception) -> Response:
        # More specific handlers (e.g. IntegrityError -> 409) win over this one by class.
        if is_transient(exc):
            log.warning("dependency_unavailable", path=request.url.path, error=repr(exc)[:300])
            return unavailable_response(retry_after, exc)
        return await on_unexpected(request, exc)

    for outage in OUTAGE_EXCEPTIONS:
        app.add_exception_handler(outage, on_outage)
    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(sa_exc.DBAPIError, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413, whether or not Content-Length is declared."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = JSONResponse(
            error_body(
                f"Request body is larger than {self.max_bytes} bytes", ErrorCode.PAYLOAD_TOO_LARGE
            ),
            status_code=413,
        )
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await too_large(scope, receive, send)
                return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


def install_request_metrics(app: FastAPI, service_name: str) -> None:
    app.add_middleware(RequestMetrics, service_name=service_name)


class RequestMetrics:
    """Counts and times every request and logs it (pure ASGI: ``BaseHTTPMiddleware`` ran each
    request's app in a task of its own with a streamed copy of the response, a cost per request
    that showed in the write path's profile)."""

    def __init__(self, app: ASGIApp, service_name: str) -> None:
        self.app = app
        self.service_name = service_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            # The router puts the matched route into the scope it was given (this one).
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            HTTP_REQUESTS.labels(self.service_name, method, path, str(status)).inc()
            elapsed = time.perf_counter() - start
            HTTP_DURATION.labels(self.service_name, method, path).observe(elapsed)
            if path not in _QUIET_ROUTES:
                log.info(
                    "http_request",
                    method=method,
                    route=path,
                    status=status,
                    duration_ms=round(elapsed * 1000, 1),
                )


_READY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Ready",
        "content": {
            "application/json": {
                "schema": {"type": "object"},
                "example": {"status": "ok", "checks": {"database": "ok"}},
            }
        },
    }
}


def operations_router(
    checks: dict[str, ReadinessCheck], details: dict[str, ReadinessCheck] | None = None
) -> APIRouter:
    """``checks`` decide readiness; ``details`` are only shown (a failure reads "unavailable")."""
    router = APIRouter(tags=["operations"])

    @router.get("/health/live", openapi_extra=PUBLIC)
    async def live() -> dict[str, str]:
        """Liveness: the process answers (no dependency is checked)."""
        return {"status": "ok"}

    @router.get("/health/ready", openapi_extra=PUBLIC, responses=_READY_RESPONSES)
    async def ready() -> Response:
        """Readiness: 200 when the service can serve (its database answers), else 503 with each
        check's state."""
        results: dict[str, object] = {}
        ok = True
        for name, check in checks.items():
            try:
                detail = await check()
                results[name] = "ok" if detail is None else detail
            except Exception as exc:
                ok = False
                results[name] = f"unavailable: {exc}"
        for name, detail_of in (details or {}).items():
            try:
                results[name] = await asyncio.wait_for(detail_of(), timeout=3.0)
            except Exception as exc:
                results[name] = f"unavailable: {exc!r}"
        body = {"status": "ok" if ok else "unavailable", "checks": results}
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
