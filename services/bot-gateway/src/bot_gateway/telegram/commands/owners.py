"""Whom a payment or charge is about (``domain/naming.py``): by a reply to their message,
@username, their name before the amount or starting the comment, or else from a keyboard of the
community's owners that the treasurer picks from."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot_gateway.domain import naming
from bot_gateway.gateway import Turn, confirm_keyboard
from bot_gateway.telegram import queries
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
    people = await community_owners(turn, community_id)

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


def _picker(turn: Turn, choices: list[tuple[int, str]], action_id: str) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=name, callback_data=f"pk:{action_id}:{user_id}")]
        for user_id, name in choices[:40]
        if name
    ]
    rows.append([InlineKeyboardButton(text=turn.t("confirm_no"), callback_data=f"no:{action_id}")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def community_owners(turn: Turn, community_id: int) -> list[tuple[int, str]]:
    """The community's owners as the gateway heard of them from the ledger's events; when it has
    heard of none yet (owners added a moment ago, over REST or the Mini App), the ledger's list:
    "no owners yet" must not be said of a community that has them."""
    rows = await turn.repo.members_of("community", community_id, "owner")
    if not rows:
        return await queries.ledger_owners(turn, community_id)
    return [
        (int(r.user_id), str(r.display_name or await turn.repo.name_of(r.user_id, community_id)))
        for r in rows
    ]


async def people(turn: Turn, key: str) -> list[tuple[int, str]]:
    """Whom a pending write may be about: a community's owners, or a group's members."""
    kind, _, scope = key.partition(":")
    if kind == "community":
        return await community_owners(turn, int(scope))
    rows = await turn.repo.members_of(kind, int(scope))
    return [
        (
            int(r.user_id),
            str(r.display_name or await turn.repo.name_of(r.user_id, group_id=int(scope))),
        )
        for r in rows
    ]


async def picked(callback: CallbackQuery, turn: Turn) -> None:
    """The person who asked picked whom a payment, charge or settlement is about: now it can be
    confirmed."""
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
    names = dict(await people(turn, str(payload["_key"])))
    field = str(payload.pop("_pick_field", "owner_id"))
    if int(raw) not in names or int(raw) == payload.get("paid_by_user_id"):
        await turn.answer(callback, turn.t("already_decided"))
        return
    payload[field] = int(raw)
    name = {str(payload.pop("_summary_name", "owner")): names[int(raw)]}
    summary = turn.t(str(payload.pop("_summary_key")), **name, **payload.pop("_summary_values"))
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
    owners = await people(turn, key)
    if not owners:
        await turn.say("no_owners_yet")
        raise Stop
    await ask_to_pick(turn, command_type, payload, key, owners, "owner_id", summary_key, values)


async def ask_to_pick(
    turn: Turn,
    command_type: str,
    payload: dict[str, Any],
    key: str,
    people: list[tuple[int, str]],
    field: str,
    summary_key: str,
    values: dict[str, Any],
    name: str = "owner",
) -> None:
    """Ask whom ``payload[field]`` is, from a keyboard of ``people`` (the summary's ``{name}``
    placeholder is filled in once picked); then Confirm/Cancel as usual."""
    notes = {"_pick_field": field, "_summary_name": name, "_summary_key": summary_key}
    await turn.ask_to_confirm(
        command_type,
        {**payload, **notes, "_summary_values": values},
        turn.t(summary_key, **{name: "…"}, **values),
        key,
        keyboard=lambda action_id: _picker(turn, people, action_id),
        question="pick_owner",
    )
