"""Carrying a closed period's balances into the next one (``domain/carry_forward.py``): credits
become opening contributions, debts opening charges; at most once per source."""

from __future__ import annotations

from dataclasses import replace

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_contracts.money import quantize

from ledger.domain import carry_forward as carry_rules
from ledger.domain.carry_forward import CarryForwardPlan
from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import post_charge, post_contribution, publish


async def carry_forward(command: c.CarryForward, ctx: Ctx) -> tuple[CarryForwardPlan, str]:
    # Lock both periods in id order: two carry-forwards of one source serialise here, and the
    # second sees carried_forward set.
    first, second = sorted((command.from_period_id, command.to_period_id))
    locked = {pid: await access.period(ctx, pid, for_update=True) for pid in (first, second)}
    source, target = locked[command.from_period_id], locked[command.to_period_id]
    community = await access.require_treasurer(ctx, source.community_id)
    following = await ctx.repo.next_period_after(source.community_id, source.end_date)
    carry_rules.check_carry_forward(source, target, following)
    currency = str(community.base_currency)
    totals = await ctx.repo.period_totals(source)
    plan = carry_rules.plan_carry_forward({o: e.balance for o, e in totals.items()})
    # The event comes before its opening entries, so a reader of the events never sees the
    # opening balances while the source still looks uncarried (and counts them twice).
    await publish(
        ctx,
        source.community_id,
        ev.BalancesCarriedForward(
            community_id=source.community_id,
            from_period_id=source.id,
            to_period_id=target.id,
            balances={str(o): quantize(b, currency) for o, b in plan.balances.items()},
            total_carried=quantize(plan.total, currency),
            currency=currency,
        ),
    )
    for owner_id, credit in plan.credits.items():
        await post_contribution(
            ctx,
            target,
            currency,
            {
                "owner_id": owner_id,
                "amount": credit,
                "comment": carry_rules.OPENING_CONTRIBUTION_COMMENT,
                "kind": "opening",
            },
        )
    for owner_id, debt in plan.debts.items():
        await post_charge(
            ctx,
            target,
            currency,
            {
                "owner_id": owner_id,
                "amount": debt,
                "description": carry_rules.OPENING_CHARGE_DESCRIPTION,
                "kind": "opening",
            },
        )
    await ctx.repo.save_period_state(replace(source, carried_forward=True))
    return plan, currency
