"""A group's shared costs: settling up with someone (``/settle @user <amount>``) and splitting
an expense (``/split``, the keyboard and its numbers in ``telegram/splitting.py``)."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot_gateway.adapters.services import Unavailable
from bot_gateway.domain import parsing
from bot_gateway.domain.confirmations import SPLIT_COMMAND
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries, splitting
from bot_gateway.telegram.commands import common


async def settle(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _settle(command, turn))


async def _settle(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    parsed = parsing.parse_settle(command.args or "")
    group_id = await common.group(turn)
    payee_id, payee_name = await common.user_named(turn, parsed.user, group_id)
    try:
        group = await queries.group(turn, group_id)
        currency = str(group.get("base_currency") or "")
    except Unavailable:  # splits is away: the command waits in Kafka; the currency can too
        currency = ""
    await turn.ask_to_confirm(
        "splits.record_settlement",
        {
            "group_id": group_id,
            "paid_by_user_id": turn.user_id,
            "paid_to_user_id": payee_id,
            "amount": str(parsed.amount),
        },
        turn.t(
            "summary_settle",
            payer=await turn.repo.name_of(turn.user_id, group_id=group_id),
            user=payee_name,
            amount=common.amount(turn, parsed.amount, currency),
        ),
        f"group:{group_id}",
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
