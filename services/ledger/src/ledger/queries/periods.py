"""Periods the caller may see, and a period's opening entries (balances carried into it)."""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts.money import format_amount
from sosenki_platform.errors import BadRequest

from ledger import views as v
from ledger.domain.periods import PeriodStatus
from ledger.ports import Ctx
from ledger.queries import shapes
from ledger.use_cases import access


async def period(ctx: Ctx, period_id: int) -> v.PeriodOut:
    return shapes.period(await access.period(ctx, period_id))


async def _visible_communities(ctx: Ctx) -> list[int] | None:
    """Communities whose periods the caller may list; None for unnarrowed privileged callers."""
    caller = ctx.caller
    if caller.privileged:
        return None if caller.communities is None else sorted(caller.communities)
    if caller.user_id is None:
        return []
    return caller.asker.narrow_communities(await ctx.repo.communities_of(caller.user_id))


def _status(status: str | None) -> PeriodStatus | None:
    if status is None:
        return None
    try:
        return PeriodStatus(status.upper())
    except ValueError:
        raise BadRequest("status must be OPEN or CLOSED") from None


async def periods(
    ctx: Ctx, status: str | None, community_id: int | None, limit: int, offset: int
) -> v.PeriodList:
    if community_id is not None:
        await access.require_reader(ctx, community_id)
        scope: list[int] | None = [community_id]
    else:
        scope = await _visible_communities(ctx)
    found, total = await ctx.repo.list_periods(scope, _status(status), limit, offset)
    return v.PeriodList(
        periods=[shapes.period(p) for p in found], total=total, limit=limit, offset=offset
    )


async def opening_transactions(ctx: Ctx, period_id: int) -> v.OpeningTransactionsOut:
    found = await access.period(ctx, period_id)
    currency = str((await access.community(ctx, found.community_id)).base_currency)
    whose = await access.owner_filter(ctx, found.community_id, None)
    contributions = await ctx.repo.list_contributions(period_id, whose, kind="opening")
    charges = await ctx.repo.list_charges(period_id, whose, kind="opening")
    return v.OpeningTransactionsOut(
        period_id=period_id,
        opening_contributions=[
            v.OpeningContributionOut(
                id=r.id,
                user_id=r.owner_id,
                amount=format_amount(r.amount, r.currency),
                date=r.date,
                comment=r.comment,
            )
            for r in contributions
        ],
        opening_charges=[
            v.OpeningChargeOut(
                id=r.id,
                user_id=r.owner_id,
                amount=format_amount(r.amount, r.currency),
                description=r.description,
            )
            for r in charges
        ],
        total_opening_contributions=format_amount(
            sum((Decimal(r.amount) for r in contributions), Decimal(0)), currency
        ),
        total_opening_charges=format_amount(
            sum((Decimal(r.amount) for r in charges), Decimal(0)), currency
        ),
    )
