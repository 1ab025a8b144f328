"""Who a Telegram account is, and who may hand a record to one (the rules, without I/O).

- A Telegram account is exactly one user; a user has at most one Telegram account.
- A new account becomes a new, empty user whose id the gateway allocates from its own range
  (:data:`FIRST_GATEWAY_USER_ID` on), far above every Telegram id and every id people type for
  owners and members created over REST, so it never "is" someone by accident.
- An invitation hands one record to whoever opens it: an owner record in a community (made by a
  treasurer of that community) or a member record in a group (made by an owner of that group),
  or the creator's own user (a user linking their own Telegram account). Everywhere else the
  invited user belongs must also be managed by the creator: otherwise a treasurer could add a
  stranger's id to their own community and claim the stranger with it.
- An account that already is a user may claim an invitation only while that user is one the
  gateway registered and that belongs nowhere (nothing is lost: it is abandoned, never reused).

Example: treasurer 5 of community 1 adds owner 17 over REST and invites 17. Olga opens the link:
her account (so far the empty user 8000000000000003) becomes user 17. Had 17 also been an owner in
community 2, where 5 is not a treasurer, the invitation would be refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The first user id the gateway allocates (above 2^52, where Telegram ids end; below 2^53, so
#: JavaScript reads it exactly). REST clients keep placeholder ids below it.
FIRST_GATEWAY_USER_ID = 8_000_000_000_000_001


@dataclass(frozen=True)
class Memberships:
    """Where a user belongs, as the ledger and splits say: roles per community and group."""

    communities: dict[int, frozenset[str]] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.communities and not self.groups

    def treasurer_of(self, community_id: int) -> bool:
        return "treasurer" in self.communities.get(community_id, frozenset())

    def owner_in(self, community_id: int) -> bool:
        return "owner" in self.communities.get(community_id, frozenset())

    def group_owner_of(self, group_id: int) -> bool:
        return self.groups.get(group_id) == "owner"


class Refused(Exception):
    """An invitation may not be made or claimed; ``key`` names the reason (and its text)."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key
        self.detail = detail


def check_invitation(
    *,
    user_id: int,
    creator_id: int,
    creator: Memberships,
    invited: Memberships,
    community_id: int | None,
    group_id: int | None,
) -> None:
    """Raise :class:`Refused` unless ``creator_id`` may hand ``user_id``'s record to a Telegram
    account (checked when the invitation is made and again when it is claimed)."""
    if community_id is not None and group_id is not None:
        raise Refused("invitation_bad", "An invitation names a community or a group, not both")
    if user_id == creator_id:  # a user linking their own Telegram account
        # A scope it names must be the user's own (its events land in that scope's audit log).
        if community_id is not None and community_id not in invited.communities:
            raise Refused("invitation_no_record", f"You are not in community {community_id}")
        if group_id is not None and group_id not in invited.groups:
            raise Refused("invitation_no_record", f"You are not in group {group_id}")
        return
    # A community or group the creator has no part in answers as if it did not exist (the
    # shared access policy's 404); a member or owner there who may not invite gets 403.
    if community_id is not None:
        if community_id not in creator.communities:
            raise Refused("invitation_hidden", "Community not found")
        if not creator.treasurer_of(community_id):
            raise Refused(
                "invitation_not_manager",
                f"Only a treasurer of community {community_id} may invite its owners",
            )
        if not invited.owner_in(community_id):
            raise Refused(
                "invitation_no_record",
                f"User {user_id} is not an owner in community {community_id}",
            )
    elif group_id is not None:
        if group_id not in creator.groups:
            raise Refused("invitation_hidden", "Group not found")
        if not creator.group_owner_of(group_id):
            raise Refused(
                "invitation_not_manager",
                f"Only an owner of group {group_id} may invite its members",
            )
        if group_id not in invited.groups:
            raise Refused(
                "invitation_no_record", f"User {user_id} is not a member of group {group_id}"
            )
    else:
        raise Refused("invitation_bad", "Say which community or group the invited user belongs to")
    elsewhere = [c for c in invited.communities if not creator.treasurer_of(c)]
    elsewhere += [g for g in invited.groups if not creator.group_owner_of(g)]
    if elsewhere:
        raise Refused(
            "invitation_elsewhere",
            f"User {user_id} also belongs where you do not manage: only they can link themselves",
        )


def may_leave(registered_by_gateway: bool, current: Memberships) -> bool:
    """May an account that already is a user become another one? Only when the gateway
    registered its user and that user belongs nowhere (an empty user is nobody yet)."""
    return registered_by_gateway and current.empty


def may_remind_user(actor: int, user_id: int, mine: Memberships, theirs: Memberships) -> bool:
    """A user's reminder pattern may write to their own private chat, or to someone they manage
    (an owner of a community they are treasurer of, a member of a group they own)."""
    if actor == user_id:
        return True
    return any(mine.treasurer_of(c) for c in theirs.communities) or any(
        mine.group_owner_of(g) for g in theirs.groups
    )


def may_remind_chat(
    community_id: int | None, group_id: int | None, mine: Memberships, own_private: bool
) -> bool:
    """... or to a chat: their own private chat, a chat linked to a community they are treasurer
    of, or to a group they are a member of (members may record there anyway)."""
    if own_private:
        return True
    if community_id is not None and mine.treasurer_of(community_id):
        return True
    return group_id is not None and group_id in mine.groups
