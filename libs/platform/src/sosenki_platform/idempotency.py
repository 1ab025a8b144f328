"""``Idempotency-Key`` for POST requests: a repeated key returns the first response and records
nothing new.

The key (scoped to the caller's token subject) is claimed in its own transaction *before* the
request runs, so two concurrent requests with one key cannot both run: the second gets 409. When
the request finishes its response is stored with the key and replayed for every repeat; a repeat
with a different body gets 409. A 5xx releases the key, so the client may retry.

A process that dies between committing the change and storing the response leaves the key
claimed; after ``ABANDONED_AFTER`` it may be claimed again (the one window where a retry could
record twice, and only after a crash).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sosenki_platform.db import Database
from sosenki_platform.errors import ServiceError
from sosenki_platform.tables import PlatformTables

HEADER = b"idempotency-key"
IN_PROGRESS = 0
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY_LENGTH = 255


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db: Database, tables: PlatformTables) -> None:
        self.app = app
        self.db = db
        self.table = tables.idempotency_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER)
        if scope["type"] != "http" or scope["method"] != "POST" or key is None:
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await _detail(
                400, f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters"
            )(scope, receive, send)
            return
        principal = _subject(scope)
        if principal is None:  # no valid token: the route answers 401 and records nothing
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        digest = hashlib.sha256(scope["path"].encode() + b"\n" + body).hexdigest()

        stored = await self._claim(principal, key, scope["path"], digest)
        if stored is not None:
            await stored(scope, receive, send)
            return

        status, headers, chunks = await _run(self.app, scope, body)
        response_body = b"".join(chunks)
        await self._settle(principal, key, status, response_body)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": response_body})

    async def _claim(self, principal: str, key: str, path: str, digest: str) -> Response | None:
        """Claim the key; or the response to give instead (a replay or a conflict)."""
        t = self.table
        async with self.db.transaction() as session:
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
                await session.execute(
                    select(t, (func.now() - t.c.created_at).label("age"))
                    .where(t.c.principal == principal, t.c.key == key)
                    .with_for_update()
                )
            ).one()
            if row.request_hash != digest:
                return _detail(409, "This Idempotency-Key was already used for a different request")
            if row.status_code != IN_PROGRESS:
                return Response(
                    row.response_body,
                    status_code=row.status_code,
                    media_type="application/json",
                    headers={"Idempotent-Replayed": "true"},
                )
            if row.age < ABANDONED_AFTER:
                return _detail(409, "A request with this Idempotency-Key is still being processed")
            await session.execute(
                update(t)
                .where(t.c.principal == principal, t.c.key == key)
                .values(created_at=func.now())
            )
            return None

    async def _settle(self, principal: str, key: str, status: int, body: bytes) -> None:
        t = self.table
        where = (t.c.principal == principal) & (t.c.key == key)
        async with self.db.transaction() as session:
            if status >= 500:
                await session.execute(delete(t).where(where))
            else:
                await session.execute(
                    update(t).where(where).values(status_code=status, response_body=body.decode())
                )


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


def _detail(status: int, detail: str) -> Response:
    return JSONResponse({"detail": detail}, status_code=status)


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
