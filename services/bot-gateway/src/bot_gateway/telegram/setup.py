"""Setting up in conversation: communities and groups, owners and members (people without
Telegram too), periods, invitations, and linking a chat by choosing from a keyboard.

None of these move money, so they go out at once (no Confirm step); the user is answered when the
result arrives (``notifications.py``), which also makes the invitation for a person who has no
Telegram account and links the chat the community or group was created from.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sosenki_contracts.commands.ledger import CreateCommunity
from sosenki_contracts.commands.splits import CreateGroup
from sosenki_platform.use_case import today_in

from bot_gateway.adapters.services import Refused
from bot_gateway.domain import chats, parsing, periods
from bot_gateway.domain.identity import Memberships
from bot_gateway.domain.refusals import refusal_text
from bot_gateway.domain.texts import day, number
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries

# A new community's or group's currency when none is typed, and a community's time zone: the
# commands' own defaults.
_COMMUNITY_CURRENCY = str(CreateCommunity.model_fields["base_currency"].default)
_COMMUNITY_TIMEZONE = str(CreateCommunity.model_fields["timezone"].default)
_GROUP_CURRENCY = str(CreateGroup.model_fields["base_currency"].default)


class Stop(Exception):
    """The command cannot go on; the user was already told why."""


async def _may_link_here(turn: Turn) -> bool:
    """Whether a new community or group made here may link this chat at once: a private chat,
    or a group chat linked to nothing whose administrator made it."""
    if turn.is_private:
        return True
    if turn.community_id is not None or turn.splits_group_id is not None:
        return False
    return await turn.is_chat_admin()


async def create(message: Message, command: CommandObject, turn: Turn) -> None:
    """``/create`` and ``/new``: which of the two is meant."""
    name = (command.args or "").strip() or turn.t("a_name")
    await turn.say("create_which", name=name)


async def new_community(turn: Turn, args: str) -> None:
    name, currency = parsing.parse_name_and_currency(
        args, "usage_newcommunity", _COMMUNITY_CURRENCY
    )
    payload = {"name": name, "base_currency": currency, "timezone": _COMMUNITY_TIMEZONE}
    notes = {"_link_chat": turn.chat_id} if await _may_link_here(turn) else {}
    await turn.send_now(
        "ledger.create_community",
        {**payload, **notes},
        turn.t("summary_newcommunity", name=name),
        f"user:{turn.user_id}",
    )


async def new_group(turn: Turn, args: str) -> None:
    name, currency = parsing.parse_name_and_currency(args, "usage_newgroup", _GROUP_CURRENCY)
    notes = {"_link_chat": turn.chat_id} if await _may_link_here(turn) else {}
    await turn.send_now(
        "splits.create_group",
        {"name": name, "base_currency": currency, **notes},
        turn.t("summary_newgroup", name=name),
        f"user:{turn.user_id}",
    )


# People -------------------------------------------------------------------------------------


async def person(
    turn: Turn, message: Message, words: list[str]
) -> tuple[int | None, str, str | None, list[str]]:
    """Whom the words (or the replied-to message) name: (their user id when they have one,
    the display name, their @username, the words left). A name the gateway does not know is a
    person without Telegram (no user id yet)."""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        user = replied.from_user
        user_id = await turn.gateway.identity.meet(
            turn.repo, user.id, user.username, user.first_name, user.language_code
        )
        return user_id, user.full_name, user.username, words
    if words and (username := parsing.mention(words[0])):
        row = await turn.repo.user_by_username(username)
        if row is not None:
            return int(row.user_id), str(row.first_name or f"@{username}"), username, words[1:]
        return None, f"@{username}", username, words[1:]
    return None, "", None, words


def _share(words: list[str]) -> tuple[Decimal, list[str]]:
    """A share at the end (``Иван Петров 1,5``), else 1."""
    if words:
        try:
            share = Decimal(words[-1].replace(",", "."))
        except InvalidOperation:
            return Decimal(1), words
        if share.is_finite() and share > 0:
            return share, words[:-1]
        raise parsing.Unreadable("usage_owner")
    return Decimal(1), words


async def treasurer_community(turn: Turn) -> int:
    community_id = await queries.community_of(turn)
    if community_id is None:
        await turn.say("no_community")
        raise Stop
    if "treasurer" not in (await turn.memberships()).communities.get(community_id, frozenset()):
        await turn.say("only_treasurer", community=await queries.community_name(turn, community_id))
        raise Stop
    return community_id


async def _taken(turn: Turn, kind: str, scope_id: int, name: str, user_id: int | None) -> bool:
    for row in await turn.repo.members_of(kind, scope_id):
        if user_id is not None and int(row.user_id) == user_id:
            return True
        if row.display_name and str(row.display_name).casefold() == name.casefold():
            return True
    return False


async def add_owner(turn: Turn, message: Message, args: str) -> None:
    community_id = await treasurer_community(turn)
    user_id, name, username, rest = await person(turn, message, args.split())
    share, rest = _share(rest)
    if not name:
        name = " ".join(rest).strip()
    if not name or len(name) > 200:
        raise parsing.Unreadable("usage_owner")
    if await _taken(turn, "community", community_id, name, user_id):
        await turn.say("owner_exists", name=name)
        return
    new_person = user_id is None
    if user_id is None:  # a person without Telegram (yet): a user of the gateway's own range
        user_id = await turn.repo.new_user_id()
    has_account = await turn.repo.account_of(user_id) is not None
    await turn.send_now(
        "ledger.add_owner",
        {
            "community_id": community_id,
            "user_id": user_id,
            "display_name": name,
            "username": username,
            "ownership_share": str(share),
            "_invite": not has_account,
            "_new_person": new_person,
        },
        turn.t("summary_owner", name=name, share=number(share, turn.lang)),
        f"community:{community_id}",
    )


async def _owner_group(turn: Turn) -> tuple[int, dict[str, Any]]:
    group_id = turn.splits_group_id
    if group_id is None:
        await turn.say("no_group")
        raise Stop
    group = await queries.group(turn, group_id)
    if (await turn.memberships()).groups.get(group_id) != "owner":
        await turn.say("only_group_owner", group=group.get("name", ""))
        raise Stop
    return group_id, group


async def add_member(turn: Turn, message: Message, args: str) -> None:
    group_id, group = await _owner_group(turn)
    user_id, name, _, rest = await person(turn, message, args.split())
    if not name:
        name = " ".join(rest).strip()
    if not name or len(name) > 200:
        raise parsing.Unreadable("usage_member")
    if await _taken(turn, "group", group_id, name, user_id):
        await turn.say("member_exists", name=name)
        return
    if user_id is None:
        user_id = await turn.repo.new_user_id()
    has_account = await turn.repo.account_of(user_id) is not None
    await turn.send_now(
        "splits.add_member",
        {
            "group_id": group_id,
            "user_id": user_id,
            "role": "member",
            "display_name": name,
            "_invite": not has_account,
        },
        turn.t("summary_member", name=name, group=group.get("name", "")),
        f"group:{group_id}",
    )


async def invite(turn: Turn, args: str) -> None:
    """``/invite <name>``: a new invitation for an owner or member who has no Telegram yet."""
    name = args.strip().lstrip("@")
    if not name:
        raise parsing.Unreadable("usage_invite")
    if turn.splits_group_id is not None and turn.community_id is None:
        kind, scope_id = "group", turn.splits_group_id
    else:
        community_id = await queries.community_of(turn)
        if community_id is None:
            await turn.say("no_community")
            return
        kind, scope_id = "community", community_id
    found = [
        row
        for row in await turn.repo.members_of(kind, scope_id)
        if row.display_name and str(row.display_name).lstrip("@").casefold() == name.casefold()
    ]
    if not found:
        await turn.say("nobody_named", name=name)
        return
    user_id = int(found[0].user_id)
    assert turn.user_id is not None
    try:
        token, expires = await turn.gateway.identity.invite(
            turn.repo,
            turn.user_id,
            user_id,
            scope_id if kind == "community" else None,
            scope_id if kind == "group" else None,
        )
    except Exception as refused:  # the identity rules' HTTP errors: say why, in words
        detail = refusal_text(
            getattr(refused, "code", None), getattr(refused, "status_code", None), turn.lang
        )
        await turn.say("invite_refused", name=found[0].display_name, detail=detail)
        return
    await turn.say(
        "invitation",
        name=found[0].display_name,
        link=invitation_link(turn.gateway.bot_username, token),
        expires=day(expires.date(), turn.lang),
    )


def invitation_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username or 'sosenki_bot'}?start=join_{token}"


# Periods ------------------------------------------------------------------------------------


async def open_period(turn: Turn, args: str) -> None:
    community_id = await treasurer_community(turn)
    period = periods.parse_period(args, today_in(turn.gateway.clock))
    await turn.send_now(
        "ledger.create_period",
        {
            "community_id": community_id,
            "name": period.name,
            "start_date": period.start.isoformat(),
            "end_date": period.end.isoformat(),
        },
        turn.t("summary_period", name=period.name),
        f"community:{community_id}",
    )


# Linking a chat by choosing ------------------------------------------------------------------


async def _names(turn: Turn, mine: Memberships, private: bool) -> list[tuple[str, int, str]]:
    """What the user may link this chat to: (``c``/``g``, id, name)."""
    choices: list[tuple[str, int, str]] = []
    for community_id, roles in sorted(mine.communities.items()):
        if private or "treasurer" in roles:
            choices.append(("c", community_id, await queries.community_name(turn, community_id)))
    for group_id, role in sorted(mine.groups.items()):
        if private or role == "owner":
            try:
                group = await queries.group(turn, group_id)
            except Refused:
                continue
            choices.append(("g", group_id, str(group.get("name", ""))))
    return choices


async def link_menu(turn: Turn) -> None:
    """``/link``: the user's communities and groups to choose from (only those they may link
    a group chat to: where they are treasurer or group owner)."""
    mine = await turn.memberships()
    choices = await _names(turn, mine, turn.is_private)
    if not choices:
        await turn.say("link_nothing")
        return
    rows = [
        [
            InlineKeyboardButton(
                text=("🏡 " if kind == "c" else "👥 ") + name,
                callback_data=f"ln:{kind}:{scope_id}",
            )
        ]
        for kind, scope_id, name in choices[:20]
    ]
    await turn.reply(turn.t("link_choose"), InlineKeyboardMarkup(inline_keyboard=rows))


async def link_to(turn: Turn, kind: str, scope_id: int) -> str | None:
    """Link the chat to a community (``c``) or group (``g``) if the rules let the user; the
    refusal's key otherwise."""
    mine = await turn.memberships()
    now = chats.Link(turn.community_id, turn.splits_group_id)
    new = chats.Link(scope_id, None) if kind == "c" else chats.Link(None, scope_id)
    refusal = chats.may_link(turn.is_private, await turn.is_chat_admin(), mine, now, new)
    if refusal is not None:
        return refusal
    assert turn.user_id is not None
    if kind == "c":
        name = await queries.community_name(turn, scope_id)
        await turn.repo.save_chat(
            turn.chat_id,
            turn.chat_type,
            community_id=scope_id,
            splits_group_id=None,
            linked_by=turn.user_id,
        )
        turn.community_id, turn.splits_group_id = scope_id, None
        await turn.say("linked_community", name=name)
    else:
        group = await queries.group(turn, scope_id)
        await turn.repo.save_chat(
            turn.chat_id,
            turn.chat_type,
            community_id=None,
            splits_group_id=scope_id,
            linked_by=turn.user_id,
        )
        turn.community_id, turn.splits_group_id = None, scope_id
        await turn.say("linked_group", name=group.get("name", ""))
    return None


