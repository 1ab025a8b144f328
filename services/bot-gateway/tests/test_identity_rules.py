"""The identity rules alone (``domain/identity.py``): who may hand a record to a Telegram account,
and which account may leave the user it is."""

from __future__ import annotations

import pytest
from bot_gateway.domain.identity import (
    Memberships,
    Refused,
    check_invitation,
    may_leave,
    may_remind_chat,
    may_remind_user,
)
from hypothesis import given, settings, strategies as st

pytestmark = pytest.mark.unit

TREASURER = Memberships(communities={1: frozenset({"treasurer", "owner"})}, groups={7: "owner"})


def _check(invited: Memberships, community_id: int | None = 1, group_id: int | None = None) -> None:
    check_invitation(
        user_id=17,
        creator_id=5,
        creator=TREASURER,
        invited=invited,
        community_id=community_id,
        group_id=group_id,
    )


def test_an_owner_record_the_treasurer_manages_may_be_handed_over() -> None:
    _check(Memberships(communities={1: frozenset({"owner"})}, groups={7: "member"}))
    _check(Memberships(groups={7: "member"}), community_id=None, group_id=7)


@pytest.mark.parametrize(
    ("invited", "community_id", "group_id", "key"),
    [
        (Memberships(), 1, None, "invitation_no_record"),
        (Memberships(communities={2: frozenset({"owner"})}), 2, None, "invitation_hidden"),
        (Memberships(groups={8: "member"}), None, 8, "invitation_hidden"),
        (
            Memberships(communities={1: frozenset({"owner"}), 2: frozenset({"owner"})}),
            1,
            None,
            "invitation_elsewhere",
        ),
        (
            Memberships(communities={1: frozenset({"owner"})}, groups={8: "member"}),
            1,
            None,
            "invitation_elsewhere",
        ),
        (Memberships(groups={7: "member"}), 1, 7, "invitation_bad"),
        (Memberships(groups={7: "member"}), None, None, "invitation_bad"),
    ],
    ids=[
        "no record",
        "community not theirs",
        "group not theirs",
        "other community",
        "other group",
        "both",
        "neither",
    ],
)
def test_refusals(
    invited: Memberships, community_id: int | None, group_id: int | None, key: str
) -> None:
    with pytest.raises(Refused) as refused:
        _check(invited, community_id, group_id)
    assert refused.value.key == key


def test_a_member_who_may_not_invite_is_refused_and_a_stranger_sees_nothing() -> None:
    """The shared access policy: 403 for an owner or member refused, 404 for a stranger."""
    owner_and_member = Memberships(communities={1: frozenset({"owner"})}, groups={7: "member"})
    invited = Memberships(communities={1: frozenset({"owner"})}, groups={7: "member"})
    for community_id, group_id in ((1, None), (None, 7)):
        for creator, key in ((owner_and_member, "invitation_not_manager"),
                             (Memberships(), "invitation_hidden")):  # fmt: skip
            with pytest.raises(Refused) as refused:
                check_invitation(
                    user_id=17,
                    creator_id=5,
                    creator=creator,
                    invited=invited,
                    community_id=community_id,
                    group_id=group_id,
                )
            assert refused.value.key == key
            if key == "invitation_hidden":
                assert refused.value.detail.endswith("not found")


def test_oneself_needs_no_record_but_may_name_only_ones_own_places() -> None:
    def mine(community_id: int | None, group_id: int | None) -> None:
        check_invitation(
            user_id=5,
            creator_id=5,
            creator=TREASURER,
            invited=TREASURER,
            community_id=community_id,
            group_id=group_id,
        )

    mine(None, None)
    mine(1, None)
    mine(None, 7)
    for community_id, group_id in ((2, None), (None, 8)):
        with pytest.raises(Refused, match="You are not in"):
            mine(community_id, group_id)


def test_only_an_empty_registered_user_may_be_left_behind() -> None:
    assert may_leave(True, Memberships())
    assert not may_leave(False, Memberships())
    assert not may_leave(True, Memberships(groups={3: "member"}))


places = st.dictionaries(st.integers(1, 6), st.sampled_from(["owner", "treasurer"]), max_size=4)
groups = st.dictionaries(st.integers(1, 6), st.sampled_from(["owner", "member"]), max_size=4)


@settings(max_examples=200, deadline=None)
@given(places, groups, places, groups, st.integers(1, 6))
def test_an_accepted_invitation_never_reaches_beyond_what_its_maker_manages(
    creator_c: dict[int, str],
    creator_g: dict[int, str],
    invited_c: dict[int, str],
    invited_g: dict[int, str],
    community_id: int,
) -> None:
    creator = Memberships({c: frozenset({r}) for c, r in creator_c.items()}, creator_g)
    invited = Memberships({c: frozenset({r}) for c, r in invited_c.items()}, invited_g)
    try:
        check_invitation(
            user_id=17,
            creator_id=5,
            creator=creator,
            invited=invited,
            community_id=community_id,
            group_id=None,
        )
    except Refused:
        return
    assert creator.treasurer_of(community_id) and invited.owner_in(community_id)
    assert all(creator.treasurer_of(c) for c in invited.communities)
    assert all(creator.group_owner_of(g) for g in invited.groups)


def test_a_users_reminders_go_to_themselves_and_to_whom_and_where_they_manage() -> None:
    owner_in_1 = Memberships(communities={1: frozenset({"owner"})})
    member_of_7 = Memberships(groups={7: "member"})
    assert may_remind_user(5, 5, Memberships(), Memberships())
    assert may_remind_user(5, 17, TREASURER, owner_in_1)
    assert may_remind_user(5, 17, TREASURER, member_of_7)
    assert not may_remind_user(17, 5, owner_in_1, TREASURER)  # an owner reminds no treasurer
    assert not may_remind_user(6, 17, Memberships(), owner_in_1)  # a stranger reminds nobody
    assert may_remind_chat(None, None, Memberships(), own_private=True)
    assert may_remind_chat(1, None, TREASURER, own_private=False)
    assert may_remind_chat(None, 7, member_of_7, own_private=False)
    assert not may_remind_chat(1, None, owner_in_1, own_private=False)
    assert not may_remind_chat(None, None, TREASURER, own_private=False)  # someone else's chat
    assert not may_remind_chat(2, 8, TREASURER, own_private=False)
