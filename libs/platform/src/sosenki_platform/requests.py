"""Database sessions for REST routes.

``WriteSession`` is a unit of work that commits when the path function returns and *before* the
response is sent (``scope="function"``): FastAPI's default ends yield-dependencies after the
response, so a client could get 201 for a write that is not committed yet, or never is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from sosenki_platform.service import Runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _write_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).unit_of_work() as session:
        yield session


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with runtime_of(request).db.session() as session:
        yield session


WriteSession = Annotated[AsyncSession, Depends(_write_session, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(_read_session, scope="function")]


def correlation_id(request: Request) -> str | None:
    return request.headers.get("x-correlation-id")
