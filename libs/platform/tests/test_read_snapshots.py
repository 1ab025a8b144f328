"""A read session sees one snapshot: rows committed while it reads do not appear half-way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sosenki_platform.db import Database
from sqlalchemy import Column, Integer, MetaData, Table, func, select
from sqlalchemy.exc import DBAPIError

pytestmark = pytest.mark.integration

metadata = MetaData()
entries = Table("entries", metadata, Column("id", Integer, primary_key=True))


@pytest.fixture
async def db(new_database: Any) -> AsyncIterator[Database]:
    database = Database(await new_database("platform"))
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def test_a_read_session_is_one_read_only_snapshot(db: Database) -> None:
    count = select(func.count()).select_from(entries)
    async with db.session() as reader:
        assert await reader.scalar(count) == 0
        async with db.transaction() as writer:
            await writer.execute(entries.insert().values(id=1))
        assert await reader.scalar(count) == 0  # still the snapshot it started with
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await reader.execute(entries.insert().values(id=2))
    async with db.session() as later:
        assert await later.scalar(count) == 1
    async with db.transaction() as writer:  # the pool's connections are writable again
        await writer.execute(entries.insert().values(id=3))


async def test_an_autocommit_statement_is_committed_on_its_own(db: Database) -> None:
    count = select(func.count()).select_from(entries)
    async with db.autocommit() as connection:
        await connection.execute(entries.insert().values(id=1))
        async with db.session() as reader:  # another connection already sees it
            assert await reader.scalar(count) == 1
    # The connection went back to the pool transactional again: a failed unit rolls back.
    with pytest.raises(RuntimeError):
        async with db.transaction() as writer:
            await writer.execute(entries.insert().values(id=2))
            raise RuntimeError("rolled back")
    async with db.session() as reader:
        assert await reader.scalar(count) == 1
