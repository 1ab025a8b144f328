"""A community: whoever creates it is its first treasurer; a treasurer appoints others, decides
whether owners see the balance sheet and sets the bank details owners pay to."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.bank_details import check_bank_details
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import BadRequest, Conflict

from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import publish


async def create_community(command: c.CreateCommunity, ctx: Ctx) -> Any:
    name = command.name.strip()
    if not name:
        raise BadRequest("Community name must not be empty", ErrorCode.NAME_EMPTY)
    row = await ctx.repo.add_community(
        name, command.base_currency, command.timezone, ctx.caller.actor.id
    )
    if ctx.caller.user_id is not None:
        await ctx.repo.add_treasurer(row.id, ctx.caller.user_id)
    await publish(
        ctx,
        row.id,
        ev.CommunityCreated(
            community_id=row.id,
            name=row.name,
            base_currency=command.base_currency,
            timezone=command.timezone,
        ),
    )
    return row


async def appoint_treasurer(command: c.AppointTreasurer, ctx: Ctx) -> None:
    community_id, user_id = command.community_id, command.user_id
    await access.require_treasurer(ctx, community_id)
    if await ctx.repo.is_treasurer(community_id, user_id):
        raise Conflict(
            f"User {user_id} is already a treasurer of community {community_id}",
            ErrorCode.ALREADY_A_TREASURER,
        )
    await ctx.repo.add_treasurer(community_id, user_id)
    await publish(
        ctx, community_id, ev.TreasurerAppointed(community_id=community_id, user_id=user_id)
    )


async def change_settings(command: c.ChangeCommunitySettings, ctx: Ctx) -> Any:
    """A treasurer decides whether owners see the community's balance sheet and where they pay.
    Only what the command gives changes; the event carries every setting as it now stands."""
    await access.require_treasurer(ctx, command.community_id)
    if command.bank_details is not None and command.remove_bank_details:
        raise BadRequest(
            "Give bank_details or remove_bank_details, not both", ErrorCode.INVALID_INPUT
        )
    values: dict[str, Any] = {}
    if command.owners_see_balance_sheet is not None:
        values["owners_see_balance_sheet"] = command.owners_see_balance_sheet
    if command.bank_details is not None:
        try:
            details = check_bank_details(command.bank_details)
        except ValueError as exc:
            raise BadRequest(str(exc), ErrorCode.BANK_DETAILS_INVALID) from None
        values["bank_details"] = details.model_dump(mode="json")
    if command.remove_bank_details:
        values["bank_details"] = None
    if not values:
        raise BadRequest(
            "Nothing to change: give owners_see_balance_sheet, bank_details or remove_bank_details",
            ErrorCode.INVALID_INPUT,
        )
    row = await ctx.repo.update_community(command.community_id, **values)
    await publish(
        ctx,
        command.community_id,
        ev.CommunitySettingsChanged(
            community_id=command.community_id,
            owners_see_balance_sheet=row.owners_see_balance_sheet,
            bank_details=row.bank_details,
        ),
    )
    return row
