"""Who may do what: the shared policy (``sosenki_platform.access_policy``), decided from this
ledger's treasurers and owners. Everything a caller may not see is a 404, as if it did not
exist; what they may see but not do is a 403."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.access_policy import (
    CommunityData,
    CommunityRole,
    community_role,
    not_found_code,
    require_in_community,
)
from sosenki_platform.errors import BadRequest, NotFound

from ledger.domain.periods import Period
from ledger.ports import Ctx, PeriodAccess


async def community(ctx: Ctx, community_id: int) -> Any:
    """The community row, if it exists and the caller's token reaches it."""
    row = await ctx.repo.get_community(community_id)
    if row is None or not ctx.caller.in_community(community_id):
        raise NotFound("Community not found", ErrorCode.COMMUNITY_NOT_FOUND)
    return row


async def role(ctx: Ctx, community_id: int) -> CommunityRole:
    return (await _community_and_role(ctx, community_id))[1]


async def _community_and_role(ctx: Ctx, community_id: int) -> tuple[Any, CommunityRole]:
    """The community row (None when there is none) and the caller's role, in one query."""
    uid = ctx.caller.user_id
    row, is_treasurer, is_owner = await ctx.repo.community_and_membership(community_id, uid)
    found = community_role(
        ctx.caller.asker, community_id, is_treasurer=is_treasurer, is_owner=is_owner
    )
    return row, found


async def require(
    ctx: Ctx, community_id: int, data: CommunityData, hidden: str = "Community not found"
) -> Any:
    """The community, if the caller may read or do ``data`` there (404 or 403 otherwise)."""
    row, found = await _community_and_role(ctx, community_id)
    if row is None:
        raise NotFound(hidden, not_found_code(hidden))
    _allow(found, row, data, community_id, hidden)
    return row


def _allow(
    found: CommunityRole, row: Any, data: CommunityData, community_id: int, hidden: str
) -> None:
    require_in_community(
        found,
        data,
        community_id,
        owners_see_balance_sheet=row.owners_see_balance_sheet,
        hidden=hidden,
    )


async def require_reader(ctx: Ctx, community_id: int) -> Any:
    return await require(ctx, community_id, CommunityData.COMMUNITY)


async def require_treasurer(ctx: Ctx, community_id: int) -> Any:
    return await require(ctx, community_id, CommunityData.WRITE)


async def is_treasurer(ctx: Ctx, community_id: int) -> bool:
    return await role(ctx, community_id) in (CommunityRole.SERVICE, CommunityRole.TREASURER)


async def owner_filter(ctx: Ctx, community_id: int, owner_id: int | None) -> int | None:
    """Whose per-owner records a list shows: an owner sees only their own (asking for another's
    is 403), a treasurer whoever they ask for (None: everyone)."""
    if await is_treasurer(ctx, community_id):
        return owner_id
    if owner_id is not None and owner_id != ctx.caller.user_id:
        await require(ctx, community_id, CommunityData.OTHER_OWNER)
    return ctx.caller.user_id


async def period(ctx: Ctx, period_id: int, *, for_update: bool = False) -> Period:
    """A period the caller may read (locked when it is about to change)."""
    return (await period_for(ctx, period_id, CommunityData.COMMUNITY, for_update=for_update))[0]


async def period_for(
    ctx: Ctx,
    period_id: int,
    data: CommunityData,
    *,
    for_update: bool = False,
) -> tuple[Period, Any]:
    """A period and its community, if the caller may do ``data`` there: a 404 "Period not
    found" for whoever may not see it, a 403 for a member refused ``data``."""
    found = await period_access(ctx, period_id, data, for_update=for_update)
    return found.period, found.community


async def period_access(
    ctx: Ctx,
    period_id: int,
    data: CommunityData,
    *,
    owner_id: int | None = None,
    for_update: bool = False,
    for_share: bool = False,
) -> PeriodAccess:
    """:func:`period_for` with the caller's standing, and whether ``owner_id`` (when given) is
    an owner there, all read in one query."""
    found = await ctx.repo.period_access(
        period_id,
        ctx.caller.user_id,
        owner_id=owner_id,
        for_update=for_update,
        for_share=for_share,
    )
    if found is None or not ctx.caller.in_community(found.period.community_id):
        raise NotFound("Period not found", ErrorCode.PERIOD_NOT_FOUND)
    community_id = found.period.community_id
    role = community_role(
        ctx.caller.asker,
        community_id,
        is_treasurer=found.is_treasurer,
        is_owner=found.is_owner,
    )
    _allow(role, found.community, data, community_id, "Period not found")
    return found


def owner_not_found(community_id: int, user_id: int) -> NotFound:
    return NotFound(
        f"Owner {user_id} not found in community {community_id}", ErrorCode.OWNER_NOT_FOUND
    )


async def meter(ctx: Ctx, meter_id: int, *, for_update: bool = False) -> Any:
    found = await ctx.repo.get_meter(meter_id, for_update=for_update)
    if found is None or not ctx.caller.in_community(found.community_id):
        raise NotFound("Meter not found", ErrorCode.METER_NOT_FOUND)
    try:
        await require_reader(ctx, found.community_id)
    except NotFound:
        raise NotFound("Meter not found", ErrorCode.METER_NOT_FOUND) from None
    return found


async def require_owner(ctx: Ctx, community_id: int, user_id: int) -> Any:
    owner = await ctx.repo.get_owner(community_id, user_id)
    if owner is None:
        raise owner_not_found(community_id, user_id)
    return owner


E = TypeVar("E", bound=Enum)


def choice(kind: type[E], value: str, field: str) -> E:
    """A command's label as the enum it names; an unknown value is a 400 naming the field (a
    REST body's enum refuses it before, with pydantic's message)."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise BadRequest(
            f"{field}: {value!r} is not one of {allowed}", ErrorCode.INVALID_INPUT
        ) from None
