"""Projections of ``splits.events.v1``: groups, members, running member balances and a group's
expenses.

Balances follow the splits service (ARCHITECTURE.md, "Splits semantics"): a live expense adds
what each payer paid and what each participant owes, in the group's base currency; an update
takes the expense as it was back out and puts the new one in; a deletion takes it out. Settlement
activities (payments of one split) and settlements move money between two members; a deleted
settlement is taken back out. Expenses outside any group are no group's business.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from sosenki_contracts.envelope import EventEnvelope
from sosenki_contracts.events.splits import (
    ExpenseDeleted,
    ExpenseRecorded,
    ExpenseSnapshot,
    ExpenseUpdated,
    GroupCreated,
    MemberAdded,
    MemberRemoved,
    SettlementDeleted,
    SettlementRecorded,
    SettlementSnapshot,
    SplitSettled,
)
from sosenki_platform.consumer import payload_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]

HANDLERS: dict[tuple[str, int], EventHandler] = {}


def _on(event_type: str, version: int = 1) -> Callable[[EventHandler], EventHandler]:
    def register(handler: EventHandler) -> EventHandler:
        HANDLERS[(event_type, version)] = handler
        return handler

    return register


async def _add(
    session: AsyncSession, group_id: int, user_id: int, column: str, amount: Decimal, sign: int
) -> None:
    """Add (sign 1) or take back (sign -1) one entry of a member's running balance."""
    stmt = insert(t.group_balances).values(
        group_id=group_id, user_id=user_id, **{column: sign * amount}, lines=sign
    )
    c = t.group_balances.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["group_id", "user_id"],
        set_={column: c[column] + stmt.excluded[column], "lines": c.lines + stmt.excluded.lines},
    )
    await session.execute(stmt)


async def _count_expense(session: AsyncSession, e: ExpenseSnapshot, sign: int) -> None:
    if e.group_id is None:
        return
    for payer in e.payers:
        await _add(
            session, e.group_id, payer.user_id, "total_paid_for_expenses", payer.base_amount, sign
        )
    for split in e.splits:
        await _add(
            session,
            e.group_id,
            split.user_id,
            "total_share_of_expenses",
            split.base_owed_amount,
            sign,
        )


async def _count_transfer(
    session: AsyncSession, group_id: int, paid_by: int, paid_to: int, amount: Decimal, sign: int
) -> None:
    await _add(session, group_id, paid_by, "total_settlements_paid", amount, sign)
    await _add(session, group_id, paid_to, "total_settlements_received", amount, sign)


async def _keep_expense(session: AsyncSession, e: ExpenseSnapshot, deleted: bool) -> None:
    if e.group_id is None:
        return
    values = {
        "group_id": e.group_id,
        "expense_date": e.expense_date,
        "description": e.description,
        "category": e.category,
        "total_amount": e.total_amount,
        "currency": e.currency,
        "base_total_amount": e.base_total_amount,
        "split_type": e.split_type,
        "payers": [{"user_id": p.user_id, "base_amount": str(p.base_amount)} for p in e.payers],
        "splits": [
            {"user_id": s.user_id, "base_owed_amount": str(s.base_owed_amount)} for s in e.splits
        ],
        "status": e.status,
        "version": e.version,
        "deleted": deleted,
    }
    stmt = insert(t.group_expenses).values(expense_id=e.expense_id, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["expense_id"], set_=values))


@_on("splits.group_created")
async def group_created(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, GroupCreated)
    await session.execute(
        insert(t.groups)
        .values(group_id=e.group_id, name=e.name, base_currency=e.base_currency)
        .on_conflict_do_nothing()
    )


@_on("splits.member_added")
async def member_added(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, MemberAdded)
    values = {"role": e.role, "display_name": e.display_name}
    stmt = insert(t.group_members).values(group_id=e.group_id, user_id=e.user_id, **values)
    await session.execute(
        stmt.on_conflict_do_update(index_elements=["group_id", "user_id"], set_=values)
    )


@_on("splits.member_removed")
async def member_removed(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, MemberRemoved)
    m = t.group_members.c
    await session.execute(
        t.group_members.delete().where(m.group_id == e.group_id, m.user_id == e.user_id)
    )


@_on("splits.expense_recorded")
async def expense_recorded(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, ExpenseRecorded)
    await _count_expense(session, e, 1)
    await _keep_expense(session, e, deleted=False)


@_on("splits.expense_updated")
async def expense_updated(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, ExpenseUpdated)
    await _count_expense(session, e.before, -1)
    await _count_expense(session, e.after, 1)
    await _keep_expense(session, e.after, deleted=False)


@_on("splits.expense_deleted")
async def expense_deleted(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, ExpenseDeleted)
    await _count_expense(session, e.before, -1)
    await _keep_expense(session, e.before, deleted=True)


@_on("splits.split_settled")
async def split_settled(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, SplitSettled)
    if e.group_id is not None:
        await _count_transfer(
            session, e.group_id, e.paid_by_user_id, e.paid_to_user_id, e.base_amount, 1
        )
        await session.execute(
            t.group_expenses.update()
            .where(t.group_expenses.c.expense_id == e.expense_id)
            .values(status=e.expense_status)
        )


async def _count_settlement(session: AsyncSession, s: SettlementSnapshot, sign: int) -> None:
    await _count_transfer(session, s.group_id, s.paid_by_user_id, s.paid_to_user_id, s.amount, sign)


@_on("splits.settlement_recorded")
async def settlement_recorded(session: AsyncSession, event: EventEnvelope) -> None:
    await _count_settlement(session, payload_of(session, event, SettlementRecorded), 1)


@_on("splits.settlement_deleted")
async def settlement_deleted(session: AsyncSession, event: EventEnvelope) -> None:
    await _count_settlement(session, payload_of(session, event, SettlementDeleted).before, -1)
