"""Async SQLAlchemy 2 engine and sessions on asyncpg."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
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
            pool_pre_ping=True,
            pool_timeout=pool_timeout,
            connect_args={"timeout": connect_timeout},
            echo=echo,
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends normally, rolls back on an exception."""
        async with self.sessions() as session, session.begin():
            yield session

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
