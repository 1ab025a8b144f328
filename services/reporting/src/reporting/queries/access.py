"""Reporting applies the shared access policy (``sosenki_platform.access_policy``) to what it
shows, deciding roles from its own read models of the ledger's treasurers and owners and splits'
members, never from a token claim alone."""

from __future__ import annotations

from typing import Any

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.access_policy import (
    Asker,
    CommunityData,
    CommunityRole,
    GroupAction,
    GroupRole,
    community_role,
    group_role,
    not_found_code,
    require_in_community,
    require_in_group,
)
from sosenki_platform.auth import Principal
from sosenki_platform.errors import NotFound
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters.members import Members
from reporting.adapters.read_models import ReadModels


async def role_in_community(
    session: AsyncSession, principal: Principal, community_id: int
) -> CommunityRole:
    members, uid = Members(session), principal.user_id
    return community_role(
        Asker.from_principal(principal),
        community_id,
        is_treasurer=uid is not None and await members.is_treasurer(community_id, uid),
        is_owner=uid is not None and await members.is_owner(community_id, uid),
    )


async def require_community(
    session: AsyncSession,
    principal: Principal,
    community_id: int,
    data: CommunityData = CommunityData.COMMUNITY,
    hidden: str = "Community not found",
) -> CommunityRole:
    """404 (``hidden``) unless the caller belongs to the community; 403 if their role may not
    read ``data``. Returns the caller's role."""
    owners_see = await Members(session).owners_see_balance_sheet(community_id)
    if owners_see is None:
        raise NotFound(hidden, not_found_code(hidden))
    role = await role_in_community(session, principal, community_id)
    require_in_community(
        role, data, community_id, owners_see_balance_sheet=owners_see, hidden=hidden
    )
    return role


async def visible_period(
    session: AsyncSession,
    principal: Principal,
    period_id: int,
    data: CommunityData = CommunityData.COMMUNITY,
) -> Row[Any]:
    row = await ReadModels(session).period(period_id)
    if row is None:
        raise NotFound("Period not found", ErrorCode.PERIOD_NOT_FOUND)
    await require_community(session, principal, row.community_id, data, "Period not found")
    return row


async def require_owner_data(
    session: AsyncSession, principal: Principal, community_id: int, owner_id: int, hidden: str
) -> None:
    """An owner's balance or statement: their own, or anyone's for treasurers."""
    data = CommunityData.OWN if owner_id == principal.user_id else CommunityData.OTHER_OWNER
    await require_community(session, principal, community_id, data, hidden)


async def whose_records(
    session: AsyncSession, principal: Principal, community_id: int
) -> int | None:
    """Per-owner rows a caller sees in a list: everyone's (None) for treasurers and services,
    their own for owners."""
    role = await role_in_community(session, principal, community_id)
    if role in (CommunityRole.SERVICE, CommunityRole.TREASURER):
        return None
    return principal.user_id


async def visible_communities(session: AsyncSession, principal: Principal) -> list[int] | None:
    """The communities a caller belongs to, narrowed by the token; None: all (unnarrowed admins
    and services)."""
    asker = Asker.from_principal(principal)
    if asker.privileged:
        return None if asker.communities is None else sorted(asker.communities)
    if asker.user_id is None:
        return []
    return asker.narrow_communities(await Members(session).communities_of(asker.user_id))


async def visible_groups(session: AsyncSession, principal: Principal) -> list[int] | None:
    asker = Asker.from_principal(principal)
    if asker.privileged:
        return None if asker.groups is None else sorted(asker.groups)
    if asker.user_id is None:
        return []
    return asker.narrow_groups(await Members(session).groups_of(asker.user_id))


async def role_in_group(session: AsyncSession, principal: Principal, group_id: int) -> GroupRole:
    uid = principal.user_id
    member_role = await Members(session).group_role(group_id, uid) if uid is not None else None
    return group_role(Asker.from_principal(principal), group_id, member_role=member_role)


async def require_group(
    session: AsyncSession, principal: Principal, group_id: int, hidden: str = "Group not found"
) -> None:
    role = await role_in_group(session, principal, group_id)
    require_in_group(role, GroupAction.DATA, group_id, hidden=hidden)
