"""Groups and their members: create a group (its creator is its owner), add a member (owners),
remove a member (owners remove anyone; a member may leave; not with a non-zero balance, not the
last owner: ``domain/groups.py``)."""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import splits as ev
from sosenki_platform.access_policy import GroupAction
from sosenki_platform.errors import Conflict, NotFound

from splits import access
from splits.domain.balances import group_balances
from splits.domain.groups import Role, check_group_name, check_removal
from splits.repository import Record
from splits.snapshots import aggregate
from splits.use_cases import SplitsContext


async def create_group(command: c.CreateGroup, ctx: SplitsContext) -> Record:
    row = await ctx.repo.add_group(
        {
            "name": check_group_name(command.name),
            "base_currency": command.base_currency,
            "description": command.description,
            "created_by": ctx.caller.actor.id,
        }
    )
    owner = ctx.caller.user_id
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(row.id, None),
        ev.GroupCreated(
            group_id=row.id,
            name=row.name,
            base_currency=command.base_currency,
            description=command.description,
            owner_user_id=owner,
        ),
    )
    if owner is not None:
        await _add(ctx, row.id, owner, Role.OWNER, None)
    return row


async def _add(
    ctx: SplitsContext, group_id: int, user_id: int, role: Role, display_name: str | None
) -> Record:
    row = await ctx.repo.add_member(group_id, user_id, role.value, display_name)
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(group_id, None),
        ev.MemberAdded(
            group_id=group_id, user_id=user_id, role=role.value, display_name=display_name
        ),
    )
    return row


async def add_member(command: c.AddMember, ctx: SplitsContext) -> Record:
    group_id, user_id = command.group_id, command.user_id
    await access.require_group(ctx.repo, ctx.caller, group_id, GroupAction.MEMBERS)
    # The group row lock orders concurrent membership changes of one group.
    await ctx.repo.get_group(group_id, for_update=True)
    if await ctx.repo.get_member(group_id, user_id) is not None:
        raise Conflict(
            f"User {user_id} is already a member of group {group_id}", ErrorCode.ALREADY_A_MEMBER
        )
    return await _add(ctx, group_id, user_id, Role(command.role), command.display_name)


async def remove_member(command: c.RemoveMember, ctx: SplitsContext) -> None:
    group_id, user_id = command.group_id, command.user_id
    repo = ctx.repo
    group = await access.require_group(
        repo,
        ctx.caller,
        group_id,
        GroupAction.MEMBERS,
        involved=user_id == ctx.caller.user_id,
        refused=f"Only an owner of group {group_id} may remove other members",
        refused_code=ErrorCode.NOT_A_GROUP_OWNER,
    )
    await repo.get_group(group_id, for_update=True)
    member = await repo.get_member(group_id, user_id)
    if member is None:
        raise NotFound(
            f"User {user_id} is not a member of group {group_id}", ErrorCode.NOT_A_MEMBER
        )
    members = await repo.list_members(group_id)
    owners = sum(1 for m in members if m.role == Role.OWNER)
    paid, owed, transfers = await repo.group_lines(group_id)
    balances = {
        b.user_id: b for b in group_balances([m.user_id for m in members], paid, owed, transfers)
    }
    balance = balances[user_id].net_balance if user_id in balances else Decimal(0)
    check_removal(
        group_id, user_id, Role(member.role), owners, Decimal(balance), group.base_currency
    )
    await repo.remove_member(group_id, user_id)
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(group_id, None),
        ev.MemberRemoved(group_id=group_id, user_id=user_id, role=member.role),
    )
