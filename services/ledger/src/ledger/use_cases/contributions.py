"""An owner's contribution: money paid into an open period, positive, in the community's
currency (``entries.py``)."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.commands import ledger as c

from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import check_amount, open_period_for_owner, post_contribution


async def record_contribution(command: c.RecordContribution, ctx: Ctx) -> Any:
    period, currency, owner_exists = await open_period_for_owner(
        ctx, command.period_id, "contributions", command.owner_id
    )
    check_amount(command.amount, currency, "Contribution")
    if not owner_exists:
        raise access.owner_not_found(period.community_id, command.owner_id)
    return await post_contribution(
        ctx,
        period,
        currency,
        {"owner_id": command.owner_id, "amount": command.amount, "comment": command.comment},
    )
