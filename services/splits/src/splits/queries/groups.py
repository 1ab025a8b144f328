"""Groups, their members, and the groups a user belongs to."""

from __future__ import annotations

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import NotFound
from sosenki_platform.use_case import Caller

from splits import access, views
from splits.repository import Record, Repository


async def group_view(repo: Repository, row: Record) -> views.GroupOut:
    return views.group_out(row, await repo.list_members(row.id))


async def list_groups(repo: Repository, caller: Caller) -> list[views.GroupOut]:
    rows = await repo.list_groups(await access.visible_group_ids(repo, caller))
    return [await group_view(repo, g) for g in rows]


async def get_group(repo: Repository, caller: Caller, group_id: int) -> views.GroupOut:
    return await group_view(repo, await access.require_group(repo, caller, group_id))


async def list_members(repo: Repository, caller: Caller, group_id: int) -> list[views.MemberOut]:
    await access.require_group(repo, caller, group_id)
    return [views.member_out(m) for m in await repo.list_members(group_id)]


async def memberships(repo: Repository, caller: Caller, user_id: int) -> views.UserMembershipsOut:
    """The groups a user belongs to, with their role: for the user themselves and for services
    (the bot gateway asks before it mints a token or honours an invitation)."""
    if not caller.privileged and caller.user_id != user_id:
        # Like every other thing a caller may not see: as if it did not exist.
        raise NotFound("User not found", ErrorCode.USER_NOT_FOUND)
    found = await repo.memberships_of(user_id)
    return views.UserMembershipsOut(
        user_id=user_id,
        memberships=[views.GroupMembershipOut(group_id=g, role=role) for g, role in found],
    )
