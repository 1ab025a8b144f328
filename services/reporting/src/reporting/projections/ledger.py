"""Projections of ``ledger.events.v1``: periods and running owner balances.

Reversals need no handling of their own: they carry negated amounts, so adding them to the
running totals undoes the entry they reverse."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from sosenki_contracts.envelope import EventEnvelope
from sosenki_contracts.events.ledger import (
    BalancesCarriedForward,
    BudgetItemCreated,
    ChargeRecorded,
    CommunityCreated,
    CommunitySettingsChanged,
    ContributionRecorded,
    ExpenseRecorded,
    MeterReadingRecorded,
    MeterRegistered,
    OwnerAdded,
    PeriodClosed,
    PeriodCreated,
    PeriodReopened,
    TreasurerAppointed,
)
from sosenki_platform.consumer import payload_of
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t
from reporting.adapters.pending import pending

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


async def _add_to_balance(
    session: AsyncSession,
    *,
    period_id: int,
    community_id: int,
    owner_id: int,
    currency: str,
    column: str,
    amount: Decimal,
) -> None:
    """Add ``amount`` to one running total (creating the owner's row for the period if needed);
    written with the transaction's other totals (see ``adapters/pending.py``)."""
    pending(session).add(
        t.owner_balances,
        {"period_id": period_id, "owner_id": owner_id},
        {"community_id": community_id, "currency": currency},
        column,
        amount,
    )


async def _add_to_fund(
    session: AsyncSession,
    *,
    period_id: int,
    community_id: int,
    currency: str,
    column: str,
    amount: Decimal,
) -> None:
    pending(session).add(
        t.fund_totals,
        {"period_id": period_id},
        {"community_id": community_id, "currency": currency},
        column,
        amount,
    )


async def _add_to_budget(
    session: AsyncSession,
    *,
    period_id: int,
    community_id: int,
    category: str,
    column: str,
    amount: Decimal,
) -> None:
    pending(session).add(
        t.budget_lines,
        {"period_id": period_id, "category": category},
        {"community_id": community_id},
        column,
        amount,
    )


HANDLERS: dict[tuple[str, int], EventHandler] = {}


def _on(event_type: str, version: int = 1) -> Callable[[EventHandler], EventHandler]:
    def register(handler: EventHandler) -> EventHandler:
        HANDLERS[(event_type, version)] = handler
        return handler

    return register


@_on("ledger.community_created")
async def community_created(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, CommunityCreated)
    await session.execute(
        insert(t.communities)
        .values(community_id=e.community_id, name=e.name, base_currency=e.base_currency)
        .on_conflict_do_nothing()
    )
    # The ledger makes the user who creates a community its first treasurer.
    actor = event.actor
    if actor.kind == "user" and actor.id.isdigit():
        await _add_treasurer(session, e.community_id, int(actor.id))


async def _add_treasurer(session: AsyncSession, community_id: int, user_id: int) -> None:
    await session.execute(
        insert(t.treasurers)
        .values(community_id=community_id, user_id=user_id)
        .on_conflict_do_nothing()
    )


@_on("ledger.treasurer_appointed")
async def treasurer_appointed(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, TreasurerAppointed)
    await _add_treasurer(session, e.community_id, e.user_id)


@_on("ledger.community_settings_changed")
async def community_settings_changed(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, CommunitySettingsChanged)
    await session.execute(
        t.communities.update()
        .where(t.communities.c.community_id == e.community_id)
        .values(
            owners_see_balance_sheet=e.owners_see_balance_sheet,
            # The event carries every setting as it stands: none means none (or set before
            # bank details existed).
            bank_details=None if e.bank_details is None else e.bank_details.model_dump(),
        )
    )


@_on("ledger.owner_added")
async def owner_added(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, OwnerAdded)
    await session.execute(
        insert(t.owners)
        .values(
            community_id=e.community_id,
            owner_id=e.owner_id,
            display_name=e.display_name,
            username=e.username,
        )
        .on_conflict_do_nothing()
    )


@_on("ledger.period_created")
async def period_created(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, PeriodCreated)
    await session.execute(
        insert(t.periods)
        .values(
            period_id=e.period_id,
            community_id=e.community_id,
            name=e.name,
            start_date=e.start_date,
            end_date=e.end_date,
            description=e.description,
            status=e.status,
        )
        .on_conflict_do_nothing()
    )


@_on("ledger.period_closed")
async def period_closed(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, PeriodClosed)
    await session.execute(
        t.periods.update()
        .where(t.periods.c.period_id == e.period_id)
        .values(status="CLOSED", closed_at=e.closed_at)
    )


@_on("ledger.period_reopened")
async def period_reopened(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, PeriodReopened)
    await session.execute(
        t.periods.update()
        .where(t.periods.c.period_id == e.period_id)
        .values(status="OPEN", closed_at=None)
    )


@_on("ledger.balances_carried_forward")
async def balances_carried_forward(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, BalancesCarriedForward)
    await session.execute(
        t.periods.update()
        .where(t.periods.c.period_id == e.from_period_id)
        .values(carried_forward=True)
    )


@_on("ledger.charge_recorded")
async def charge_recorded(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, ChargeRecorded)
    await _add_to_balance(
        session,
        period_id=e.period_id,
        community_id=e.community_id,
        owner_id=e.owner_id,
        currency=e.currency,
        column="total_charges",
        amount=e.amount,
    )
    if e.kind == "opening":
        await _add_to_balance(
            session,
            period_id=e.period_id,
            community_id=e.community_id,
            owner_id=e.owner_id,
            currency=e.currency,
            column="opening_balance",
            amount=-e.amount,
        )


@_on("ledger.contribution_recorded")
async def contribution_recorded(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, ContributionRecorded)
    await _add_to_balance(
        session,
        period_id=e.period_id,
        community_id=e.community_id,
        owner_id=e.owner_id,
        currency=e.currency,
        column="total_contributions",
        amount=e.amount,
    )
    if e.kind == "opening":
        await _add_to_balance(
            session,
            period_id=e.period_id,
            community_id=e.community_id,
            owner_id=e.owner_id,
            currency=e.currency,
            column="opening_balance",
            amount=e.amount,
        )
    # Money paid in, net of reversals; opening balances are not paid in (as in the ledger).
    await _add_to_fund(
        session,
        period_id=e.period_id,
        community_id=e.community_id,
        currency=e.currency,
        column="total_contributions",
        amount=e.amount if e.kind != "opening" else Decimal(0),  # reversals leave the fund
    )


@_on("ledger.expense_recorded")
async def expense_recorded(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, ExpenseRecorded)

    async def add(owner_id: int, column: str, amount: Decimal) -> None:
        await _add_to_balance(
            session,
            period_id=e.period_id,
            community_id=e.community_id,
            currency=e.currency,
            owner_id=owner_id,
            column=column,
            amount=amount,
        )

    for line in e.allocations:
        await add(line.owner_id, "total_expenses", line.amount)
    if e.paid_by_owner_id is not None:
        await add(e.paid_by_owner_id, "total_paid_expenses", e.amount)
    await _add_to_fund(
        session,
        period_id=e.period_id,
        community_id=e.community_id,
        currency=e.currency,
        column="total_fund_expenses",
        amount=e.amount if e.paid_by_owner_id is None else Decimal(0),
    )
    await _add_to_budget(
        session,
        period_id=e.period_id,
        community_id=e.community_id,
        category=e.payment_type,
        column="actual",
        amount=e.amount,
    )


# Budget items: planned per category. An applied item (``ledger.budget_item_applied``) needs
# nothing more here: its per-owner charges arrive as ``ledger.charge_recorded`` events first.
@_on("ledger.budget_item_created")
async def budget_item_created(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, BudgetItemCreated)
    await _add_to_budget(
        session,
        period_id=e.period_id,
        community_id=e.community_id,
        category=e.category,
        column="planned",
        amount=e.planned_amount,
    )


@_on("ledger.meter_registered")
async def meter_registered(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, MeterRegistered)
    await session.execute(
        insert(t.meters)
        .values(
            meter_id=e.meter_id,
            community_id=e.community_id,
            owner_id=e.owner_id,
            meter_type=e.meter_type,
            name=e.name,
            tariff=e.tariff,
        )
        .on_conflict_do_nothing()
    )


@_on("ledger.meter_reading_recorded")
async def meter_reading_recorded(session: AsyncSession, event: EventEnvelope) -> None:
    e = payload_of(session, event, MeterReadingRecorded)
    await session.execute(
        insert(t.meter_readings)
        .values(
            reading_id=e.reading_id,
            meter_id=e.meter_id,
            reading_date=e.reading_date,
            value=e.value,
            is_replacement=e.is_replacement,
        )
        .on_conflict_do_nothing()
    )
