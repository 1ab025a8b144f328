"""Reading the groups' read models: balances, memberships, expenses."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.balances import MemberBalance
from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t


def _balance(user_id: int, row: Row[Any] | None) -> MemberBalance:
    if row is None:
        return MemberBalance(user_id)
    return MemberBalance(
        user_id,
        total_paid_for_expenses=row.total_paid_for_expenses,
        total_share_of_expenses=row.total_share_of_expenses,
        total_settlements_paid=row.total_settlements_paid,
        total_settlements_received=row.total_settlements_received,
    )


class GroupReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def group(self, group_id: int) -> Row[Any] | None:
        return (
            await self.session.execute(select(t.groups).where(t.groups.c.group_id == group_id))
        ).one_or_none()

    async def is_member(self, group_id: int, user_id: int) -> bool:
        m = t.group_members.c
        found = await self.session.scalar(
            select(m.user_id).where(m.group_id == group_id, m.user_id == user_id)
        )
        return found is not None

    async def members(self, group_id: int) -> dict[int, str | None]:
        m = t.group_members.c
        rows = await self.session.execute(
            select(m.user_id, m.display_name).where(m.group_id == group_id)
        )
        return {r.user_id: r.display_name for r in rows.all()}

    async def balances(self, group_id: int) -> list[MemberBalance]:
        """Every member, and anyone whose entries still count, by user id."""
        members = await self.members(group_id)
        b = t.group_balances.c
        rows = {
            r.user_id: r
            for r in (
                await self.session.execute(
                    select(t.group_balances).where(b.group_id == group_id, b.lines > 0)
                )
            ).all()
        }
        return [_balance(u, rows.get(u)) for u in sorted(set(members) | set(rows))]

    async def groups_of(self, user_id: int) -> list[Row[Any]]:
        """The groups a user is in, or has entries that still count in, by group id."""
        m, b = t.group_members.c, t.group_balances.c
        in_group = select(m.group_id).where(m.user_id == user_id)
        with_entries = select(b.group_id).where(b.user_id == user_id, b.lines > 0)
        rows = await self.session.execute(
            select(t.groups)
            .where(or_(t.groups.c.group_id.in_(in_group), t.groups.c.group_id.in_(with_entries)))
            .order_by(t.groups.c.group_id)
        )
        return list(rows.all())

    async def balance_of(self, group_id: int, user_id: int) -> MemberBalance:
        b = t.group_balances.c
        row = (
            await self.session.execute(
                select(t.group_balances).where(b.group_id == group_id, b.user_id == user_id)
            )
        ).one_or_none()
        return _balance(user_id, row)

    async def expenses(self, group_id: int) -> list[Row[Any]]:
        """The group's live expenses, oldest first."""
        e = t.group_expenses.c
        rows = await self.session.execute(
            select(t.group_expenses)
            .where(e.group_id == group_id, e.deleted.is_(False))
            .order_by(e.expense_date, e.expense_id)
        )
        return list(rows.all())
