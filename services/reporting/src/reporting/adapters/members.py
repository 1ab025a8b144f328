"""Who belongs where, as the ledger's and splits' events said: what access is decided from."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t


class Members:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def is_treasurer(self, community_id: int, user_id: int) -> bool:
        c = t.treasurers.c
        found = await self.session.scalar(
            select(c.user_id).where(c.community_id == community_id, c.user_id == user_id)
        )
        return found is not None

    async def is_owner(self, community_id: int, user_id: int) -> bool:
        c = t.owners.c
        found = await self.session.scalar(
            select(c.owner_id).where(c.community_id == community_id, c.owner_id == user_id)
        )
        return found is not None

    async def owners_see_balance_sheet(self, community_id: int) -> bool | None:
        """None when the community is unknown here."""
        c = t.communities.c
        found = await self.session.scalar(
            select(c.owners_see_balance_sheet).where(c.community_id == community_id)
        )
        return None if found is None else bool(found)

    async def communities_of(self, user_id: int) -> list[int]:
        query = union(
            select(t.treasurers.c.community_id).where(t.treasurers.c.user_id == user_id),
            select(t.owners.c.community_id).where(t.owners.c.owner_id == user_id),
        )
        return sorted(int(c) for c in (await self.session.scalars(query)).all())

    async def group_role(self, group_id: int, user_id: int) -> str | None:
        c = t.group_members.c
        found = await self.session.scalar(
            select(c.role).where(c.group_id == group_id, c.user_id == user_id)
        )
        return None if found is None else str(found)

    async def groups_of(self, user_id: int) -> list[int]:
        c = t.group_members.c
        rows = await self.session.scalars(select(c.group_id).where(c.user_id == user_id))
        return sorted(int(g) for g in rows.all())
