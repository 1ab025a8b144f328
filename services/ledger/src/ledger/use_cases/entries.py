"""Posting money into a period: the period must be open, the amount positive and within the
currency's minor units, and every posted entry (regular, opening or reversal) is one row and one
typed event. Nothing posted is ever changed: a correction is a reversal (``reversals.py``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts import topics
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import ledger as ev
from sosenki_contracts.money import check_scale, quantize
from sosenki_platform.access_policy import CommunityData
from sosenki_platform.errors import BadRequest

from ledger.domain import periods as period_rules
from ledger.domain.periods import Period
from ledger.ports import Ctx
from ledger.use_cases import access


async def publish(ctx: Ctx, community_id: int, event: Any) -> None:
    # The community is the aggregate: carry-forward spans periods, and keying every event of a
    # community alike keeps them in one total order (one partition) for every consumer.
    await ctx.publish(topics.LEDGER_EVENTS, community_id, event)


async def open_period_for(ctx: Ctx, period_id: int, what: str) -> tuple[Period, str]:
    """The period a treasurer posts ``what`` into, and its community's currency.

    The period row is share-locked: entries of one period do not wait for each other, but a
    concurrent close (which locks the row for update) waits for them, or they for it and then
    see it closed: no entry lands in a period that closed meanwhile."""
    found = await _open_period(ctx, period_id, what, None)
    return found.period, str(found.community.base_currency)


async def open_period_for_owner(
    ctx: Ctx, period_id: int, what: str, owner_id: int
) -> tuple[Period, str, bool]:
    """:func:`open_period_for`, and whether ``owner_id`` is an owner of the period's community
    (read in the same query: the hot path of every contribution and charge)."""
    found = await _open_period(ctx, period_id, what, owner_id)
    return found.period, str(found.community.base_currency), found.owner_exists


async def _open_period(ctx: Ctx, period_id: int, what: str, owner_id: int | None) -> Any:
    found = await access.period_access(
        ctx, period_id, CommunityData.WRITE, owner_id=owner_id, for_share=True
    )
    period_rules.ensure_open_for(found.period, what)
    return found


def check_amount(amount: Decimal, currency: str, what: str) -> None:
    if amount <= 0:
        raise BadRequest(f"{what} amount must be positive", ErrorCode.AMOUNT_NOT_POSITIVE)
    try:
        check_scale(amount, currency)
    except ValueError as exc:
        raise BadRequest(str(exc), ErrorCode.AMOUNT_INVALID) from None


def _stamp(ctx: Ctx, currency: str) -> dict[str, Any]:
    return {"currency": currency, "date": ctx.clock.now(), "created_by": ctx.caller.actor.id}


async def post_contribution(ctx: Ctx, period: Period, currency: str, values: dict[str, Any]) -> Any:
    """Write a contribution (regular, opening or reversal) and its event."""
    row = await ctx.repo.add_contribution(period, _stamp(ctx, currency) | values)
    await publish(
        ctx,
        period.community_id,
        ev.ContributionRecorded(
            community_id=period.community_id,
            period_id=period.id,
            contribution_id=row.id,
            owner_id=row.owner_id,
            amount=quantize(row.amount, currency),
            currency=currency,
            date=row.date,
            comment=row.comment,
            kind=row.kind,
            reverses_id=row.reverses_id,
            reason=row.reason,
        ),
    )
    return row


async def post_charge(ctx: Ctx, period: Period, currency: str, values: dict[str, Any]) -> Any:
    """Write a service charge (regular, opening or reversal) and its event."""
    row = await ctx.repo.add_charge(period, _stamp(ctx, currency) | values)
    await publish(
        ctx,
        period.community_id,
        ev.ChargeRecorded(
            community_id=period.community_id,
            period_id=period.id,
            charge_id=row.id,
            owner_id=row.owner_id,
            amount=quantize(row.amount, currency),
            currency=currency,
            description=row.description,
            date=row.date,
            kind=row.kind,
            reverses_id=row.reverses_id,
            reason=row.reason,
        ),
    )
    return row


async def post_expense(
    ctx: Ctx, period: Period, currency: str, values: dict[str, Any], lines: dict[int, Decimal]
) -> Any:
    """Write an expense (regular or reversal) with its allocation lines, and its event."""
    payer = values.get("paid_by_owner_id")
    await ctx.repo.lock_balances(period.id, [*lines, *([payer] if payer is not None else [])])
    row = await ctx.repo.add_expense(period, _stamp(ctx, currency) | values)
    await ctx.repo.add_allocations(row.id, lines)
    await publish(
        ctx,
        period.community_id,
        ev.ExpenseRecorded(
            community_id=period.community_id,
            period_id=period.id,
            expense_id=row.id,
            paid_by_owner_id=row.paid_by_owner_id,
            amount=quantize(row.amount, currency),
            currency=currency,
            payment_type=row.payment_type,
            vendor=row.vendor,
            description=row.description,
            date=row.date,
            allocation_strategy=row.allocation_strategy,
            allocations=[
                ev.ExpenseAllocation(owner_id=o, amount=quantize(a, currency))
                for o, a in lines.items()
            ],
            kind=row.kind,
            reverses_id=row.reverses_id,
            reason=row.reason,
        ),
    )
    return row
