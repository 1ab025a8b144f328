"""Who may read and do what: the one access policy every service applies.

Roles come from the service's own knowledge (the ledger's treasurers and owners, splits' group
members, reporting's read models of both built from their events), never from a token claim
alone. A token's ``communities`` and ``groups`` claims only narrow: a community or group outside
a non-empty claim is treated as if the caller had no role there. An **empty claim narrows
nothing** (membership alone decides), in every service, so a user can use a community or group
they just created. Admin and service tokens hold every role, narrowed by their claims alike.

Community (``C`` = the community, its settings, owners list, periods, community expenses and
budget; ``own`` = the caller's own balance, statement, contributions, charges, meters and
documents; ``other`` = another owner's of these; ``sheet`` = the balance sheet with its CSV/PDF
and chart; ``fund`` = fund summary, history and chart; ``audit`` = audit log, verification and
chain head; ``write`` = every treasury change, settings included):

| role            | C   | own | other | sheet   | fund | audit | write                       |
|-----------------|-----|-----|-------|---------|------|-------|-----------------------------|
| service / admin | yes | yes | yes   | yes     | yes  | yes   | yes                         |
| treasurer       | yes | yes | yes   | yes     | yes  | yes   | yes                         |
| owner           | yes | yes | 403   | yes [1] | yes  | yes   | 403 (own meters' readings ok) |
| stranger        | 404 | 404 | 404   | 404     | 404  | 404   | 404                         |

[1] 403 when a treasurer turned ``owners_see_balance_sheet`` off for the community.

Group (``data`` = the group, members, lists, expenses, settlements, balances, exports, charts,
audit log; ``record`` = add an expense, list or item; ``change`` = change or delete an expense;
``pay`` = pay a split or record or delete a settlement; ``members`` = add or remove others):

| role            | data | record | change     | pay                          | members    |
|-----------------|------|--------|------------|------------------------------|------------|
| service / admin | yes  | yes    | yes        | yes                          | yes        |
| group owner     | yes  | yes    | yes        | yes                          | yes        |
| group member    | yes  | yes    | payer only | participant, payer or payee  | leave only |
| stranger        | 404  | 404    | 404        | 404                          | 404        |

A group member refused ("payer only" and the like) gets 403.

Something outside everything the caller may see answers **404** as if it did not exist (another
community or group, a stranger's request), so ids cannot be probed; something the caller sees but
may not read or do in full answers **403** with the reason. Lists simply leave out what the
caller may not see. A personal (group-less) list or expense belongs to the people in it: its
owner, payers and participants; to everyone else it is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sosenki_contracts.error_codes import ErrorCode

from sosenki_platform.auth.tokens import Principal
from sosenki_platform.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Asker:
    """The caller as the policy sees it: who, whether privileged, and how its token narrows it.

    ``communities``/``groups`` are ``None`` when nothing narrows the caller (an empty claim, or a
    command relayed on a user's behalf by a trusted service)."""

    user_id: int | None
    privileged: bool
    communities: frozenset[int] | None = None
    groups: frozenset[int] | None = None

    @classmethod
    def from_principal(cls, principal: Principal) -> Asker:
        return cls(
            user_id=principal.user_id,
            privileged=principal.is_privileged,
            communities=principal.communities or None,
            groups=principal.groups or None,
        )

    def within_community(self, community_id: int) -> bool:
        return self.communities is None or community_id in self.communities

    def within_group(self, group_id: int) -> bool:
        return self.groups is None or group_id in self.groups

    def narrow_communities(self, ids: Iterable[int]) -> list[int]:
        return sorted(c for c in ids if self.within_community(c))

    def narrow_groups(self, ids: Iterable[int]) -> list[int]:
        return sorted(g for g in ids if self.within_group(g))


class CommunityRole(StrEnum):
    SERVICE = "service"
    TREASURER = "treasurer"
    OWNER = "owner"
    STRANGER = "stranger"


class GroupRole(StrEnum):
    SERVICE = "service"
    GROUP_OWNER = "group_owner"
    MEMBER = "member"
    STRANGER = "stranger"


class CommunityData(StrEnum):
    COMMUNITY = "community"
    OWN = "own"
    OTHER_OWNER = "other"
    BALANCE_SHEET = "sheet"
    FUND = "fund"
    AUDIT = "audit"
    WRITE = "write"


class GroupAction(StrEnum):
    DATA = "data"
    RECORD = "record"
    CHANGE = "change"
    PAY = "pay"
    MEMBERS = "members"


def community_role(
    asker: Asker, community_id: int, *, is_treasurer: bool, is_owner: bool
) -> CommunityRole:
    """The caller's role in a community, from the service's own knowledge of its members."""
    if not asker.within_community(community_id):
        return CommunityRole.STRANGER
    if asker.privileged:
        return CommunityRole.SERVICE
    if asker.user_id is None:
        return CommunityRole.STRANGER
    if is_treasurer:
        return CommunityRole.TREASURER
    if is_owner:
        return CommunityRole.OWNER
    return CommunityRole.STRANGER


def group_role(asker: Asker, group_id: int, *, member_role: str | None) -> GroupRole:
    """The caller's role in a group; ``member_role`` is splits' role of the caller (or None)."""
    if not asker.within_group(group_id):
        return GroupRole.STRANGER
    if asker.privileged:
        return GroupRole.SERVICE
    if asker.user_id is None or member_role is None:
        return GroupRole.STRANGER
    return GroupRole.GROUP_OWNER if member_role == "owner" else GroupRole.MEMBER


def may_in_community(
    role: CommunityRole, data: CommunityData, *, owners_see_balance_sheet: bool = True
) -> bool:
    if role in (CommunityRole.SERVICE, CommunityRole.TREASURER):
        return True
    if role is CommunityRole.OWNER:
        if data is CommunityData.BALANCE_SHEET:
            return owners_see_balance_sheet
        return data not in (CommunityData.OTHER_OWNER, CommunityData.WRITE)
    return False


def not_found_code(hidden: str) -> str:
    """The code of a "<Thing> not found" answer: ``thing_not_found`` when listed, else
    ``not_found`` (so a hidden 404 keeps the code of the thing it pretends is missing)."""
    candidate = "_".join(hidden.lower().split())
    known = {code.value for code in ErrorCode}
    return candidate if candidate in known else ErrorCode.NOT_FOUND.value


def require_in_community(
    role: CommunityRole,
    data: CommunityData,
    community_id: int,
    *,
    owners_see_balance_sheet: bool = True,
    hidden: str = "Community not found",
    hidden_code: str | None = None,
) -> None:
    """Raise 404 (``hidden``) for a stranger, 403 with the reason for an owner refused."""
    if role is CommunityRole.STRANGER:
        raise NotFound(hidden, hidden_code or not_found_code(hidden))
    if may_in_community(role, data, owners_see_balance_sheet=owners_see_balance_sheet):
        return
    if data is CommunityData.BALANCE_SHEET:
        raise Forbidden(
            f"The balance sheet of community {community_id} is for treasurers only",
            ErrorCode.BALANCE_SHEET_TREASURERS_ONLY,
        )
    if data is CommunityData.OTHER_OWNER:
        raise Forbidden(
            "Owners may only see their own balance, statement and records",
            ErrorCode.OWN_RECORDS_ONLY,
        )
    raise Forbidden(
        f"Only a treasurer of community {community_id} may do this", ErrorCode.NOT_A_TREASURER
    )


def may_in_group(role: GroupRole, action: GroupAction, *, involved: bool = False) -> bool:
    """``involved``: the caller is the payer (change), the participant, payer or payee (pay), or
    the member leaving (members)."""
    if role in (GroupRole.SERVICE, GroupRole.GROUP_OWNER):
        return True
    if role is GroupRole.MEMBER:
        if action in (GroupAction.DATA, GroupAction.RECORD):
            return True
        return involved
    return False


def require_in_group(
    role: GroupRole,
    action: GroupAction,
    group_id: int,
    *,
    involved: bool = False,
    hidden: str = "Group not found",
    refused: str | None = None,
    hidden_code: str | None = None,
    refused_code: str | None = None,
) -> None:
    """Raise 404 (``hidden``) for a stranger, 403 (``refused``) for a member refused."""
    if role is GroupRole.STRANGER:
        raise NotFound(hidden, hidden_code or not_found_code(hidden))
    if not may_in_group(role, action, involved=involved):
        raise Forbidden(
            refused or f"Only an owner of group {group_id} may do this",
            refused_code or (ErrorCode.NOT_INVOLVED if refused else ErrorCode.NOT_A_GROUP_OWNER),
        )


def may_see_personal(asker: Asker, people: Iterable[int]) -> bool:
    """A group-less list or expense: its owner, payers and participants (and services)."""
    if asker.privileged:
        return True
    return asker.user_id is not None and asker.user_id in set(people)
