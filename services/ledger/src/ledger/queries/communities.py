"""A community with the caller's role in it, and where a user is a treasurer or an owner."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import NotFound

from ledger import views as v
from ledger.ports import Ctx
from ledger.queries import shapes
from ledger.use_cases import access


async def role_in(ctx: Ctx, community_id: int) -> str:
    """treasurer, owner, or the caller's privileged role (admin/service)."""
    await access.require_reader(ctx, community_id)
    if ctx.caller.privileged:
        return ctx.caller.actor.kind if ctx.caller.actor.kind == "service" else "admin"
    return (await access.role(ctx, community_id)).value


async def community_view(ctx: Ctx, row: Any) -> v.CommunityOut:
    return shapes.community(row, await role_in(ctx, row.id))


async def community(ctx: Ctx, community_id: int) -> v.CommunityOut:
    return await community_view(ctx, await access.require_reader(ctx, community_id))


async def memberships(ctx: Ctx, user_id: int) -> v.UserMembershipsOut:
    """Where a user is a treasurer or an owner: for the user themselves and for services (the bot
    gateway asks before it mints a token or honours an invitation)."""
    if not ctx.caller.privileged and ctx.caller.user_id != user_id:
        # Like every other thing a caller may not see: as if it did not exist.
        raise NotFound("User not found", ErrorCode.USER_NOT_FOUND)
    found = await ctx.repo.memberships_of(user_id)
    return v.UserMembershipsOut(
        user_id=user_id,
        memberships=[
            v.MembershipOut(community_id=c, role=role, active=active) for c, role, active in found
        ],
    )
