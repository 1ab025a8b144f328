"""Service charges: what an owner owes besides their share of expenses (a fee, a penalty). A
charge to every owner goes into the open period covering its date, all or nothing."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest

from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import check_amount, open_period_for_owner, post_charge


async def record_charge(command: c.RecordCharge, ctx: Ctx) -> Any:
    period, currency, owner_exists = await open_period_for_owner(
        ctx, command.period_id, "charges", command.owner_id
    )
    check_amount(command.amount, currency, "Charge")
    if not command.description.strip():
        raise BadRequest("Charge description must not be empty", ErrorCode.NAME_EMPTY)
    if not owner_exists:
        raise access.owner_not_found(period.community_id, command.owner_id)
    return await post_charge(
        ctx,
        period,
        currency,
        {
            "owner_id": command.owner_id,
            "amount": command.amount,
            "description": command.description,
        },
    )


async def charge_owners(command: c.ChargeOwners, ctx: Ctx) -> list[Any]:
    """The same charge for each owner (default: every active owner) in the open period that
    covers ``on_date``; all or nothing."""
    community_id = command.community_id
    await access.require_treasurer(ctx, community_id)
    period_id = await ctx.repo.open_period_covering(community_id, command.on_date)
    if period_id is None:
        raise BadRequest(
            f"No open period of community {community_id} covers {command.on_date.isoformat()}",
            ErrorCode.NO_OPEN_PERIOD,
        )
    owner_ids = command.owner_ids
    if owner_ids is None:
        owner_ids = [o.user_id for o in await ctx.repo.list_owners(community_id, True)]
    if not owner_ids:
        raise BadRequest("No owners to charge", ErrorCode.NO_OWNERS)
    if len(set(owner_ids)) != len(owner_ids):
        raise BadRequest("owner_ids must not repeat")
    return [
        await record_charge(
            c.RecordCharge(
                period_id=period_id,
                owner_id=owner_id,
                amount=command.amount,
                description=command.description,
            ),
            ctx,
        )
        for owner_id in owner_ids
    ]
