"""The access policy's table, rule by rule (the services apply it; tests-access checks them)."""

from __future__ import annotations

import pytest
from sosenki_platform.access_policy import (
    Asker,
    CommunityData,
    CommunityRole,
    GroupAction,
    GroupRole,
    community_role,
    group_role,
    may_in_community,
    may_in_group,
    may_see_personal,
    require_in_community,
    require_in_group,
)
from sosenki_platform.auth import Principal
from sosenki_platform.errors import Forbidden, NotFound

pytestmark = pytest.mark.unit

D = CommunityData


def test_membership_decides_and_scopes_only_narrow() -> None:
    unscoped = Asker(user_id=5, privileged=False)
    scoped = Asker(user_id=5, privileged=False, communities=frozenset({2}))

    def role(asker: Asker, community: int, treasurer: bool, owner: bool) -> CommunityRole:
        return community_role(asker, community, is_treasurer=treasurer, is_owner=owner)

    assert role(unscoped, 1, True, False) is CommunityRole.TREASURER
    assert role(unscoped, 1, False, True) is CommunityRole.OWNER
    assert role(unscoped, 1, False, False) is CommunityRole.STRANGER
    assert role(scoped, 1, True, True) is CommunityRole.STRANGER  # narrowed out
    assert role(scoped, 2, False, False) is CommunityRole.STRANGER  # a claim never grants
    service = Asker(user_id=None, privileged=True, communities=frozenset({2}))
    assert role(service, 2, False, False) is CommunityRole.SERVICE
    assert role(service, 1, False, False) is CommunityRole.STRANGER


def test_an_empty_claim_narrows_nothing() -> None:
    asker = Asker.from_principal(Principal("7", frozenset({"user"})))
    assert asker.communities is None and asker.groups is None
    assert asker.within_community(123) and asker.within_group(456)
    narrowed = Asker.from_principal(Principal("7", groups=frozenset({1})))
    assert narrowed.narrow_groups([1, 2, 3]) == [1]
    assert narrowed.communities is None


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (CommunityRole.SERVICE, set(D)),
        (CommunityRole.TREASURER, set(D)),
        (CommunityRole.OWNER, {D.COMMUNITY, D.OWN, D.BALANCE_SHEET, D.FUND, D.AUDIT}),
        (CommunityRole.STRANGER, set()),
    ],
)
def test_the_community_table(role: CommunityRole, allowed: set[CommunityData]) -> None:
    assert {d for d in D if may_in_community(role, d)} == allowed


def test_a_community_may_hide_its_balance_sheet_from_owners() -> None:
    assert not may_in_community(
        CommunityRole.OWNER, D.BALANCE_SHEET, owners_see_balance_sheet=False
    )
    assert may_in_community(
        CommunityRole.TREASURER, D.BALANCE_SHEET, owners_see_balance_sheet=False
    )
    with pytest.raises(Forbidden, match="balance sheet of community 3 is for treasurers only"):
        require_in_community(
            CommunityRole.OWNER, D.BALANCE_SHEET, 3, owners_see_balance_sheet=False
        )


def test_strangers_get_404_and_refused_owners_403() -> None:
    with pytest.raises(NotFound, match="Period not found"):
        require_in_community(CommunityRole.STRANGER, D.COMMUNITY, 1, hidden="Period not found")
    with pytest.raises(Forbidden, match="Only a treasurer of community 1"):
        require_in_community(CommunityRole.OWNER, D.WRITE, 1)
    with pytest.raises(Forbidden, match="only see their own"):
        require_in_community(CommunityRole.OWNER, D.OTHER_OWNER, 1)
    with pytest.raises(NotFound, match="Group not found"):
        require_in_group(GroupRole.STRANGER, GroupAction.DATA, 1)
    with pytest.raises(Forbidden, match="Only an owner of group 1"):
        require_in_group(GroupRole.MEMBER, GroupAction.MEMBERS, 1)


def test_the_group_table() -> None:
    asker = Asker(user_id=5, privileged=False)
    assert group_role(asker, 1, member_role="owner") is GroupRole.GROUP_OWNER
    assert group_role(asker, 1, member_role="member") is GroupRole.MEMBER
    assert group_role(asker, 1, member_role=None) is GroupRole.STRANGER
    scoped = Asker(user_id=5, privileged=False, groups=frozenset({2}))
    assert group_role(scoped, 1, member_role="owner") is GroupRole.STRANGER
    for action in GroupAction:
        assert may_in_group(GroupRole.GROUP_OWNER, action)
        assert may_in_group(GroupRole.SERVICE, action)
        assert not may_in_group(GroupRole.STRANGER, action, involved=True)
        member_may = action in (GroupAction.DATA, GroupAction.RECORD)
        assert may_in_group(GroupRole.MEMBER, action) is member_may
        assert may_in_group(GroupRole.MEMBER, action, involved=True)


def test_personal_things_belong_to_their_people() -> None:
    assert may_see_personal(Asker(5, False), [5, 6])
    assert not may_see_personal(Asker(7, False), [5, 6])
    assert not may_see_personal(Asker(None, False), [5])
    assert may_see_personal(Asker(None, True), [5])
