"""What documents call things: the community's name and the names its owners were added under."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t


async def community_name(session: AsyncSession, community_id: int) -> str:
    name = await session.scalar(
        select(t.communities.c.name).where(t.communities.c.community_id == community_id)
    )
    return str(name or "")


async def owner_names(session: AsyncSession, community_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(t.owners.c.owner_id, t.owners.c.display_name).where(
            t.owners.c.community_id == community_id
        )
    )
    return {int(r.owner_id): str(r.display_name) for r in rows.all() if r.display_name}
