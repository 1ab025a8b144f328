"""A correction: a new entry with the negated amount and a reason, at most once per entry, never
of a reversal or an opening entry (``domain/reversals.py``); the entry itself never changes and
its period must still be open."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, NotFound

from ledger.domain.reversals import check_reversal
from ledger.ports import Ctx
from ledger.use_cases.entries import open_period_for, post_charge, post_contribution, post_expense

_PLURAL = {"contribution": "contributions", "expense": "expenses", "charge": "charges"}


async def reverse_entry(command: c.ReverseEntry, ctx: Ctx) -> Any:
    entry, entry_id, reason = command.entry, command.entry_id, command.reason
    period, currency = await open_period_for(ctx, command.period_id, _PLURAL[entry])
    if not reason.strip():
        raise BadRequest("A reversal needs a reason", ErrorCode.NAME_EMPTY)
    row = await ctx.repo.get_entry(entry, period.id, entry_id, for_update=True)
    if row is None:
        raise NotFound(f"{entry.capitalize()} not found", ErrorCode.ENTRY_NOT_FOUND)
    already = await ctx.repo.reversal_of(entry, entry_id) is not None
    check_reversal(entry, entry_id, row.kind, already)
    common = {"amount": -row.amount, "kind": "reversal", "reverses_id": row.id, "reason": reason}
    if entry == "contribution":
        comment = f"Reversal of contribution {row.id}"
        return await post_contribution(
            ctx, period, currency, common | {"owner_id": row.owner_id, "comment": comment}
        )
    if entry == "charge":
        return await post_charge(
            ctx,
            period,
            currency,
            common
            | {
                "owner_id": row.owner_id,
                "description": f"Reversal: {row.description}",
                "usage_meter_type": row.usage_meter_type,
            },
        )
    lines = (await ctx.repo.allocations_of([row.id]))[row.id]
    return await post_expense(
        ctx,
        period,
        currency,
        common
        | {
            "paid_by_owner_id": row.paid_by_owner_id,
            "payment_type": row.payment_type,
            "vendor": row.vendor,
            "description": row.description,
            "allocation_strategy": row.allocation_strategy,
        },
        {owner: -amount for owner, amount in lines.items()},
    )
