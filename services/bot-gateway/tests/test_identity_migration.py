"""Migration 0003 on a database the old gateway filled: linked accounts keep their user ids, a
user the old join links gave several accounts keeps one, new accounts get the gateway's ids."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from bot_gateway.adapters.repository import Repository
from bot_gateway.app import MIGRATIONS
from bot_gateway.domain.identity import FIRST_GATEWAY_USER_ID
from sosenki_platform.db import async_url
from sosenki_platform.migrations import upgrade
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

pytestmark = pytest.mark.integration


async def test_old_links_keep_their_ids_and_a_hijacked_user_keeps_one_account(
    new_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await new_database("bot_gateway")
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0002")
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO telegram_users (telegram_user_id, user_id, updated_at) VALUES "
                    "(100, 100, now() - interval '3 days'),"  # registered: user = Telegram id
                    "(200, 555, now() - interval '2 days'),"  # linked to owner 555
                    "(300, 100, now() - interval '1 day'),"  # took over user 100
                    "(400, 555, now())"  # took over user 555
                )
            )
            await conn.execute(
                text("INSERT INTO join_links (token, user_id, created_by) VALUES ('t', 100, 'x')")
            )
        await asyncio.to_thread(upgrade, MIGRATIONS, url, "heads")
        async with engine.begin() as conn:
            rows = (
                await conn.execute(
                    text("SELECT telegram_user_id, user_id, how FROM telegram_users ORDER BY 1")
                )
            ).all()
            assert [tuple(r)[:1] + tuple(r)[2:] for r in rows] == [
                (100, "legacy"),
                (200, "invitation"),
                (300, "registered"),
                (400, "registered"),
            ]
            ids = {r[0]: r[1] for r in rows}
            assert ids[100] == 100 and ids[200] == 555
            assert ids[300] >= FIRST_GATEWAY_USER_ID and ids[400] >= FIRST_GATEWAY_USER_ID
            assert ids[300] != ids[400]
            tables = await conn.execute(text("SELECT to_regclass('join_links')"))
            assert tables.scalar() is None  # unchecked old links are gone
        async with AsyncSession(engine) as session, session.begin():
            user_id, created = await Repository(session).meet(500, "new", "New", "en")
        assert created and user_id > max(ids[300], ids[400])
    finally:
        await engine.dispose()
