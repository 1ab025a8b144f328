"""Reads and writes of the splits service's rows in PostgreSQL, in the caller's transaction (the
repository protocol of ``splits/repository.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from splits.adapters import tables as t


class SplitsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _one(self, statement: Any) -> Row[Any]:
        return (await self.session.execute(statement)).one()

    async def _maybe(self, statement: Any) -> Row[Any] | None:
        return (await self.session.execute(statement)).one_or_none()

    async def _all(self, statement: Any) -> Sequence[Row[Any]]:
        return (await self.session.execute(statement)).all()

    # Groups and members
    async def add_group(self, values: dict[str, Any]) -> Row[Any]:
        return await self._one(t.groups.insert().values(**values).returning(*t.groups.c))

    async def get_group(self, group_id: int, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.groups).where(t.groups.c.id == group_id)
        return await self._maybe(query.with_for_update() if for_update else query)

    async def add_member(
        self, group_id: int, user_id: int, role: str, display_name: str | None
    ) -> Row[Any]:
        return await self._one(
            t.group_members.insert()
            .values(group_id=group_id, user_id=user_id, role=role, display_name=display_name)
            .returning(*t.group_members.c)
        )

    async def get_member(self, group_id: int, user_id: int) -> Row[Any] | None:
        m = t.group_members
        return await self._maybe(select(m).where(m.c.group_id == group_id, m.c.user_id == user_id))

    async def list_members(self, group_id: int) -> Sequence[Row[Any]]:
        m = t.group_members
        return await self._all(select(m).where(m.c.group_id == group_id).order_by(m.c.user_id))

    async def remove_member(self, group_id: int, user_id: int) -> None:
        m = t.group_members
        await self.session.execute(
            m.delete().where(m.c.group_id == group_id, m.c.user_id == user_id)
        )

    async def groups_of(self, user_id: int) -> list[int]:
        m = t.group_members
        rows = await self._all(select(m.c.group_id).where(m.c.user_id == user_id))
        return sorted(r[0] for r in rows)

    async def memberships_of(self, user_id: int) -> list[tuple[int, str]]:
        """(group id, role) of every group the user is a member of."""
        m = t.group_members
        rows = await self._all(select(m.c.group_id, m.c.role).where(m.c.user_id == user_id))
        return sorted((int(r[0]), str(r[1])) for r in rows)

    async def list_groups(self, group_ids: Sequence[int] | None) -> Sequence[Row[Any]]:
        query = select(t.groups).order_by(t.groups.c.id)
        if group_ids is not None:
            query = query.where(t.groups.c.id.in_(group_ids))
        return await self._all(query)

    # Lists and items
    async def add_list(self, values: dict[str, Any]) -> Row[Any]:
        return await self._one(t.lists.insert().values(**values).returning(*t.lists.c))

    async def get_list(self, list_id: int, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.lists).where(t.lists.c.id == list_id)
        return await self._maybe(query.with_for_update() if for_update else query)

    async def list_lists(self, group_ids: Sequence[int], owner: int | None) -> Sequence[Row[Any]]:
        c = t.lists.c
        visible: list[ColumnElement[bool]] = [c.group_id.in_(group_ids)]
        if owner is not None:
            visible.append(and_(c.group_id.is_(None), c.owner_user_id == owner))
        return await self._all(select(t.lists).where(or_(*visible)).order_by(c.id))

    async def charged_items(self, list_id: int) -> dict[int, int]:
        """Item id → the live single-item ITEM_BASED expense that charged it."""
        c = t.expenses.c
        rows = await self._all(
            select(c.item_id, c.id).where(
                c.list_id == list_id,
                c.item_id.is_not(None),
                c.split_type == "ITEM_BASED",
                c.deleted_at.is_(None),
            )
        )
        return {r.item_id: r.id for r in rows}

    async def set_list_finalised(self, list_id: int, expense_id: int | None) -> None:
        await self.session.execute(
            t.lists.update().where(t.lists.c.id == list_id).values(finalised_expense_id=expense_id)
        )

    async def add_item(self, values: dict[str, Any]) -> Row[Any]:
        return await self._one(t.items.insert().values(**values).returning(*t.items.c))

    async def get_item(self, item_id: int) -> Row[Any] | None:
        c = t.items.c
        return await self._maybe(select(t.items).where(c.id == item_id, c.removed_at.is_(None)))

    async def update_item(self, item_id: int, values: dict[str, Any]) -> Row[Any]:
        return await self._one(
            t.items.update().where(t.items.c.id == item_id).values(**values).returning(*t.items.c)
        )

    async def list_items(self, list_id: int) -> Sequence[Row[Any]]:
        c = t.items.c
        return await self._all(
            select(t.items).where(c.list_id == list_id, c.removed_at.is_(None)).order_by(c.id)
        )

    # Expenses
    async def add_expense(self, values: dict[str, Any]) -> Row[Any]:
        return await self._one(t.expenses.insert().values(**values).returning(*t.expenses.c))

    async def get_expense(self, expense_id: int, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.expenses).where(t.expenses.c.id == expense_id)
        return await self._maybe(query.with_for_update() if for_update else query)

    async def update_expense(self, expense_id: int, values: dict[str, Any]) -> Row[Any]:
        return await self._one(
            t.expenses.update()
            .where(t.expenses.c.id == expense_id)
            .values(**values)
            .returning(*t.expenses.c)
        )

    async def occurrence_exists(self, template_id: int, on: date) -> bool:
        c = t.expenses.c
        found = await self.session.scalar(
            select(func.count()).where(c.template_expense_id == template_id, c.expense_date == on)
        )
        return bool(found)

    async def set_payers(self, expense_id: int, lines: dict[int, tuple[Decimal, Decimal]]) -> None:
        p = t.expense_payers
        await self.session.execute(p.delete().where(p.c.expense_id == expense_id))
        await self.session.execute(
            p.insert(),
            [
                {"expense_id": expense_id, "user_id": u, "amount": a, "base_amount": b}
                for u, (a, b) in lines.items()
            ],
        )

    async def payers_of(self, expense_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
        p = t.expense_payers
        result: dict[int, list[Row[Any]]] = {e: [] for e in expense_ids}
        if expense_ids:
            rows = await self._all(
                select(p).where(p.c.expense_id.in_(expense_ids)).order_by(p.c.user_id)
            )
            for r in rows:
                result[r.expense_id].append(r)
        return result

    async def add_split(self, values: dict[str, Any]) -> None:
        await self.session.execute(t.expense_splits.insert().values(**values))

    async def update_split(self, split_id: int, values: dict[str, Any]) -> Row[Any]:
        s = t.expense_splits
        return await self._one(
            s.update().where(s.c.id == split_id).values(**values).returning(*s.c)
        )

    async def delete_split(self, split_id: int) -> None:
        s = t.expense_splits
        await self.session.execute(s.delete().where(s.c.id == split_id))

    async def splits_of(self, expense_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
        s = t.expense_splits
        result: dict[int, list[Row[Any]]] = {e: [] for e in expense_ids}
        if expense_ids:
            rows = await self._all(
                select(s).where(s.c.expense_id.in_(expense_ids)).order_by(s.c.user_id)
            )
            for r in rows:
                result[r.expense_id].append(r)
        return result

    async def get_split(self, split_id: int, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.expense_splits).where(t.expense_splits.c.id == split_id)
        return await self._maybe(query.with_for_update() if for_update else query)

    async def activity_totals(self, expense_id: int) -> dict[int, tuple[Decimal, Decimal]]:
        """Split id → (paid through activities, the same in the base currency)."""
        a = t.settlement_activities
        rows = await self._all(
            select(a.c.expense_split_id, func.sum(a.c.amount_paid), func.sum(a.c.base_amount))
            .where(a.c.expense_id == expense_id)
            .group_by(a.c.expense_split_id)
        )
        return {r[0]: (Decimal(r[1]), Decimal(r[2])) for r in rows}

    async def add_activity(self, values: dict[str, Any]) -> Row[Any]:
        a = t.settlement_activities
        return await self._one(a.insert().values(**values).returning(*a.c))

    async def activities_of(self, split_id: int) -> Sequence[Row[Any]]:
        a = t.settlement_activities
        return await self._all(select(a).where(a.c.expense_split_id == split_id).order_by(a.c.id))

    async def list_expenses(
        self,
        *,
        visible_to: int | None,
        visible_groups: Sequence[int] | None,
        group_id: int | None,
        list_id: int | None,
        paid_by: int | None,
        start_date: date | None,
        end_date: date | None,
        is_recurring: bool | None,
        include_deleted: bool,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Row[Any]], int]:
        e, p, s, lst = t.expenses, t.expense_payers, t.expense_splits, t.lists
        query = select(e)
        if visible_groups is not None:
            # Row-level: the caller's groups; outside any group, an expense they paid, share or
            # own the list of (a group's expense is its members' only).
            uid = visible_to if visible_to is not None else -1
            query = query.where(
                or_(
                    e.c.group_id.in_(visible_groups),
                    and_(
                        e.c.group_id.is_(None),
                        or_(
                            exists().where(p.c.expense_id == e.c.id, p.c.user_id == uid),
                            exists().where(s.c.expense_id == e.c.id, s.c.user_id == uid),
                            exists().where(lst.c.id == e.c.list_id, lst.c.owner_user_id == uid),
                        ),
                    ),
                )
            )
        if group_id is not None:
            query = query.where(e.c.group_id == group_id)
        if list_id is not None:
            query = query.where(e.c.list_id == list_id)
        if paid_by is not None:
            query = query.where(exists().where(p.c.expense_id == e.c.id, p.c.user_id == paid_by))
        if start_date is not None:
            query = query.where(e.c.expense_date >= start_date)
        if end_date is not None:
            query = query.where(e.c.expense_date <= end_date)
        if is_recurring is not None:
            query = query.where(e.c.is_recurring.is_(is_recurring))
        if not include_deleted:
            query = query.where(e.c.deleted_at.is_(None))
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self._all(
            query.order_by(e.c.expense_date.desc(), e.c.id.desc()).limit(limit).offset(offset)
        )
        return rows, int(total or 0)

    async def add_history(self, values: dict[str, Any]) -> None:
        await self.session.execute(t.expense_history.insert().values(**values))

    async def history_of(self, expense_id: int) -> Sequence[Row[Any]]:
        h = t.expense_history
        return await self._all(select(h).where(h.c.expense_id == expense_id).order_by(h.c.id))

    # Settlements
    async def add_settlement(self, values: dict[str, Any]) -> Row[Any]:
        return await self._one(t.settlements.insert().values(**values).returning(*t.settlements.c))

    async def get_settlement(
        self, settlement_id: int, *, for_update: bool = False
    ) -> Row[Any] | None:
        query = select(t.settlements).where(t.settlements.c.id == settlement_id)
        return await self._maybe(query.with_for_update() if for_update else query)

    async def update_settlement(self, settlement_id: int, values: dict[str, Any]) -> Row[Any]:
        st = t.settlements
        return await self._one(
            st.update().where(st.c.id == settlement_id).values(**values).returning(*st.c)
        )

    async def list_settlements(self, group_id: int, include_deleted: bool) -> Sequence[Row[Any]]:
        st = t.settlements
        query = select(st).where(st.c.group_id == group_id)
        if not include_deleted:
            query = query.where(st.c.deleted_at.is_(None))
        return await self._all(query.order_by(st.c.id))

    # Balances (all in the group's base currency)
    async def group_lines(
        self, group_id: int
    ) -> tuple[
        list[tuple[int, Decimal]], list[tuple[int, Decimal]], list[tuple[int, int, Decimal]]
    ]:
        """(paid lines, owed lines, transfers) of a group's live expenses and its settlements.

        One statement, so one snapshot even under READ COMMITTED: an expense or payment that
        commits meanwhile is seen whole or not at all, and the lines always sum to zero."""
        e, p, s = t.expenses, t.expense_payers, t.expense_splits
        a, st = t.settlement_activities, t.settlements
        live = and_(e.c.group_id == group_id, e.c.deleted_at.is_(None))
        nobody = cast(null(), BigInteger)
        lines = union_all(
            select(literal("paid"), p.c.user_id, nobody, func.sum(p.c.base_amount))
            .join(e, e.c.id == p.c.expense_id)
            .where(live)
            .group_by(p.c.user_id),
            select(literal("owed"), s.c.user_id, nobody, func.sum(s.c.base_owed_amount))
            .join(e, e.c.id == s.c.expense_id)
            .where(live)
            .group_by(s.c.user_id),
            select(
                literal("moved"),
                a.c.paid_by_user_id,
                a.c.paid_to_user_id,
                func.sum(a.c.base_amount),
            )
            .where(a.c.group_id == group_id)
            .group_by(a.c.paid_by_user_id, a.c.paid_to_user_id),
            select(
                literal("moved"), st.c.paid_by_user_id, st.c.paid_to_user_id, func.sum(st.c.amount)
            )
            .where(st.c.group_id == group_id, st.c.deleted_at.is_(None))
            .group_by(st.c.paid_by_user_id, st.c.paid_to_user_id),
        )
        rows = await self._all(lines)
        return (
            [(r[1], Decimal(r[3])) for r in rows if r[0] == "paid"],
            [(r[1], Decimal(r[3])) for r in rows if r[0] == "owed"],
            [(r[1], r[2], Decimal(r[3])) for r in rows if r[0] == "moved"],
        )
