"""A group's shared costs: settling up with someone (``/settle @user <amount>``) and splitting
an expense (``/split``, the keyboard and its numbers in ``telegram/splitting.py``)."""

from __future__ import annotations

from typing import Any

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot_gateway.adapters.services import Unavailable
from bot_gateway.domain import parsing
from bot_gateway.domain.confirmations import SPLIT_COMMAND
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries, splitting
from bot_gateway.telegram.commands import common, owners
from bot_gateway.telegram.setup import Stop


async def settle(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _settle(message, command, turn))


async def _settle(message: Message, command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    parsed = parsing.parse_settle(command.args or "")
    group_id = await common.group(turn)
    try:
        group = await queries.group(turn, group_id)
        currency = str(group.get("base_currency") or "")
    except Unavailable:  # splits is away: the command waits in Kafka; the currency can too
        currency = ""
    payload: dict[str, Any] = {
        "group_id": group_id,
        "paid_by_user_id": turn.user_id,
        "paid_to_user_id": None,
        "amount": str(parsed.amount),
    }
    values = {
        "payer": await turn.repo.name_of(turn.user_id, group_id=group_id),
        "amount": common.amount(turn, parsed.amount, currency),
    }
    key = f"group:{group_id}"
    replied = message.reply_to_message
    if parsed.user is not None:
        payload["paid_to_user_id"], values["user"] = await common.user_named(
            turn, parsed.user, group_id
        )
    elif replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        user = replied.from_user
        payee = await turn.gateway.identity.meet(
            turn.repo, user.id, user.username, user.first_name, user.language_code
        )
        payload["paid_to_user_id"] = payee
        values["user"] = await turn.repo.name_of(payee, group_id=group_id)
    if payload["paid_to_user_id"] is not None:
        await turn.ask_to_confirm(
            "splits.record_settlement", payload, turn.t("summary_settle", **values), key
        )
        return
    others = [
        (user_id, name)
        for user_id, name in await owners.people(turn, key)
        if user_id != turn.user_id
    ]
    if not others:
        await turn.say("usage_settle")
        raise Stop
    await owners.ask_to_pick(
        turn,
        "splits.record_settlement",
        payload,
        key,
        others,
        "paid_to_user_id",
        "summary_settle",
        values,
        name="user",
    )


async def split(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _split(command, turn))


async def _split(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    parsed = parsing.parse_split(command.args or "")
    group_id = await common.group(turn)
    group = await queries.group(turn, group_id)
    names = {int(m["user_id"]): str(m["name"]) for m in group.get("members", [])}
    chosen = list(names)
    if parsed.users:
        chosen = [turn.user_id]
        for username in parsed.users:
            user_id, name = await common.user_named(turn, username, group_id)
            names.setdefault(user_id, name)
            chosen.append(user_id)
    payload = splitting.new_split(
        group, parsed.description, parsed.amount, turn.user_id, chosen, names
    )
    await turn.ask_to_confirm(
        SPLIT_COMMAND,
        payload,
        splitting.summary(payload, turn.lang),
        f"group:{group_id}",
        keyboard=lambda action_id: splitting.keyboard(payload, turn.lang, action_id),
    )
