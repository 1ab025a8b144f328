"""The repository in memory: the use cases' unit tests run against it, without PostgreSQL.

It keeps each table as a dictionary of rows with the columns of ``adapters/tables.py`` and their
defaults, and answers every query of :class:`splits.repository.Repository` the way the SQL does.
Locks (``for_update``) mean nothing here: a unit test runs one use case at a time, and the
concurrency rules are proven by the integration tests against PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from splits.repository import GroupLines, Record, Repository

_DEFAULTS: dict[str, dict[str, Any]] = {
    "groups": {"description": None},
    "members": {"display_name": None},
    "lists": {"description": None, "owner_user_id": None, "finalised_expense_id": None},
    "items": {"price": None, "quantity": 1, "added_by": None, "assigned_to": None},
    "expenses": {
        "list_id": None,
        "item_id": None,
        "group_id": None,
        "category": None,
        "notes": None,
        "exchange_rate": None,
        "status": "unpaid",
        "is_recurring": False,
        "recurrence": None,
        "template_expense_id": None,
        "version": 1,
        "updated_at": None,
        "deleted_at": None,
        "deleted_by": None,
        "delete_reason": None,
    },
    "splits": {
        "share_percentage": None,
        "share_units": None,
        "paid_amount": Decimal(0),
        "base_paid_amount": Decimal(0),
        "status": "unpaid",
    },
    "activities": {},
    "settlements": {
        "description": None,
        "version": 1,
        "deleted_at": None,
        "deleted_by": None,
        "delete_reason": None,
    },
    "history": {"reason": None},
}
_STAMP = {
    "members": "joined_at",
    "activities": "paid_at",
    "history": "at",
    "items": "created_at",
}


class InMemoryRepository:
    def __init__(self) -> None:
        self.tables: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        self._ids = itertools.count(1)
        self.payers: dict[int, list[dict[str, Any]]] = defaultdict(list)

    # Plumbing
    def _insert(self, table: str, values: dict[str, Any]) -> Record:
        row_id = next(self._ids)
        stamp = _STAMP.get(table, "created_at")
        row = {"id": row_id, **_DEFAULTS[table], stamp: datetime.now(UTC), **values}
        if table == "items":
            row.setdefault("removed_at", None)
        self.tables[table][row_id] = row
        return SimpleNamespace(**row)

    def _update(self, table: str, row_id: int, values: dict[str, Any]) -> Record:
        self.tables[table][row_id].update(values)
        return SimpleNamespace(**self.tables[table][row_id])

    def _get(self, table: str, row_id: int) -> Record | None:
        row = self.tables[table].get(row_id)
        return None if row is None else SimpleNamespace(**row)

    def _rows(self, table: str) -> Iterator[Record]:
        for row_id in sorted(self.tables[table]):
            yield SimpleNamespace(**self.tables[table][row_id])

    # Groups and members
    async def add_group(self, values: dict[str, Any]) -> Record:
        return self._insert("groups", values)

    async def get_group(self, group_id: int, *, for_update: bool = False) -> Record | None:
        return self._get("groups", group_id)

    async def add_member(
        self, group_id: int, user_id: int, role: str, display_name: str | None
    ) -> Record:
        values = {"group_id": group_id, "user_id": user_id, "role": role}
        return self._insert("members", {**values, "display_name": display_name})

    async def get_member(self, group_id: int, user_id: int) -> Record | None:
        found = [m for m in self._rows("members") if (m.group_id, m.user_id) == (group_id, user_id)]
        return found[0] if found else None

    async def list_members(self, group_id: int) -> Sequence[Record]:
        found = [m for m in self._rows("members") if m.group_id == group_id]
        return sorted(found, key=lambda m: m.user_id)

    async def remove_member(self, group_id: int, user_id: int) -> None:
        member = await self.get_member(group_id, user_id)
        if member is not None:
            del self.tables["members"][member.id]

    async def groups_of(self, user_id: int) -> list[int]:
        return sorted(m.group_id for m in self._rows("members") if m.user_id == user_id)

    async def memberships_of(self, user_id: int) -> list[tuple[int, str]]:
        return sorted((m.group_id, m.role) for m in self._rows("members") if m.user_id == user_id)

    async def list_groups(self, group_ids: Sequence[int] | None) -> Sequence[Record]:
        return [g for g in self._rows("groups") if group_ids is None or g.id in group_ids]

    # Lists and items
    async def add_list(self, values: dict[str, Any]) -> Record:
        return self._insert("lists", values)

    async def get_list(self, list_id: int, *, for_update: bool = False) -> Record | None:
        return self._get("lists", list_id)

    async def list_lists(self, group_ids: Sequence[int], owner: int | None) -> Sequence[Record]:
        return [
            lst
            for lst in self._rows("lists")
            if lst.group_id in group_ids
            or (owner is not None and lst.group_id is None and lst.owner_user_id == owner)
        ]

    async def charged_items(self, list_id: int) -> dict[int, int]:
        return {
            e.item_id: e.id
            for e in self._rows("expenses")
            if e.list_id == list_id
            and e.item_id is not None
            and e.split_type == "ITEM_BASED"
            and e.deleted_at is None
        }

    async def set_list_finalised(self, list_id: int, expense_id: int | None) -> None:
        self._update("lists", list_id, {"finalised_expense_id": expense_id})

    async def add_item(self, values: dict[str, Any]) -> Record:
        return self._insert("items", values)

    async def get_item(self, item_id: int) -> Record | None:
        item = self._get("items", item_id)
        return item if item is not None and item.removed_at is None else None

    async def update_item(self, item_id: int, values: dict[str, Any]) -> Record:
        return self._update("items", item_id, values)

    async def list_items(self, list_id: int) -> Sequence[Record]:
        return [i for i in self._rows("items") if i.list_id == list_id and i.removed_at is None]

    # Expenses, payers, splits, history
    async def add_expense(self, values: dict[str, Any]) -> Record:
        return self._insert("expenses", values)

    async def get_expense(self, expense_id: int, *, for_update: bool = False) -> Record | None:
        return self._get("expenses", expense_id)

    async def update_expense(self, expense_id: int, values: dict[str, Any]) -> Record:
        return self._update("expenses", expense_id, values)

    async def occurrence_exists(self, template_id: int, on: date) -> bool:
        return any(
            e.template_expense_id == template_id and e.expense_date == on
            for e in self._rows("expenses")
        )

    async def set_payers(self, expense_id: int, lines: dict[int, tuple[Decimal, Decimal]]) -> None:
        self.payers[expense_id] = [
            {"expense_id": expense_id, "user_id": u, "amount": a, "base_amount": b}
            for u, (a, b) in sorted(lines.items())
        ]

    async def payers_of(self, expense_ids: Sequence[int]) -> dict[int, list[Record]]:
        return {e: [SimpleNamespace(**p) for p in self.payers[e]] for e in expense_ids}

    async def add_split(self, values: dict[str, Any]) -> None:
        self._insert("splits", values)

    async def update_split(self, split_id: int, values: dict[str, Any]) -> Record:
        return self._update("splits", split_id, values)

    async def delete_split(self, split_id: int) -> None:
        del self.tables["splits"][split_id]

    async def splits_of(self, expense_ids: Sequence[int]) -> dict[int, list[Record]]:
        result: dict[int, list[Record]] = {e: [] for e in expense_ids}
        for s in sorted(self._rows("splits"), key=lambda s: s.user_id):
            if s.expense_id in result:
                result[s.expense_id].append(s)
        return result

    async def get_split(self, split_id: int, *, for_update: bool = False) -> Record | None:
        return self._get("splits", split_id)

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
    ) -> tuple[Sequence[Record], int]:
        def visible(e: Record) -> bool:
            if visible_groups is None:
                return True
            if e.group_id is not None:
                return e.group_id in visible_groups
            lst = self.tables["lists"].get(e.list_id) if e.list_id is not None else None
            people = {p["user_id"] for p in self.payers[e.id]}
            people |= {s.user_id for s in self._rows("splits") if s.expense_id == e.id}
            people |= {lst["owner_user_id"]} if lst is not None else set()
            return visible_to in people

        rows = [
            e
            for e in self._rows("expenses")
            if visible(e)
            and (group_id is None or e.group_id == group_id)
            and (list_id is None or e.list_id == list_id)
            and (paid_by is None or any(p["user_id"] == paid_by for p in self.payers[e.id]))
            and (start_date is None or e.expense_date >= start_date)
            and (end_date is None or e.expense_date <= end_date)
            and (is_recurring is None or e.is_recurring is is_recurring)
            and (include_deleted or e.deleted_at is None)
        ]
        rows.sort(key=lambda e: (e.expense_date, e.id), reverse=True)
        return rows[offset : offset + limit], len(rows)

    async def add_history(self, values: dict[str, Any]) -> None:
        self._insert("history", values)

    async def history_of(self, expense_id: int) -> Sequence[Record]:
        return [h for h in self._rows("history") if h.expense_id == expense_id]

    # Payments against splits
    async def activity_totals(self, expense_id: int) -> dict[int, tuple[Decimal, Decimal]]:
        totals: dict[int, tuple[Decimal, Decimal]] = {}
        for a in self._rows("activities"):
            if a.expense_id == expense_id:
                paid, base = totals.get(a.expense_split_id, (Decimal(0), Decimal(0)))
                totals[a.expense_split_id] = (paid + a.amount_paid, base + a.base_amount)
        return totals

    async def add_activity(self, values: dict[str, Any]) -> Record:
        return self._insert("activities", values)

    async def activities_of(self, split_id: int) -> Sequence[Record]:
        return [a for a in self._rows("activities") if a.expense_split_id == split_id]

    # Settlements between members
    async def add_settlement(self, values: dict[str, Any]) -> Record:
        return self._insert("settlements", values)

    async def get_settlement(
        self, settlement_id: int, *, for_update: bool = False
    ) -> Record | None:
        return self._get("settlements", settlement_id)

    async def update_settlement(self, settlement_id: int, values: dict[str, Any]) -> Record:
        return self._update("settlements", settlement_id, values)

    async def list_settlements(self, group_id: int, include_deleted: bool) -> Sequence[Record]:
        return [
            s
            for s in self._rows("settlements")
            if s.group_id == group_id and (include_deleted or s.deleted_at is None)
        ]

    # Balances
    async def group_lines(self, group_id: int) -> GroupLines:
        paid: dict[int, Decimal] = defaultdict(Decimal)
        owed: dict[int, Decimal] = defaultdict(Decimal)
        moved: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        live = {
            e.id for e in self._rows("expenses") if e.group_id == group_id and e.deleted_at is None
        }
        for e in live:
            for p in self.payers[e]:
                paid[p["user_id"]] += p["base_amount"]
        for s in self._rows("splits"):
            if s.expense_id in live:
                owed[s.user_id] += s.base_owed_amount
        for a in self._rows("activities"):
            if a.group_id == group_id:
                moved[(a.paid_by_user_id, a.paid_to_user_id)] += a.base_amount
        for st in await self.list_settlements(group_id, include_deleted=False):
            moved[(st.paid_by_user_id, st.paid_to_user_id)] += st.amount
        return (
            list(paid.items()),
            list(owed.items()),
            [(f, t, amount) for (f, t), amount in moved.items()],
        )


def _keeps_to_the_protocol(repo: InMemoryRepository) -> Repository:
    return repo  # mypy proves the fake answers every query the use cases may ask
