"""``Idempotency-Key`` for POST requests: a repeated key returns the first response and records
nothing new.

The key (scoped to the caller's token subject) lives in the request's own write transaction: the
middleware opens one transaction, claims the key in it, runs the request (whose units of work
become savepoints of that transaction, see :func:`request_transaction`) and stores the response
with the key *in the same commit*. So a retried request is answered with the stored response
exactly when the write committed; when it did not (an exception, a 5xx, a crash, the database
going away) nothing of it remains, the key included, and a retry runs afresh.

A request refused with a 4xx is stored (its unit of work rolled back to its savepoint) and the
refusal is replayed. A repeat with a different body gets 409; a repeat while the first is still
running gets 409 too (a transaction-scoped advisory lock on the key says so without waiting).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Any

from sosenki_contracts.error_codes import ErrorCode
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sosenki_platform.db import Database
from sosenki_platform.errors import ServiceError, error_body
from sosenki_platform.failures import is_transient
from sosenki_platform.http import unavailable_response
from sosenki_platform.logging import get_logger
from sosenki_platform.tables import PlatformTables

log = get_logger(__name__)

HEADER = b"idempotency-key"
#: Rows left by an older version of this module while a request ran (never committed now).
IN_PROGRESS = 0
MAX_KEY_LENGTH = 255

#: The transaction of the request being handled under an Idempotency-Key, if any.
_REQUEST_TRANSACTION: ContextVar[AsyncSession | None] = ContextVar(
    "sosenki_request_transaction", default=None
)


@contextlib.asynccontextmanager
async def request_transaction() -> AsyncIterator[AsyncSession | None]:
    """Inside a request with an Idempotency-Key: a savepoint of the request's transaction (a
    refusal rolls back to it; the commit is the middleware's). Elsewhere: None."""
    session = _REQUEST_TRANSACTION.get()
    if session is None:
        yield None
        return
    async with session.begin_nested():
        yield session


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        db: Database,
        tables: PlatformTables,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.db = db
        self.table = tables.idempotency_keys
        self.on_commit = on_commit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER)
        if scope["type"] != "http" or scope["method"] != "POST" or key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await _detail(
                400,
                f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
                ErrorCode.IDEMPOTENCY_KEY_INVALID,
            )(scope, receive, send)
            return
        principal = _subject(scope)
        if principal is None:  # no valid token: the route answers 401 and records nothing
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        digest = hashlib.sha256(scope["path"].encode() + b"\n" + body).hexdigest()
        try:
            response = await self._handle(scope, body, principal, key, digest)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("dependency_unavailable", path=scope["path"], error=repr(exc)[:300])
            response = unavailable_response(exc=exc)
        await response(scope, receive, send)

    async def _handle(
        self, scope: Scope, body: bytes, principal: str, key: str, digest: str
    ) -> Response:
        async with self.db.sessions() as session:
            transaction = await session.begin()
            try:
                earlier = await self._claim(session, principal, key, scope["path"], digest)
                if earlier is not None:
                    await transaction.rollback()
                    return earlier
                token = _REQUEST_TRANSACTION.set(session)
                try:
                    status, headers, chunks = await _run(self.app, scope, body)
                finally:
                    _REQUEST_TRANSACTION.reset(token)
                response_body = b"".join(chunks)
                if status >= 500:  # nothing of a failed request stays, its key included
                    await transaction.rollback()
                else:
                    t = self.table
                    await session.execute(
                        update(t)
                        .where(t.c.principal == principal, t.c.key == key)
                        .values(status_code=status, response_body=response_body.decode())
                    )
                    await transaction.commit()
                    if self.on_commit is not None:
                        self.on_commit()
                return _Collected(status, headers, response_body)
            except BaseException:
                if transaction.is_active:
                    await transaction.rollback()
                raise

    async def _claim(
        self, session: AsyncSession, principal: str, key: str, path: str, digest: str
    ) -> Response | None:
        """Claim the key in the request's transaction; or the response to give instead."""
        t = self.table
        mine = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:principal), hashtext(:key))"),
            {"principal": principal, "key": key},
        )
        if not mine:
            return _detail(
                409,
                "A request with this Idempotency-Key is still being processed",
                ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
            )
        claimed = await session.scalar(
            insert(t)
            .values(
                principal=principal,
                key=key,
                method="POST",
                path=path,
                request_hash=digest,
                status_code=IN_PROGRESS,
                response_body="",
            )
            .on_conflict_do_nothing()
            .returning(t.c.key)
        )
        if claimed is not None:
            return None
        row = (
            await session.execute(select(t).where(t.c.principal == principal, t.c.key == key))
        ).one()
        if row.request_hash != digest:
            return _detail(
                409,
                "This Idempotency-Key was already used for a different request",
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
            )
        if row.status_code == IN_PROGRESS:  # left by an older version: its write is unknown
            await session.execute(delete(t).where(t.c.principal == principal, t.c.key == key))
            await session.execute(
                insert(t).values(
                    principal=principal,
                    key=key,
                    method="POST",
                    path=path,
                    request_hash=digest,
                    status_code=IN_PROGRESS,
                    response_body="",
                    created_at=func.now(),
                )
            )
            return None
        return Response(
            row.response_body,
            status_code=row.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )


class _Collected(Response):
    """A response collected from the app, sent as it was."""

    def __init__(self, status: int, headers: list[Any], body: bytes) -> None:
        super().__init__(body, status_code=status)
        self.raw_headers = list(headers)


def _header(scope: Scope, name: bytes) -> str | None:
    for header, value in scope.get("headers", []):
        if header == name:
            return str(value.decode("latin-1")).strip()
    return None


def _subject(scope: Scope) -> str | None:
    authorization = _header(scope, b"authorization") or ""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        principal = scope["app"].state.token_verifier.verify(token.strip())
    except (ServiceError, RuntimeError):
        return None
    return str(principal.subject)


def _detail(status: int, detail: str, code: str) -> Response:
    return JSONResponse(error_body(detail, code), status_code=status)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _run(app: ASGIApp, scope: Scope, body: bytes) -> tuple[int, list[Any], list[bytes]]:
    """Run the request with its buffered body; collect the response instead of sending it."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    headers: list[Any] = []
    chunks: list[bytes] = []

    async def collect(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, replay, collect)
    return status, headers, chunks
