"""What people sharing costs do: the splits service's use cases, called alike by REST routes and
by commands.

Each method runs inside the caller's unit of work: it checks permissions, applies the domain
rules, writes the rows and appends the resulting events to the outbox, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sosenki_contracts import topics
from sosenki_contracts.commands.splits import (
    CreateExpense,
    PayerIn,
    RecordSettlement,
    RecurrencePattern,
    SplitIn,
    UpdateExpense,
)
from sosenki_contracts.money import format_amount
from sosenki_contracts.settle_up import Transfer, plan_settle_up
from sosenki_platform.access_policy import (
    GroupAction,
    GroupRole,
    group_role,
    may_see_personal,
    require_in_group,
)
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound
from sosenki_platform.service import Runtime
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from splits.access import Caller
from splits.adapters.repository import SplitsRepository
from splits.domain import payments
from splits.domain.balances import MemberBalance, group_balances
from splits.domain.cost_summary import CostSummary, PricedItem, cost_summary, item_lines
from splits.domain.currency_change import check_currency_change
from splits.domain.groups import Role, check_group_name, check_removal
from splits.domain.list_charge import check_charge, check_split_type_change
from splits.domain.occurrence_participants import occurrence_participants
from splits.domain.payments import SplitStatus
from splits.domain.recurrence import check_recurrence
from splits.domain.splitting import (
    Participant,
    Share,
    SplitType,
    check_amount,
    compute_shares,
    in_base,
    resolve_payers,
    to_base,
)

ZERO = Decimal(0)


def _money(amount: Decimal, currency: str) -> str:
    return format_amount(Decimal(amount), currency)


def _rate(rate: Decimal | None) -> str | None:
    return None if rate is None else format(Decimal(rate).normalize(), "f")


def _pct(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


@dataclass(frozen=True)
class ExpenseView:
    """An expense with its payers and splits, as read in one transaction."""

    row: Row[Any]
    payers: list[Row[Any]]
    splits: list[Row[Any]]

    @property
    def paid_by_user_id(self) -> int | None:
        return self.payers[0].user_id if len(self.payers) == 1 else None

    def snapshot(self) -> dict[str, Any]:
        """The expense as events and the history carry it (amounts as strings)."""
        r = self.row
        cur, base = r.currency, r.base_currency
        return {
            "expense_id": r.id,
            "group_id": r.group_id,
            "list_id": r.list_id,
            "item_id": r.item_id,
            "description": r.description,
            "category": r.category,
            "notes": r.notes,
            "expense_date": r.expense_date.isoformat(),
            "total_amount": _money(r.total_amount, cur),
            "currency": cur,
            "exchange_rate": _rate(r.exchange_rate),
            "base_currency": base,
            "base_total_amount": _money(r.base_total_amount, base),
            "split_type": r.split_type,
            "payers": [
                {
                    "user_id": p.user_id,
                    "amount": _money(p.amount, cur),
                    "base_amount": _money(p.base_amount, base),
                }
                for p in self.payers
            ],
            "splits": [
                {
                    "expense_split_id": s.id,
                    "user_id": s.user_id,
                    "owed_amount": _money(s.owed_amount, cur),
                    "base_owed_amount": _money(s.base_owed_amount, base),
                    "share_percentage": _pct(s.share_percentage),
                    "share_units": s.share_units,
                    "paid_amount": _money(s.paid_amount, cur),
                    "status": s.status,
                }
                for s in self.splits
            ],
            "is_recurring": r.is_recurring,
            "recurrence": r.recurrence,
            "template_expense_id": r.template_expense_id,
            "version": r.version,
            "status": r.status,
        }


@dataclass(frozen=True)
class Payment:
    """A settlement activity with the split and expense state it left behind."""

    activity: Row[Any]
    split: Row[Any]
    currency: str
    expense_status: str


@dataclass(frozen=True)
class BalanceSummary:
    group: Row[Any]
    balances: list[MemberBalance]
    plan: list[Transfer]


@dataclass(frozen=True)
class ListSummary:
    list_row: Row[Any]
    currency: str
    summary: CostSummary
    expense_id: int | None


class SharedCosts:
    def __init__(
        self,
        runtime: Runtime,
        session: AsyncSession,
        caller: Caller,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.repo = SplitsRepository(session)
        self.session = session
        self.caller = caller
        self.correlation_id = correlation_id
        self.causation_id = causation_id

    async def _publish(
        self, event_type: str, aggregate_id: int | str, payload: dict[str, Any]
    ) -> None:
        event = self.runtime.event(
            event_type,
            aggregate_id,
            payload,
            actor=self.caller.actor,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )
        await self.runtime.outbox.append(self.session, topics.SPLITS_EVENTS, event)

    @staticmethod
    def _aggregate(group_id: int | None, list_id: int | None) -> str:
        # One group's events stay in order on one partition; a personal list is its own stream.
        return f"group:{group_id}" if group_id is not None else f"list:{list_id}"

    # Access
    async def role(self, group_id: int) -> GroupRole:
        """The caller's role in a group by the shared policy, from this service's members."""
        uid = self.caller.user_id
        member = await self.repo.get_member(group_id, uid) if uid is not None else None
        return group_role(
            self.caller.asker, group_id, member_role=None if member is None else member.role
        )

    async def require(
        self,
        group_id: int,
        action: GroupAction = GroupAction.DATA,
        *,
        involved: bool = False,
        refused: str | None = None,
        hidden: str = "Group not found",
    ) -> Row[Any]:
        """The group, if the caller may do ``action`` there: 404 for strangers, 403 for members
        refused."""
        group = await self.repo.get_group(group_id)
        if group is None:
            raise NotFound(hidden)
        role = await self.role(group_id)
        require_in_group(role, action, group_id, involved=involved, hidden=hidden, refused=refused)
        return group

    async def require_member(self, group_id: int) -> Row[Any]:
        return await self.require(group_id)

    async def require_owner(self, group_id: int) -> Row[Any]:
        return await self.require(group_id, GroupAction.MEMBERS)

    async def member_ids(self, group_id: int) -> list[int]:
        return [m.user_id for m in await self.repo.list_members(group_id)]

    async def memberships_of(self, user_id: int) -> list[tuple[int, str]]:
        """The groups a user belongs to, with their role: for the user themselves and for
        services (the bot gateway asks before it mints a token or honours an invitation)."""
        if not self.caller.privileged and self.caller.user_id != user_id:
            # Like every other thing a caller may not see: as if it did not exist.
            raise NotFound("User not found")
        return await self.repo.memberships_of(user_id)

    def _me(self) -> int:
        if self.caller.user_id is None:
            raise BadRequest("This needs a user: say which user (e.g. paid_by_user_id)")
        return self.caller.user_id

    # Groups and members
    async def create_group(self, name: str, base_currency: str, description: str | None) -> Any:
        row = await self.repo.add_group(
            {
                "name": check_group_name(name),
                "base_currency": base_currency,
                "description": description,
                "created_by": self.caller.actor.id,
            }
        )
        owner = self.caller.user_id
        await self._publish(
            "splits.group_created",
            self._aggregate(row.id, None),
            {
                "group_id": row.id,
                "name": row.name,
                "base_currency": base_currency,
                "description": description,
                "owner_user_id": owner,
            },
        )
        if owner is not None:
            await self._add_member(row.id, owner, Role.OWNER, None)
        return row

    async def _add_member(
        self, group_id: int, user_id: int, role: Role, display_name: str | None
    ) -> Row[Any]:
        row = await self.repo.add_member(group_id, user_id, role.value, display_name)
        await self._publish(
            "splits.member_added",
            self._aggregate(group_id, None),
            {
                "group_id": group_id,
                "user_id": user_id,
                "role": role.value,
                "display_name": display_name,
            },
        )
        return row

    async def add_member(
        self, group_id: int, user_id: int, role: str, display_name: str | None
    ) -> Row[Any]:
        # The group row lock orders concurrent membership changes of one group.
        await self.require_owner(group_id)
        await self.repo.get_group(group_id, for_update=True)
        if await self.repo.get_member(group_id, user_id) is not None:
            raise Conflict(f"User {user_id} is already a member of group {group_id}")
        return await self._add_member(group_id, user_id, Role(role), display_name)

    async def remove_member(self, group_id: int, user_id: int) -> None:
        """An owner removes anyone; a member may leave."""
        group = await self.require(
            group_id,
            GroupAction.MEMBERS,
            involved=user_id == self.caller.user_id,
            refused=f"Only an owner of group {group_id} may remove other members",
        )
        await self.repo.get_group(group_id, for_update=True)
        member = await self.repo.get_member(group_id, user_id)
        if member is None:
            raise NotFound(f"User {user_id} is not a member of group {group_id}")
        members = await self.repo.list_members(group_id)
        owners = sum(1 for m in members if m.role == Role.OWNER)
        balances = {b.user_id: b for b in await self._balances(group_id)}
        balance = balances[user_id].net_balance if user_id in balances else ZERO
        currency = group.base_currency
        check_removal(group_id, user_id, Role(member.role), owners, Decimal(balance), currency)
        await self.repo.remove_member(group_id, user_id)
        await self._publish(
            "splits.member_removed",
            self._aggregate(group_id, None),
            {"group_id": group_id, "user_id": user_id, "role": member.role},
        )

    async def visible_groups(self) -> Sequence[Row[Any]]:
        if self.caller.privileged:
            narrowed = self.caller.scopes
            return await self.repo.list_groups(None if narrowed is None else sorted(narrowed))
        uid = self.caller.user_id
        ids = await self.repo.groups_of(uid) if uid is not None else []
        return await self.repo.list_groups([g for g in ids if self.caller.in_scope(g)])

    # Lists and items
    async def create_list(
        self, name: str, group_id: int | None, description: str | None, currency: str | None
    ) -> Row[Any]:
        if not name.strip():
            raise BadRequest("List name must not be empty")
        if group_id is not None:
            group = await self.require_member(group_id)
            if currency is not None and currency != group.base_currency:
                raise BadRequest(
                    f"A group's list uses the group's currency ({group.base_currency})"
                )
            currency = group.base_currency
            owner = self.caller.user_id
        else:
            owner = self._me()
        row = await self.repo.add_list(
            {
                "group_id": group_id,
                "name": name.strip(),
                "description": description,
                "owner_user_id": owner,
                "currency": currency or "RUB",
                "created_by": self.caller.actor.id,
            }
        )
        await self._publish(
            "splits.list_created",
            self._aggregate(group_id, row.id),
            {
                "list_id": row.id,
                "group_id": group_id,
                "name": row.name,
                "description": description,
                "owner_user_id": owner,
                "currency": row.currency,
            },
        )
        return row

    async def shopping_list(self, list_id: int, *, for_update: bool = False) -> Row[Any]:
        """A list the caller may use: a group's list for its members, a personal one for its
        owner."""
        row = await self.repo.get_list(list_id, for_update=for_update)
        if row is None:
            raise NotFound("List not found")
        if row.group_id is not None:
            await self.require(row.group_id, hidden="List not found")
        elif not may_see_personal(self.caller.asker, [row.owner_user_id]):
            raise NotFound("List not found")
        return row

    async def visible_lists(self, group_id: int | None) -> Sequence[Row[Any]]:
        if group_id is not None:
            await self.require_member(group_id)
            return await self.repo.list_lists([group_id], None)
        groups = [g.id for g in await self.visible_groups()]
        return await self.repo.list_lists(groups, self.caller.user_id)

    def _item_payload(self, item: Row[Any], lst: Row[Any]) -> dict[str, Any]:
        return {
            "item_id": item.id,
            "list_id": lst.id,
            "group_id": lst.group_id,
            "name": item.name,
            "price": None if item.price is None else _money(item.price, lst.currency),
            "currency": lst.currency,
            "quantity": item.quantity,
            "added_by": item.added_by,
            "assigned_to": item.assigned_to,
        }

    async def _check_item_fields(
        self, lst: Row[Any], price: Decimal | None, assigned_to: int | None
    ) -> None:
        if lst.finalised_expense_id is not None:
            raise Conflict(
                f"List {lst.id} has been finalised into expense {lst.finalised_expense_id}"
            )
        if price is not None:
            check_amount(price, lst.currency, "price")
        if assigned_to is not None and lst.group_id is not None:
            if assigned_to not in await self.member_ids(lst.group_id):
                raise BadRequest(f"User {assigned_to} is not a member of group {lst.group_id}")

    async def add_item(
        self,
        list_id: int,
        name: str,
        price: Decimal | None,
        quantity: int,
        assigned_to: int | None,
    ) -> tuple[Row[Any], Row[Any]]:
        lst = await self.shopping_list(list_id, for_update=True)
        if not name.strip():
            raise BadRequest("Item name must not be empty")
        await self._check_item_fields(lst, price, assigned_to)
        item = await self.repo.add_item(
            {
                "list_id": list_id,
                "name": name.strip(),
                "price": price,
                "quantity": quantity,
                "added_by": self.caller.user_id,
                "assigned_to": assigned_to,
            }
        )
        payload = self._item_payload(item, lst)
        await self._publish("splits.item_added", self._aggregate(lst.group_id, lst.id), payload)
        return item, lst

    async def update_item(self, item_id: int, changes: dict[str, Any]) -> tuple[Row[Any], Row[Any]]:
        item = await self.repo.get_item(item_id)
        if item is None:
            raise NotFound("Item not found")
        lst = await self.shopping_list(item.list_id, for_update=True)
        await self._check_item_fields(lst, changes.get("price"), changes.get("assigned_to"))
        if "name" in changes:
            if changes["name"] is None or not str(changes["name"]).strip():
                raise BadRequest("Item name must not be empty")
            changes["name"] = str(changes["name"]).strip()
        if "quantity" in changes and changes["quantity"] is None:
            raise BadRequest("quantity must be at least 1")
        after = await self.repo.update_item(item_id, changes) if changes else item
        await self._publish(
            "splits.item_updated",
            self._aggregate(lst.group_id, lst.id),
            {
                "item_id": item_id,
                "list_id": lst.id,
                "group_id": lst.group_id,
                "before": self._item_payload(item, lst),
                "after": self._item_payload(after, lst),
            },
        )
        return after, lst

    async def remove_item(self, item_id: int) -> None:
        item = await self.repo.get_item(item_id)
        if item is None:
            raise NotFound("Item not found")
        lst = await self.shopping_list(item.list_id, for_update=True)
        await self._check_item_fields(lst, None, None)
        await self.repo.update_item(item_id, {"removed_at": datetime.now(UTC)})
        await self._publish(
            "splits.item_removed",
            self._aggregate(lst.group_id, lst.id),
            self._item_payload(item, lst),
        )

    # Expenses: reading
    async def _view(self, row: Row[Any]) -> ExpenseView:
        payers = (await self.repo.payers_of([row.id]))[row.id]
        splits = (await self.repo.splits_of([row.id]))[row.id]
        return ExpenseView(row, payers, splits)

    async def _may_see(self, row: Row[Any], view: ExpenseView) -> bool:
        """A group's expense is its members' (within the token's scope); one outside any group
        is its payers', its participants' and its list owner's."""
        if row.group_id is not None:
            return await self.role(row.group_id) is not GroupRole.STRANGER
        people = [p.user_id for p in view.payers] + [s.user_id for s in view.splits]
        if row.list_id is not None:
            lst = await self.repo.get_list(row.list_id)
            if lst is not None and lst.group_id is None:
                people.append(lst.owner_user_id)
        return may_see_personal(self.caller.asker, people)

    async def expense(self, expense_id: int, *, for_update: bool = False) -> ExpenseView:
        row = await self.repo.get_expense(expense_id, for_update=for_update)
        if row is None:
            raise NotFound("Expense not found")
        view = await self._view(row)
        if not await self._may_see(row, view):
            raise NotFound("Expense not found")
        return view

    async def list_expenses(
        self,
        *,
        group_id: int | None,
        list_id: int | None,
        paid_by: int | None,
        start_date: date | None,
        end_date: date | None,
        is_recurring: bool | None,
        include_deleted: bool,
        limit: int,
        offset: int,
    ) -> tuple[list[ExpenseView], int]:
        if group_id is not None:
            await self.require_member(group_id)
        if list_id is not None:
            await self.shopping_list(list_id)
        if start_date and end_date and end_date < start_date:
            raise BadRequest("end_date must not be before start_date")
        visible_groups: list[int] | None = None
        if not self.caller.privileged or self.caller.scopes is not None:
            visible_groups = [g.id for g in await self.visible_groups()]
        rows, total = await self.repo.list_expenses(
            visible_to=self.caller.user_id,
            visible_groups=visible_groups,
            group_id=group_id,
            list_id=list_id,
            paid_by=paid_by,
            start_date=start_date,
            end_date=end_date,
            is_recurring=is_recurring,
            include_deleted=include_deleted,
            limit=limit,
            offset=offset,
        )
        ids = [r.id for r in rows]
        payers = await self.repo.payers_of(ids)
        splits = await self.repo.splits_of(ids)
        return [ExpenseView(r, payers[r.id], splits[r.id]) for r in rows], total

    async def history(self, expense_id: int) -> Sequence[Row[Any]]:
        await self.expense(expense_id)
        return await self.repo.history_of(expense_id)

    # Expenses: writing
    async def _context(
        self, group_id: int | None, list_id: int | None, item_id: int | None
    ) -> tuple[Row[Any] | None, Row[Any] | None, Row[Any] | None]:
        """(group, list, item) of a new expense: at least one of them, consistent, visible."""
        item = lst = group = None
        if item_id is not None:
            item = await self.repo.get_item(item_id)
            if item is None:
                raise NotFound("Item not found")
            if list_id is not None and list_id != item.list_id:
                raise BadRequest(f"Item {item_id} is not on list {list_id}")
            list_id = item.list_id
        if list_id is not None:
            lst = await self.shopping_list(list_id)
            if group_id is not None and lst.group_id != group_id:
                raise BadRequest(f"List {list_id} does not belong to group {group_id}")
            group_id = lst.group_id
        if group_id is None and lst is None:
            raise BadRequest("An expense needs a group_id or a list_id (or an item_id)")
        if group_id is not None:
            group = await self.require_member(group_id)
        return group, lst, item

    async def _item_lines(self, lst: Row[Any] | None, item: Row[Any] | None) -> dict[int, Decimal]:
        """Values per user of the items an ITEM_BASED expense charges: the one item, or the
        list's items not already charged by an expense of their own (``domain/list_charge.py``)."""
        if lst is None:
            raise BadRequest("ITEM_BASED needs a list_id or an item_id")
        if item is not None:
            rows = [item]
        else:
            charged = await self.repo.charged_items(lst.id)
            rows = [r for r in await self.repo.list_items(lst.id) if r.id not in charged]
        return item_lines(
            PricedItem(r.id, r.price, r.added_by, r.assigned_to) for r in rows if r is not None
        )

    def _participants(self, splits_in: Sequence[SplitIn] | None) -> list[Participant]:
        return [
            Participant(s.user_id, s.owed_amount, s.share_percentage, s.share_units)
            for s in splits_in or ()
        ]

    async def create_expense(
        self, body: CreateExpense, *, template_expense_id: int | None = None
    ) -> ExpenseView:
        group, lst, item = await self._context(body.group_id, body.list_id, body.item_id)
        members = await self.member_ids(group.id) if group is not None else None
        assert group is not None or lst is not None
        base_currency: str = group.base_currency if group is not None else lst.currency  # type: ignore[union-attr]
        currency = body.currency or base_currency
        split_type = SplitType(body.split_type)
        expense_date = body.expense_date or datetime.now(UTC).date()
        check_recurrence(body.is_recurring, body.recurrence, expense_date)

        lines: dict[int, Decimal] | None = None
        total = body.total_amount
        if split_type is SplitType.ITEM_BASED:
            if currency != base_currency:
                raise BadRequest(
                    f"ITEM_BASED expenses are in the list's currency ({base_currency})"
                )
            if lst is not None:
                # The list row lock makes "charged once" hold under concurrent requests.
                lst = await self.shopping_list(lst.id, for_update=True)
                check_charge(
                    lst.id,
                    lst.finalised_expense_id,
                    item.id if item is not None else None,
                    await self.repo.charged_items(lst.id),
                )
            lines = await self._item_lines(lst, item)
            if total is None:
                total = sum(lines.values(), ZERO)
        if total is None:
            raise BadRequest("total_amount is required")
        check_amount(total, currency, "total_amount")

        participants = self._participants(body.splits_in)
        if body.splits_in is None and split_type is SplitType.EQUAL:
            default = members if members is not None else [lst.owner_user_id]  # type: ignore[union-attr]
            participants = [Participant(u) for u in default if u is not None]
        shares = compute_shares(
            total, currency, split_type, participants, members=members, item_lines=lines
        )
        paid_by = body.paid_by_user_id
        if body.payers is None and paid_by is None:
            paid_by = self._me()
        payers = resolve_payers(
            total,
            currency,
            paid_by_user_id=paid_by,
            payers=_payer_lines(body.payers),
            members=members,
        )
        base_total = to_base(total, currency, base_currency, body.exchange_rate)
        row = await self.repo.add_expense(
            {
                "group_id": group.id if group is not None else None,
                "list_id": lst.id if lst is not None else None,
                "item_id": item.id if item is not None else None,
                "description": body.description.strip(),
                "category": body.category,
                "notes": body.notes,
                "expense_date": expense_date,
                "total_amount": total,
                "currency": currency,
                "exchange_rate": body.exchange_rate,
                "base_currency": base_currency,
                "base_total_amount": base_total,
                "split_type": split_type.value,
                "is_recurring": body.is_recurring,
                "recurrence": (
                    body.recurrence.model_dump(mode="json") if body.recurrence else None
                ),
                "template_expense_id": template_expense_id,
                "created_by": self.caller.actor.id,
            }
        )
        await self._write_money(row, shares, payers, base_total, activity={})
        if split_type is SplitType.ITEM_BASED and item is None and lst is not None:
            await self.repo.set_list_finalised(lst.id, row.id)
        view = await self._view(await self._refresh(row.id))
        await self._record_history(view, "created", None)
        snapshot = view.snapshot()
        aggregate = self._aggregate(row.group_id, row.list_id)
        await self._publish("splits.expense_recorded", aggregate, snapshot)
        if body.is_recurring and body.recurrence is not None:
            await self._publish(
                "splits.recurring_expense_requested",
                aggregate,
                {
                    "template_expense_id": row.id,
                    "group_id": row.group_id,
                    "list_id": row.list_id,
                    "start_date": expense_date.isoformat(),
                    "recurrence": body.recurrence.model_dump(mode="json"),
                    "expense": snapshot,
                },
            )
        return view

    async def _refresh(self, expense_id: int) -> Row[Any]:
        row = await self.repo.get_expense(expense_id)
        assert row is not None
        return row

    async def _write_money(
        self,
        row: Row[Any],
        shares: list[Share],
        payers: dict[int, Decimal],
        base_total: Decimal,
        *,
        activity: dict[int, tuple[Decimal, Decimal]],
    ) -> None:
        """Write payers and splits (keeping split rows of people still in it) and the status.

        ``activity``: split id → what settlement activities already paid, in both currencies.
        """
        base = row.base_currency
        base_owed = in_base(base_total, {s.user_id: s.owed_amount for s in shares}, base)
        base_paid = in_base(base_total, payers, base)
        await self.repo.set_payers(row.id, {u: (a, base_paid[u]) for u, a in payers.items()})
        existing = {s.user_id: s for s in (await self.repo.splits_of([row.id]))[row.id]}
        wanted = {s.user_id for s in shares}
        for user_id, split in existing.items():
            if user_id not in wanted:
                if split.id in activity:
                    raise Conflict(
                        f"User {user_id} has already paid towards expense {row.id} and cannot "
                        "be removed from it"
                    )
                await self.repo.delete_split(split.id)
        statuses: list[SplitStatus] = []
        for share in shares:
            old = existing.get(share.user_id)
            done, base_done = (
                activity.get(old.id, (ZERO, ZERO)) if old is not None else (ZERO, ZERO)
            )
            own = payments.covered(share.owed_amount, payers.get(share.user_id, ZERO))
            paid = own + done
            if paid > share.owed_amount:
                raise Conflict(
                    f"User {share.user_id} has already paid "
                    f"{_money(paid, row.currency)} {row.currency} towards expense {row.id}, more "
                    f"than their new share of {_money(share.owed_amount, row.currency)}"
                )
            owed_base = base_owed[share.user_id]
            base_own = min(owed_base, base_paid.get(share.user_id, ZERO))
            status = payments.split_status(share.owed_amount, paid)
            statuses.append(status)
            values = {
                "owed_amount": share.owed_amount,
                "base_owed_amount": owed_base,
                "share_percentage": share.share_percentage,
                "share_units": share.share_units,
                "paid_amount": paid,
                "base_paid_amount": owed_base
                if status is SplitStatus.PAID
                else min(owed_base, base_own + base_done),
                "status": status.value,
            }
            if old is not None:
                await self.repo.update_split(old.id, values)
            else:
                await self.repo.add_split(
                    {"expense_id": row.id, "user_id": share.user_id, **values}
                )
        await self.repo.update_expense(row.id, {"status": payments.expense_status(statuses).value})

    async def _record_history(self, view: ExpenseView, action: str, reason: str | None) -> None:
        await self.repo.add_history(
            {
                "expense_id": view.row.id,
                "version": view.row.version,
                "action": action,
                "snapshot": view.snapshot(),
                "reason": reason,
                "actor": self.caller.actor.id,
            }
        )

    async def _writable(self, expense_id: int, version: int) -> ExpenseView:
        """Lock the expense; only a payer or a group owner may change it, and only the version
        they saw."""
        view = await self.expense(expense_id, for_update=True)
        row = view.row
        uid = self.caller.user_id
        is_payer = uid is not None and any(p.user_id == uid for p in view.payers)
        refused = "Only the payer or an owner of the group may change this expense"
        if row.group_id is not None:
            await self.require(row.group_id, GroupAction.CHANGE, involved=is_payer, refused=refused)
        elif not is_payer and not self.caller.privileged:
            raise Forbidden(refused)
        if row.deleted_at is not None:
            raise Conflict(f"Expense {expense_id} has been deleted")
        if version != row.version:
            raise Conflict(
                f"Expense {expense_id} has changed since version {version}: the current version "
                f"is {row.version}"
            )
        return view

    async def update_expense(self, body: UpdateExpense) -> ExpenseView:
        view = await self._writable(body.expense_id, body.version)
        row = view.row
        before = view.snapshot()
        given = body.model_fields_set
        changes: dict[str, Any] = {}
        if "description" in given:
            if body.description is None or not body.description.strip():
                raise BadRequest("description must not be empty")
            changes["description"] = body.description.strip()
        for name in ("category", "notes"):
            if name in given:
                changes[name] = getattr(body, name)
        if "expense_date" in given:
            if body.expense_date is None:
                raise BadRequest("expense_date must not be null")
            changes["expense_date"] = body.expense_date
        money = {
            "total_amount",
            "currency",
            "exchange_rate",
            "split_type",
            "splits_in",
            "payers",
            "paid_by_user_id",
        }
        if given & money:
            changes |= await self._recompute(view, body)
        changes |= {"version": row.version + 1, "updated_at": datetime.now(UTC)}
        await self.repo.update_expense(row.id, changes)
        after = await self._view(await self._refresh(row.id))
        await self._record_history(after, "updated", None)
        await self._publish(
            "splits.expense_updated",
            self._aggregate(row.group_id, row.list_id),
            {
                "expense_id": row.id,
                "group_id": row.group_id,
                "before": before,
                "after": after.snapshot(),
            },
        )
        return after

    async def _recompute(self, view: ExpenseView, body: UpdateExpense) -> dict[str, Any]:
        """New money of an expense (changing the amount recomputes the splits)."""
        row = view.row
        given = body.model_fields_set
        split_type = SplitType(body.split_type or row.split_type)
        check_split_type_change(row.split_type, split_type.value)
        currency = body.currency or row.currency
        if "exchange_rate" in given:
            rate = body.exchange_rate
        else:
            rate = row.exchange_rate if currency == row.currency else None
        activity = await self.repo.activity_totals(row.id)
        check_currency_change(
            row.id, (row.currency, row.exchange_rate), (currency, rate), bool(activity)
        )
        members = await self.member_ids(row.group_id) if row.group_id is not None else None
        lines = None
        total = body.total_amount if body.total_amount is not None else Decimal(row.total_amount)
        if split_type is SplitType.ITEM_BASED:
            if currency != row.base_currency:
                raise BadRequest(f"ITEM_BASED expenses are in the list's currency ({currency})")
            lst = await self.repo.get_list(row.list_id) if row.list_id is not None else None
            item = await self.repo.get_item(row.item_id) if row.item_id is not None else None
            lines = await self._item_lines(lst, item)
            if body.total_amount is None:
                total = sum(lines.values(), ZERO)
        check_amount(total, currency, "total_amount")
        if "splits_in" in given:
            participants = self._participants(body.splits_in)
        elif split_type is SplitType.ITEM_BASED:
            participants = []
        else:
            participants = [
                Participant(
                    s.user_id,
                    Decimal(s.owed_amount).normalize() if s.owed_amount is not None else None,
                    s.share_percentage,
                    s.share_units,
                )
                for s in view.splits
            ]
        shares = compute_shares(
            total, currency, split_type, participants, members=members, item_lines=lines
        )
        if "payers" in given or "paid_by_user_id" in given:
            payer_lines = _payer_lines(body.payers)
            paid_by = body.paid_by_user_id
        elif len(view.payers) == 1:
            payer_lines, paid_by = None, view.payers[0].user_id
        else:
            payer_lines = [(p.user_id, Decimal(p.amount)) for p in view.payers]
            paid_by = None
        payers = resolve_payers(
            total, currency, paid_by_user_id=paid_by, payers=payer_lines, members=members
        )
        base_total = to_base(total, currency, row.base_currency, rate)
        await self._write_money(row, shares, payers, base_total, activity=activity)
        return {
            "split_type": split_type.value,
            "currency": currency,
            "exchange_rate": rate,
            "total_amount": total,
            "base_total_amount": base_total,
        }

    async def delete_expense(
        self, expense_id: int, version: int, reason: str | None
    ) -> ExpenseView:
        """A reversal: the expense stays, marked deleted, out of every balance; its history
        keeps every version."""
        view = await self._writable(expense_id, version)
        row = view.row
        before = view.snapshot()
        if row.list_id is not None:
            lst = await self.repo.get_list(row.list_id, for_update=True)
            if lst is not None and lst.finalised_expense_id == row.id:
                # The list's charge is reversed: the list opens again (domain/list_charge.py).
                await self.repo.set_list_finalised(lst.id, None)
        await self.repo.update_expense(
            row.id,
            {
                "deleted_at": datetime.now(UTC),
                "deleted_by": self.caller.actor.id,
                "delete_reason": reason,
                "version": row.version + 1,
            },
        )
        after = await self._view(await self._refresh(row.id))
        await self._record_history(after, "deleted", reason)
        aggregate = self._aggregate(row.group_id, row.list_id)
        await self._publish(
            "splits.expense_deleted",
            aggregate,
            {
                "expense_id": row.id,
                "group_id": row.group_id,
                "version": after.row.version,
                "reason": reason,
                "before": before,
            },
        )
        if row.is_recurring:
            await self._publish(
                "splits.recurring_expense_cancelled",
                aggregate,
                {"template_expense_id": row.id, "group_id": row.group_id, "reason": reason},
            )
        return after

    async def create_occurrence(
        self, template_expense_id: int, occurrence_date: date
    ) -> ExpenseView:
        """An occurrence of a recurring expense: an ordinary expense linked to its template."""
        view = await self.expense(template_expense_id, for_update=True)
        t = view.row
        if not t.is_recurring:
            raise Conflict(f"Expense {template_expense_id} is not recurring")
        if t.deleted_at is not None:
            raise Conflict(f"Recurring expense {template_expense_id} has been deleted")
        if await self.repo.occurrence_exists(t.id, occurrence_date):
            raise Conflict(
                f"Expense {template_expense_id} already has an occurrence on {occurrence_date}"
            )
        split_type = SplitType(t.split_type)
        splits = list(view.splits)
        if t.group_id is not None:
            # People who left since: dropped or refused (domain/occurrence_participants.py).
            staying = occurrence_participants(
                t.id,
                t.group_id,
                split_type.value,
                [s.user_id for s in splits],
                [p.user_id for p in view.payers],
                await self.member_ids(t.group_id),
            )
            splits = [s for s in splits if s.user_id in staying]
        splits_in = [
            SplitIn(
                user_id=s.user_id,
                owed_amount=Decimal(s.owed_amount),
                share_percentage=s.share_percentage,
                share_units=s.share_units,
            )
            for s in splits
        ]
        if split_type is SplitType.ITEM_BASED:
            # The list's items were bought once; later occurrences repeat the same amounts.
            split_type = SplitType.EXACT_AMOUNTS
        body = CreateExpense(
            description=t.description,
            total_amount=Decimal(t.total_amount),
            currency=t.currency,
            exchange_rate=t.exchange_rate,
            category=t.category,
            notes=t.notes,
            expense_date=occurrence_date,
            split_type=split_type.value,
            paid_by_user_id=view.paid_by_user_id,
            payers=(
                None
                if view.paid_by_user_id is not None
                else [PayerIn(user_id=p.user_id, amount=Decimal(p.amount)) for p in view.payers]
            ),
            splits_in=splits_in,
            group_id=t.group_id,
            list_id=t.list_id,
        )
        return await self.create_expense(body, template_expense_id=t.id)

    # Paying splits
    async def settle_split(
        self,
        split_id: int,
        amount: Decimal,
        paid_by_user_id: int | None,
        paid_to_user_id: int | None,
    ) -> Payment:
        found = await self.repo.get_split(split_id)
        if found is None:
            raise NotFound("Expense split not found")
        # Lock the expense, then the split: payments on one expense serialise, so neither an
        # overpayment nor a stale overall status can slip through concurrent requests.
        view = await self.expense(found.expense_id, for_update=True)
        split = await self.repo.get_split(split_id, for_update=True)
        assert split is not None
        row = view.row
        if row.deleted_at is not None:
            raise Conflict(f"Expense {row.id} has been deleted")
        if paid_by_user_id is not None and paid_by_user_id != split.user_id:
            raise BadRequest(
                f"A payment against this split is made by its participant (user {split.user_id})"
            )
        currency = row.currency
        check_amount(amount, currency, "amount_paid")
        payments.check_payment(
            split.id, Decimal(split.owed_amount), Decimal(split.paid_amount), amount, currency
        )
        payee = self._payee(view, split.user_id, paid_to_user_id)
        involved = self.caller.user_id in (split.user_id, payee)
        refused = "Only the participant, the payer or an owner of the group may record this payment"
        if row.group_id is not None:
            await self.require(row.group_id, GroupAction.PAY, involved=involved, refused=refused)
        elif not involved and not self.caller.privileged:
            raise Forbidden(refused)
        paid_after = Decimal(split.paid_amount) + amount
        base_amount = payments.payment_in_base(
            amount,
            owed=Decimal(split.owed_amount),
            paid_after=paid_after,
            base_owed=Decimal(split.base_owed_amount),
            base_paid_before=Decimal(split.base_paid_amount),
            exchange_rate=row.exchange_rate,
            base_currency=row.base_currency,
        )
        activity = await self.repo.add_activity(
            {
                "expense_split_id": split.id,
                "expense_id": row.id,
                "group_id": row.group_id,
                "paid_by_user_id": split.user_id,
                "paid_to_user_id": payee,
                "amount_paid": amount,
                "base_amount": base_amount,
                "created_by": self.caller.actor.id,
            }
        )
        status = payments.split_status(Decimal(split.owed_amount), paid_after)
        updated = await self.repo.update_split(
            split.id,
            {
                "paid_amount": paid_after,
                "base_paid_amount": Decimal(split.base_paid_amount) + base_amount,
                "status": status.value,
            },
        )
        statuses = [status if s.id == split.id else SplitStatus(s.status) for s in view.splits]
        overall = payments.expense_status(statuses)
        await self.repo.update_expense(row.id, {"status": overall.value})
        await self._publish(
            "splits.split_settled",
            self._aggregate(row.group_id, row.list_id),
            {
                "settlement_activity_id": activity.id,
                "expense_id": row.id,
                "expense_split_id": split.id,
                "group_id": row.group_id,
                "paid_by_user_id": split.user_id,
                "paid_to_user_id": payee,
                "amount_paid": _money(amount, currency),
                "currency": currency,
                "base_amount": _money(base_amount, row.base_currency),
                "base_currency": row.base_currency,
                "split_owed_amount": _money(split.owed_amount, currency),
                "split_paid_amount": _money(paid_after, currency),
                "split_status": status.value,
                "expense_status": overall.value,
                "paid_at": activity.paid_at.isoformat(),
            },
        )
        return Payment(activity, updated, currency, overall.value)

    @staticmethod
    def _payee(view: ExpenseView, participant: int, paid_to: int | None) -> int:
        others: list[int] = [p.user_id for p in view.payers if p.user_id != participant]
        if paid_to is not None:
            if paid_to not in others:
                raise BadRequest(
                    f"paid_to_user_id must be a payer of expense {view.row.id} other than the "
                    f"participant: {others}"
                )
            return paid_to
        if len(others) != 1:
            raise BadRequest(
                f"paid_to_user_id is required: expense {view.row.id} has several payers {others}"
            )
        return others[0]

    async def split_activities(self, split_id: int) -> tuple[Row[Any], Sequence[Row[Any]], str]:
        split = await self.repo.get_split(split_id)
        if split is None:
            raise NotFound("Expense split not found")
        view = await self.expense(split.expense_id)
        return split, await self.repo.activities_of(split_id), view.row.currency

    # Settlements between members
    async def record_settlement(self, body: RecordSettlement) -> Row[Any]:
        group = await self.require_member(body.group_id)
        if body.paid_by_user_id == body.paid_to_user_id:
            raise BadRequest("paid_by_user_id and paid_to_user_id must differ")
        members = await self.member_ids(group.id)
        outside = sorted({body.paid_by_user_id, body.paid_to_user_id} - set(members))
        if outside:
            raise BadRequest(f"Not members of group {group.id}: {outside}")
        await self.require(
            group.id,
            GroupAction.PAY,
            involved=self.caller.user_id in (body.paid_by_user_id, body.paid_to_user_id),
            refused="Only the payer, the payee or an owner of the group may record a settlement",
        )
        currency = body.currency or group.base_currency
        if currency != group.base_currency:
            raise BadRequest(f"Settlements are recorded in the group's currency ({currency})")
        check_amount(body.amount, currency)
        row = await self.repo.add_settlement(
            {
                "group_id": group.id,
                "paid_by_user_id": body.paid_by_user_id,
                "paid_to_user_id": body.paid_to_user_id,
                "amount": body.amount,
                "currency": currency,
                "description": body.description,
                "settlement_date": body.settlement_date or datetime.now(UTC).date(),
                "created_by": self.caller.actor.id,
            }
        )
        await self._publish(
            "splits.settlement_recorded", self._aggregate(group.id, None), _settlement(row)
        )
        return row

    async def settlement(self, settlement_id: int, *, for_update: bool = False) -> Row[Any]:
        row = await self.repo.get_settlement(settlement_id, for_update=for_update)
        if row is None:
            raise NotFound("Settlement not found")
        await self.require(row.group_id, hidden="Settlement not found")
        return row

    async def settlements(self, group_id: int, include_deleted: bool) -> Sequence[Row[Any]]:
        await self.require_member(group_id)
        return await self.repo.list_settlements(group_id, include_deleted)

    async def delete_settlement(
        self, settlement_id: int, version: int, reason: str | None
    ) -> Row[Any]:
        row = await self.settlement(settlement_id, for_update=True)
        await self.require(
            row.group_id,
            GroupAction.PAY,
            involved=self.caller.user_id in (row.paid_by_user_id, row.paid_to_user_id),
            refused="Only the payer, the payee or an owner of the group may delete a settlement",
        )
        if row.deleted_at is not None:
            raise Conflict(f"Settlement {settlement_id} has been deleted")
        if version != row.version:
            raise Conflict(
                f"Settlement {settlement_id} has changed since version {version}: the current "
                f"version is {row.version}"
            )
        updated = await self.repo.update_settlement(
            settlement_id,
            {
                "deleted_at": datetime.now(UTC),
                "deleted_by": self.caller.actor.id,
                "delete_reason": reason,
                "version": row.version + 1,
            },
        )
        await self._publish(
            "splits.settlement_deleted",
            self._aggregate(row.group_id, None),
            {
                "settlement_id": row.id,
                "group_id": row.group_id,
                "reason": reason,
                "before": _settlement(row),
            },
        )
        return updated

    # Summaries
    async def _balances(self, group_id: int) -> list[MemberBalance]:
        paid, owed, transfers = await self.repo.group_lines(group_id)
        return group_balances(await self.member_ids(group_id), paid, owed, transfers)

    async def balance_summary(self, group_id: int) -> BalanceSummary:
        group = await self.require_member(group_id)
        balances = await self._balances(group_id)
        plan = plan_settle_up({b.user_id: b.net_balance for b in balances})
        return BalanceSummary(group, balances, plan)

    async def list_cost_summary(self, list_id: int) -> ListSummary:
        lst = await self.shopping_list(list_id)
        currency = lst.currency
        if lst.group_id is not None:
            participants = await self.member_ids(lst.group_id)
        else:
            participants = [lst.owner_user_id] if lst.owner_user_id is not None else []
        expense_id = lst.finalised_expense_id
        added: dict[int, Decimal] = {}
        if expense_id is not None:
            # Finalised: the snapshot of the expense, not the (frozen) items.
            for split in (await self.repo.splits_of([expense_id]))[expense_id]:
                added[split.user_id] = Decimal(split.owed_amount)
        else:
            # What finalising would charge: items charged on their own are left out.
            charged = await self.repo.charged_items(list_id)
            for item in await self.repo.list_items(list_id):
                if item.id in charged:
                    continue
                if item.price is not None and item.added_by is not None:
                    added[item.added_by] = added.get(item.added_by, ZERO) + Decimal(item.price)
        return ListSummary(lst, currency, cost_summary(participants, added, currency), expense_id)

    async def finalise_list(
        self,
        list_id: int,
        paid_by_user_id: int | None,
        description: str | None,
        expense_date: date | None,
    ) -> ExpenseView:
        # The list row lock makes "once" hold under concurrent requests.
        lst = await self.shopping_list(list_id, for_update=True)
        if lst.finalised_expense_id is not None:
            raise Conflict(
                f"List {list_id} has already been finalised into expense {lst.finalised_expense_id}"
            )
        view = await self.create_expense(
            CreateExpense(
                description=description or f"Items of list {lst.name}",
                split_type="ITEM_BASED",
                list_id=list_id,
                group_id=lst.group_id,
                paid_by_user_id=paid_by_user_id,
                expense_date=expense_date,
            )
        )
        return view  # create_expense finalised the list


def _payer_lines(payers: Sequence[PayerIn] | None) -> list[tuple[int, Decimal]] | None:
    return None if payers is None else [(p.user_id, p.amount) for p in payers]


def _settlement(row: Row[Any]) -> dict[str, Any]:
    return {
        "settlement_id": row.id,
        "group_id": row.group_id,
        "paid_by_user_id": row.paid_by_user_id,
        "paid_to_user_id": row.paid_to_user_id,
        "amount": _money(row.amount, row.currency),
        "currency": row.currency,
        "description": row.description,
        "settlement_date": row.settlement_date.isoformat(),
        "version": row.version,
    }


__all__ = [
    "BalanceSummary",
    "ExpenseView",
    "ListSummary",
    "Payment",
    "RecurrencePattern",
    "SharedCosts",
]
