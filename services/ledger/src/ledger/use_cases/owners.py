"""Owners and their shares: a share change applies to expenses dated from its ``effective_from``
(``domain/shares.py``); an owner who left is deactivated, never deleted."""

from __future__ import annotations

from datetime import date
from typing import Any

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import BadRequest, Conflict

from ledger.domain import shares as share_rules
from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import publish

SINCE_THE_BEGINNING = date(1, 1, 1)


async def add_owner(command: c.AddOwner, ctx: Ctx) -> Any:
    community_id, user_id = command.community_id, command.user_id
    await access.require_treasurer(ctx, community_id)
    if command.ownership_share <= 0:
        raise BadRequest("Ownership share must be positive", ErrorCode.SHARE_NOT_POSITIVE)
    if await ctx.repo.get_owner(community_id, user_id) is not None:
        raise Conflict(
            f"User {user_id} is already an owner in community {community_id}",
            ErrorCode.ALREADY_AN_OWNER,
        )
    row = await ctx.repo.add_owner(
        community_id, user_id, command.display_name, command.username, command.ownership_share
    )
    await ctx.repo.set_share(community_id, user_id, SINCE_THE_BEGINNING, command.ownership_share)
    await publish(
        ctx,
        community_id,
        ev.OwnerAdded(
            community_id=community_id,
            owner_id=user_id,
            user_id=user_id,
            display_name=command.display_name,
            username=command.username,
            ownership_share=command.ownership_share,
        ),
    )
    return row


async def change_share(command: c.ChangeShare, ctx: Ctx) -> Any:
    """From ``effective_from`` on, expenses are allocated with the new share."""
    community_id, owner_id = command.community_id, command.owner_id
    await access.require_treasurer(ctx, community_id)
    if command.ownership_share <= 0:
        raise BadRequest("Ownership share must be positive", ErrorCode.SHARE_NOT_POSITIVE)
    await access.require_owner(ctx, community_id, owner_id)
    await ctx.repo.set_share(
        community_id, owner_id, command.effective_from, command.ownership_share
    )
    # The owner row holds the share in force today; a later change is only scheduled.
    history = (await ctx.repo.share_history(community_id)).get(owner_id, [])
    current = share_rules.share_on(history, ctx.today()) or command.ownership_share
    row = await ctx.repo.update_owner(community_id, owner_id, ownership_share=current)
    await publish(
        ctx,
        community_id,
        ev.OwnershipShareChanged(
            community_id=community_id,
            owner_id=owner_id,
            ownership_share=command.ownership_share,
            effective_from=command.effective_from,
        ),
    )
    return row


async def deactivate_owner(command: c.DeactivateOwner, ctx: Ctx) -> Any:
    """An owner who left: kept in history, no longer in new allocations."""
    community_id, owner_id = command.community_id, command.owner_id
    await access.require_treasurer(ctx, community_id)
    owner = await access.require_owner(ctx, community_id, owner_id)
    if not owner.active:
        raise Conflict(f"Owner {owner_id} is already inactive", ErrorCode.OWNER_INACTIVE)
    row = await ctx.repo.update_owner(community_id, owner_id, active=False)
    await publish(
        ctx, community_id, ev.OwnerDeactivated(community_id=community_id, owner_id=owner_id)
    )
    return row
