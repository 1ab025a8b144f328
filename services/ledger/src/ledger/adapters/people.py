"""Communities, treasurers, owners and their shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, select, union
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.adapters import tables as t


class CommunityRows:
    session: AsyncSession

    async def add_community(
        self, name: str, base_currency: str, timezone: str, created_by: str
    ) -> Row[Any]:
        return (
            await self.session.execute(
                t.communities.insert()
                .values(
                    name=name, base_currency=base_currency, timezone=timezone, created_by=created_by
                )
                .returning(*t.communities.c)
            )
        ).one()

    async def get_community(self, community_id: int) -> Row[Any] | None:
        return (
            await self.session.execute(
                select(t.communities).where(t.communities.c.id == community_id)
            )
        ).one_or_none()

    async def community_and_membership(
        self, community_id: int, user_id: int | None
    ) -> tuple[Row[Any] | None, bool, bool]:
        """(the community, is ``user_id`` its treasurer, is it its owner) in one round trip."""
        uid = user_id if user_id is not None else -1
        treasurer = (
            select(t.treasurers.c.user_id)
            .where(t.treasurers.c.community_id == community_id, t.treasurers.c.user_id == uid)
            .exists()
        )
        owner = (
            select(t.owners.c.user_id)
            .where(t.owners.c.community_id == community_id, t.owners.c.user_id == uid)
            .exists()
        )
        row = (
            await self.session.execute(
                select(
                    t.communities, treasurer.label("_is_treasurer"), owner.label("_is_owner")
                ).where(t.communities.c.id == community_id)
            )
        ).one_or_none()
        if row is None:
            return None, False, False
        return row, bool(row._is_treasurer), bool(row._is_owner)

    async def update_community(self, community_id: int, **values: Any) -> Row[Any]:
        return (
            await self.session.execute(
                t.communities.update()
                .where(t.communities.c.id == community_id)
                .values(**values)
                .returning(*t.communities.c)
            )
        ).one()

    async def communities_of(self, user_id: int) -> list[int]:
        """Communities where the user is a treasurer or an owner."""
        query = union(
            select(t.treasurers.c.community_id).where(t.treasurers.c.user_id == user_id),
            select(t.owners.c.community_id).where(t.owners.c.user_id == user_id),
        )
        return sorted(int(c) for c in (await self.session.scalars(query)).all())

    async def add_treasurer(self, community_id: int, user_id: int) -> None:
        await self.session.execute(
            t.treasurers.insert().values(community_id=community_id, user_id=user_id)
        )

    async def is_treasurer(self, community_id: int, user_id: int) -> bool:
        found = await self.session.scalar(
            select(func.count())
            .select_from(t.treasurers)
            .where(t.treasurers.c.community_id == community_id, t.treasurers.c.user_id == user_id)
        )
        return bool(found)

    async def memberships_of(self, user_id: int) -> list[tuple[int, str, bool]]:
        """(community id, role, active) of every treasurer and owner record of a user."""
        treasurers = await self.session.execute(
            select(t.treasurers.c.community_id).where(t.treasurers.c.user_id == user_id)
        )
        owners = await self.session.execute(
            select(t.owners.c.community_id, t.owners.c.active).where(t.owners.c.user_id == user_id)
        )
        found = [(int(r.community_id), "treasurer", True) for r in treasurers]
        found += [(int(r.community_id), "owner", bool(r.active)) for r in owners]
        return sorted(found)

    async def get_owner(self, community_id: int, user_id: int) -> Row[Any] | None:
        return (
            await self.session.execute(
                select(t.owners).where(
                    t.owners.c.community_id == community_id, t.owners.c.user_id == user_id
                )
            )
        ).one_or_none()

    async def add_owner(
        self,
        community_id: int,
        user_id: int,
        display_name: str,
        username: str | None,
        ownership_share: Decimal,
    ) -> Row[Any]:
        return (
            await self.session.execute(
                t.owners.insert()
                .values(
                    community_id=community_id,
                    user_id=user_id,
                    display_name=display_name,
                    username=username,
                    ownership_share=ownership_share,
                )
                .returning(*t.owners.c)
            )
        ).one()

    async def set_share(
        self, community_id: int, user_id: int, effective_from: date, share: Decimal
    ) -> None:
        stmt = insert(t.ownership_shares).values(
            community_id=community_id,
            user_id=user_id,
            effective_from=effective_from,
            ownership_share=share,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=["community_id", "user_id", "effective_from"],
                set_={"ownership_share": stmt.excluded.ownership_share},
            )
        )

    async def shares_on(self, community_id: int, day: date) -> dict[int, Decimal]:
        """Each active owner's share valid on ``day``."""
        s = t.ownership_shares
        latest = (
            select(s.c.user_id, func.max(s.c.effective_from).label("effective_from"))
            .where(s.c.community_id == community_id, s.c.effective_from <= day)
            .group_by(s.c.user_id)
            .subquery()
        )
        rows = (
            await self.session.execute(
                select(s.c.user_id, s.c.ownership_share)
                .join(
                    latest,
                    (latest.c.user_id == s.c.user_id)
                    & (latest.c.effective_from == s.c.effective_from),
                )
                .join(
                    t.owners,
                    (t.owners.c.community_id == s.c.community_id)
                    & (t.owners.c.user_id == s.c.user_id),
                )
                .where(s.c.community_id == community_id, t.owners.c.active.is_(True))
                .order_by(s.c.user_id)
            )
        ).all()
        return {r.user_id: Decimal(r.ownership_share) for r in rows}

    async def share_history(self, community_id: int) -> dict[int, list[tuple[date, Decimal]]]:
        """Owner id → (effective_from, share) of every change, oldest first."""
        s = t.ownership_shares
        rows = await self.session.execute(
            select(s.c.user_id, s.c.effective_from, s.c.ownership_share)
            .where(s.c.community_id == community_id)
            .order_by(s.c.user_id, s.c.effective_from)
        )
        history: dict[int, list[tuple[date, Decimal]]] = {}
        for row in rows.all():
            history.setdefault(row.user_id, []).append(
                (row.effective_from, Decimal(row.ownership_share))
            )
        return history

    async def update_owner(self, community_id: int, user_id: int, **values: Any) -> Row[Any]:
        return (
            await self.session.execute(
                t.owners.update()
                .where(t.owners.c.community_id == community_id, t.owners.c.user_id == user_id)
                .values(**values)
                .returning(*t.owners.c)
            )
        ).one()

    async def list_owners(self, community_id: int, active_only: bool = False) -> Sequence[Row[Any]]:
        query = select(t.owners).where(t.owners.c.community_id == community_id)
        if active_only:
            query = query.where(t.owners.c.active.is_(True))
        return (await self.session.execute(query.order_by(t.owners.c.user_id))).all()
