"""Async SQLAlchemy 2 engine and sessions on asyncpg."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs too, and use the asyncpg driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


#: A pooled connection idle this long is pinged before use (the database may have restarted).
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling for connections that sat in the pool: one idle for more
    than a second is pinged at checkout, and a dead one is replaced (SQLAlchemy retries the
    checkout). Under load connections go straight back to work unpinged; should the database
    restart meanwhile, the statement fails as an outage (503) and the pool is invalidated."""
    target = engine.sync_engine

    @event.listens_for(target, "connect")
    def connected(_: object, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(target, "checkin")
    def checked_in(_: object, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(target, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, _: object) -> None:
        since = record.info.get("idle_since", 0.0)
        if time.monotonic() - since <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise exc.DisconnectionError(f"stale pooled connection: {error!r}") from error


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        connect_timeout: float = 5.0,
        pool_timeout: float = 10.0,
    ) -> None:
        self.url = async_url(url)
        # Short timeouts: while the database is unreachable a request should get its 503 soon,
        # not hang for asyncpg's default minute.
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            # Pinged at checkout only after an idle second (see _ping_when_idle), not always:
            # a ping is three round trips (BEGIN, a query, ROLLBACK) before every transaction.
            pool_pre_ping=False,
            pool_timeout=pool_timeout,
            connect_args={"timeout": connect_timeout},
            echo=echo,
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        _ping_when_idle(self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends normally, rolls back on an exception."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection whose statements each commit on their own: one round trip for a single
        statement that must be durable before the caller goes on (no BEGIN and COMMIT around
        it). The pool resets the isolation level when the connection goes back."""
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads: one read-only REPEATABLE READ transaction, so every query in it
        sees the same snapshot (a balance sheet summed from several queries never sees an expense
        paid but not yet allocated). Nothing is committed; a write in it fails."""
        async with self.sessions() as session:
            snapshot = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            await session.connection(execution_options=snapshot)
            yield session

    async def ping(self) -> None:
        try:
            async with asyncio.timeout(5.0), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except TimeoutError:
            raise TimeoutError("the database did not answer within 5 s") from None

    async def dispose(self) -> None:
        await self.engine.dispose()
