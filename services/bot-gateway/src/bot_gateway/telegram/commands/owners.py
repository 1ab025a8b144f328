"""Whom a payment or charge is about (``domain/naming.py``): by a reply to their message,
@username, their name before the amount or starting the comment, or else from a keyboard of the
community's owners that the treasurer picks from."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot_gateway.domain import naming
from bot_gateway.gateway import Turn, confirm_keyboard
from bot_gateway.telegram.setup import Stop


async def owner_of(
    turn: Turn,
    message: Message,
    community_id: int,
    username: str | None,
    name: str | None,
    comment: str | None,
) -> tuple[int | None, str, str | None]:
    """(the owner, their name, the comment left), or None for the owner when the treasurer is to
    pick from a keyboard."""
    owners = await turn.repo.members_of("community", community_id, "owner")
    people = [(int(o.user_id), str(o.display_name or "")) for o in owners]

    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        user = replied.from_user
        user_id = await turn.gateway.identity.meet(
            turn.repo, user.id, user.username, user.first_name, user.language_code
        )
        return user_id, await turn.repo.name_of(user_id, community_id), comment
    if username:
        row = await turn.repo.user_by_username(username)
        if row is not None:
            user_id = int(row.user_id)
            return user_id, await turn.repo.name_of(user_id, community_id), comment
        found = naming.named(people, f"@{username}")
        if found is None:
            await turn.say("unknown_user", username=username)
            raise Stop
        return found[0], found[1], comment
    if name:
        found = naming.named(people, name)
        if found is None:
            await turn.say("nobody_named", name=name)
            raise Stop
        return found[0], found[1], comment
    if comment:
        in_comment = naming.named_in_comment(people, comment)
        if in_comment is not None:
            return in_comment
    assert turn.user_id is not None
    is_owner = any(user_id == turn.user_id for user_id, _ in people)
    is_treasurer = (await turn.memberships()).treasurer_of(community_id)  # asked once per update
    if naming.nobody_named_means_oneself(is_owner, is_treasurer):
        return turn.user_id, await turn.repo.name_of(turn.user_id, community_id), comment
    return None, "", comment


def _picker(turn: Turn, owners: list[Any], action_id: str) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=str(o.display_name), callback_data=f"pk:{action_id}:{o.user_id}"
            )
        ]
        for o in owners[:40]
        if o.display_name
    ]
    rows.append([InlineKeyboardButton(text=turn.t("confirm_no"), callback_data=f"no:{action_id}")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def picked(callback: CallbackQuery, turn: Turn) -> None:
    """The treasurer picked whom a payment or charge is about: now it can be confirmed."""
    _, action_id, raw = str(callback.data).split(":", 2)
    action = await turn.repo.pending(action_id)
    if action is None or action.status != "pending" or not raw.isdigit():
        await turn.answer(callback, turn.t("already_decided"))
        return
    if callback.from_user.id != action.telegram_user_id:
        await turn.answer(callback, turn.t("not_yours"))
        return
    turn.lang = action.language
    payload = dict(action.payload)
    community_id = int(str(payload["_key"]).split(":")[1])
    owners = {
        int(o.user_id): o for o in await turn.repo.members_of("community", community_id, "owner")
    }
    if int(raw) not in owners:
        await turn.answer(callback, turn.t("already_decided"))
        return
    payload["owner_id"] = int(raw)
    summary = turn.t(
        str(payload.pop("_summary_key")),
        owner=str(owners[int(raw)].display_name),
        **payload.pop("_summary_values"),
    )
    await turn.repo.update_pending_payload(action_id, payload, summary)
    await turn.answer(callback)
    if callback.message is not None:
        await turn.edit(
            callback.message.message_id,
            turn.t("confirm_question", summary=summary),
            confirm_keyboard(action_id, turn.lang),
        )


async def ask_about_owner(
    turn: Turn,
    command_type: str,
    payload: dict[str, Any],
    community_id: int,
    summary_key: str,
    values: dict[str, Any],
) -> None:
    """Confirm a write about an owner, or first let the treasurer pick the owner."""
    key = f"community:{community_id}"
    if payload.get("owner_id") is not None:
        await turn.ask_to_confirm(command_type, payload, turn.t(summary_key, **values), key)
        return
    owners = await turn.repo.members_of("community", community_id, "owner")
    if not owners:
        await turn.say("no_owners_yet")
        raise Stop
    await turn.ask_to_confirm(
        command_type,
        {**payload, "_summary_key": summary_key, "_summary_values": values},
        turn.t(summary_key, owner="…", **values),
        key,
        keyboard=lambda action_id: _picker(turn, owners, action_id),
        question="pick_owner",
    )