async def chose_link(callback: CallbackQuery, turn: Turn) -> None:
    _, kind, raw = str(callback.data).split(":", 2)
    if kind not in ("c", "g") or not raw.isdigit():
        await turn.answer(callback)
        return
    refusal = await link_to(turn, kind, int(raw))
    await turn.answer(callback, turn.t(refusal) if refusal else None)
    if refusal is None and callback.message is not None:
        # The choice is made: the keyboard goes (an old one cannot re-link later).
        await turn.edit(callback.message.message_id, turn.t("link_chosen"))


async def unlink_chat(turn: Turn) -> None:
    mine = await turn.memberships()
    now = chats.Link(turn.community_id, turn.splits_group_id)
    if now.community_id is None and now.group_id is None:
        await turn.say("chat_not_linked")
        return
    refusal = chats.may_change_settings(False, await turn.is_chat_admin(), mine, now)
    if refusal is not None:
        await turn.say(refusal)
        return
    await turn.repo.save_chat(
        turn.chat_id, turn.chat_type, community_id=None, splits_group_id=None, linked_by=None
    )
    await turn.say("chat_unlinked")


async def may_change_language(turn: Turn) -> str | None:
    mine = await turn.memberships() if not turn.is_private else Memberships()
    now = chats.Link(turn.community_id, turn.splits_group_id)
    return chats.may_change_settings(turn.is_private, await turn.is_chat_admin(), mine, now)
