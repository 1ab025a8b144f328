"""Who may see and do what in a group, by the shared policy (``sosenki_platform.access_policy``)
from this service's own members; used alike by the queries and the use cases.

A token's ``groups`` claim only narrows: it acts in those groups only. A token without group
scopes is limited by membership alone, so a user can use a group they just created (the same
meaning of an empty scope in every service). To a stranger, a group and everything in it is a 404;
a member refused an action gets 403.
"""

from __future__ import annotations

from collections.abc import Sequence

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.access_policy import (
    GroupAction,
    GroupRole,
    group_role,
    may_see_personal,
    not_found_code,
    require_in_group,
)
from sosenki_platform.errors import BadRequest, NotFound
from sosenki_platform.use_case import Caller

from splits.repository import Record, Repository
from splits.snapshots import ExpenseView


async def role(repo: Repository, caller: Caller, group_id: int) -> GroupRole:
    """The caller's role in a group by the shared policy, from this service's members."""
    uid = caller.user_id
    member = await repo.get_member(group_id, uid) if uid is not None else None
    return group_role(caller.asker, group_id, member_role=None if member is None else member.role)


async def require_group(
    repo: Repository,
    caller: Caller,
    group_id: int,
    action: GroupAction = GroupAction.DATA,
    *,
    involved: bool = False,
    refused: str | None = None,
    hidden: str = "Group not found",
    refused_code: str | None = None,
) -> Record:
    """The group, if the caller may do ``action`` there: 404 for strangers, 403 for members
    refused."""
    group = await repo.get_group(group_id)
    if group is None:
        raise NotFound(hidden, not_found_code(hidden))
    found = await role(repo, caller, group_id)
    require_in_group(
        found,
        action,
        group_id,
        involved=involved,
        hidden=hidden,
        refused=refused,
        refused_code=refused_code,
    )
    return group


async def shopping_list(
    repo: Repository, caller: Caller, list_id: int, *, for_update: bool = False
) -> Record:
    """A list the caller may use: a group's list for its members, a personal one for its
    owner."""
    row = await repo.get_list(list_id, for_update=for_update)
    if row is None:
        raise NotFound("List not found", ErrorCode.LIST_NOT_FOUND)
    if row.group_id is not None:
        await require_group(repo, caller, row.group_id, hidden="List not found")
    elif not may_see_personal(caller.asker, [row.owner_user_id]):
        raise NotFound("List not found", ErrorCode.LIST_NOT_FOUND)
    return row


async def may_see_expense(
    repo: Repository,
    caller: Caller,
    row: Record,
    payers: Sequence[int],
    participants: Sequence[int],
) -> bool:
    """A group's expense is its members' (within the token's scope); one outside any group is its
    payers', its participants' and its list owner's."""
    if row.group_id is not None:
        return await role(repo, caller, row.group_id) is not GroupRole.STRANGER
    people = [*payers, *participants]
    if row.list_id is not None:
        lst = await repo.get_list(row.list_id)
        if lst is not None and lst.group_id is None:
            people.append(lst.owner_user_id)
    return may_see_personal(caller.asker, people)


async def visible_group_ids(repo: Repository, caller: Caller) -> list[int] | None:
    """The groups the caller sees; None for a service or admin nothing narrows (every group)."""
    if caller.privileged:
        return None if caller.groups is None else sorted(caller.groups)
    uid = caller.user_id
    ids = await repo.groups_of(uid) if uid is not None else []
    return [g for g in ids if caller.in_group(g)]


async def member_ids(repo: Repository, group_id: int) -> list[int]:
    return [m.user_id for m in await repo.list_members(group_id)]


def me(caller: Caller) -> int:
    """The user behind the caller, for a write that needs one."""
    if caller.user_id is None:
        raise BadRequest(
            "This needs a user: say which user (e.g. paid_by_user_id)", ErrorCode.USER_REQUIRED
        )
    return caller.user_id


async def view_of(repo: Repository, row: Record) -> ExpenseView:
    payers = (await repo.payers_of([row.id]))[row.id]
    splits = (await repo.splits_of([row.id]))[row.id]
    return ExpenseView(row, payers, splits)


async def expense(
    repo: Repository, caller: Caller, expense_id: int, *, for_update: bool = False
) -> ExpenseView:
    """An expense the caller may see (a 404 otherwise), with its payers and splits."""
    row = await repo.get_expense(expense_id, for_update=for_update)
    if row is None:
        raise NotFound("Expense not found", ErrorCode.EXPENSE_NOT_FOUND)
    view = await view_of(repo, row)
    payers = [p.user_id for p in view.payers]
    if not await may_see_expense(repo, caller, row, payers, [s.user_id for s in view.splits]):
        raise NotFound("Expense not found", ErrorCode.EXPENSE_NOT_FOUND)
    return view
