"""Who may link a chat, re-link or unlink it, or change its language (pure).

A group chat is linked to one community or splits group; from then on whatever is said there is
about it. So only a **chat administrator** may do any of it, and only one who has the rights on
both ends: a treasurer of the community (an owner of the group) being linked, and of the one the
chat is linked to now. A chat member who made a community of their own is refused; so is an
administrator who is only an owner. A private chat is its user's: they choose which of their own
communities and groups it speaks about.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot_gateway.domain.identity import Memberships


@dataclass(frozen=True)
class Link:
    """What a chat is linked to (either may be None)."""

    community_id: int | None
    group_id: int | None


def manages(mine: Memberships, link: Link) -> bool:
    """Treasurer of its community and owner of its group (whichever the link has)."""
    if link.community_id is not None and "treasurer" not in mine.communities.get(
        link.community_id, frozenset()
    ):
        return False
    return link.group_id is None or mine.groups.get(link.group_id) == "owner"


def belongs(mine: Memberships, link: Link) -> bool:
    if link.community_id is not None and link.community_id not in mine.communities:
        return False
    return link.group_id is None or link.group_id in mine.groups


def may_link(private: bool, is_admin: bool, mine: Memberships, now: Link, new: Link) -> str | None:
    """None when the user may link the chat to ``new`` (replacing ``now``); else the key of the
    refusal to show."""
    if private:
        return None if belongs(mine, new) else "link_not_yours"
    if not is_admin:
        return "link_not_admin"
    if not manages(mine, new):
        return "link_refused_community" if new.community_id is not None else "link_refused_group"
    if not manages(mine, now):
        return "link_not_current_manager"
    return None


def may_change_settings(private: bool, is_admin: bool, mine: Memberships, now: Link) -> str | None:
    """Unlinking or changing a group chat's language: an administrator who manages what the chat
    is linked to (any administrator of a chat linked to nothing)."""
    if private:
        return None
    if not is_admin:
        return "link_not_admin"
    if not manages(mine, now):
        return "link_not_current_manager"
    return None
