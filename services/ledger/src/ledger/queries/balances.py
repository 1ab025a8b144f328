"""Balances of a period (``domain/balances.py``): the balance sheet (treasurers, and owners unless
a treasurer turned it off), an owner's own balance, and the fund. Amounts in the community's
currency."""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.money import format_amount, minor_units
from sosenki_platform.access_policy import CommunityData
from sosenki_platform.errors import NotFound

from ledger import views as v
from ledger.domain.periods import Period
from ledger.ports import Ctx
from ledger.queries import shapes
from ledger.use_cases import access


async def currency_of(ctx: Ctx, period: Period) -> str:
    return str((await access.community(ctx, period.community_id)).base_currency)


async def balance_sheet(ctx: Ctx, period_id: int) -> v.BalanceSheetOut:
    period, community = await access.period_for(ctx, period_id, CommunityData.BALANCE_SHEET)
    currency = str(community.base_currency)
    entries = list((await ctx.repo.period_totals(period)).values())
    total = sum((e.balance for e in entries), Decimal(0))
    # Built without validation: every figure is ours and already formatted, and a sheet of a
    # thousand owners spent more time validating than reading its balances.
    return v.BalanceSheetOut.model_construct(
        period_id=period.id,
        currency=currency,
        entries=[
            v.BalanceEntryOut.model_construct(username=e.username, **shapes.totals(e, currency))
            for e in entries
        ],
        total_period_balance=format_amount(total, currency),
    )


async def balance_sheet_json(ctx: Ctx, period_id: int) -> str:
    """The balance sheet as JSON text, the same as :func:`balance_sheet`, made by the database
    (``LedgerStore.balance_sheet_json``): the REST route's fast path."""
    period, community = await access.period_for(ctx, period_id, CommunityData.BALANCE_SHEET)
    currency = str(community.base_currency)
    return await ctx.repo.balance_sheet_json(period, currency, minor_units(currency))


async def owner_balance(ctx: Ctx, period_id: int, owner_id: int) -> v.OwnerBalanceOut:
    period = await access.period(ctx, period_id)
    if owner_id != ctx.caller.user_id:
        await access.require(ctx, period.community_id, CommunityData.OTHER_OWNER)
    entry = (await ctx.repo.period_totals(period)).get(owner_id)
    if entry is None:
        raise NotFound("Owner not found", ErrorCode.OWNER_NOT_FOUND)
    currency = await currency_of(ctx, period)
    return v.OwnerBalanceOut(period_id=period_id, **shapes.totals(entry, currency))


async def fund_summary(ctx: Ctx, period_id: int) -> v.FundSummaryOut:
    period = await access.period(ctx, period_id)
    await access.require(ctx, period.community_id, CommunityData.FUND)
    contributed, spent = await ctx.repo.fund_totals(period.id)
    currency = await currency_of(ctx, period)
    return v.FundSummaryOut(
        period_id=period_id,
        currency=currency,
        total_contributions=format_amount(contributed, currency),
        total_fund_expenses=format_amount(spent, currency),
        fund_balance=format_amount(contributed - spent, currency),
    )
