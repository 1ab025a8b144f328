"""Money an owner pays in (``/pay``) or is charged (``/charge``): confirmed first, about the owner
named (``owners.py``)."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot_gateway.domain import parsing
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries
from bot_gateway.telegram.commands import common
from bot_gateway.telegram.commands.owners import ask_about_owner, owner_of


async def pay(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _pay(message, command, turn))


async def _pay(message: Message, command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    pay = parsing.parse_pay(command.args or "")
    community_id = await common.community(turn)
    period = await common.period(turn, community_id)
    owner_id, owner_name, comment = await owner_of(
        turn, message, community_id, pay.owner, pay.name, pay.comment
    )
    currency = await queries.currency(turn, community_id)
    values = {
        "amount": common.amount(turn, pay.amount, currency),
        "period": period["name"],
        "comment": f" ({comment})" if comment else "",
    }
    payload = {
        "period_id": period["id"],
        "owner_id": owner_id,
        "amount": str(pay.amount),
        "comment": comment,
    }
    if owner_id is not None:
        values["owner"] = owner_name
    await ask_about_owner(
        turn, "ledger.record_contribution", payload, community_id, "summary_pay", values
    )


async def charge(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _charge(message, command, turn))


async def _charge(message: Message, command: CommandObject, turn: Turn) -> None:
    parsed = parsing.parse_charge(command.args or "")
    community_id = await common.community(turn)
    period = await common.period(turn, community_id)
    owner_id, owner_name, _ = await owner_of(
        turn, message, community_id, parsed.owner, parsed.name, None
    )
    if owner_id == turn.user_id and not (parsed.owner or parsed.name):
        owner_id = None  # a charge names whom, else the treasurer picks
    currency = await queries.currency(turn, community_id)
    values = {
        "amount": common.amount(turn, parsed.amount, currency),
        "description": parsed.description,
        "period": period["name"],
    }
    if owner_id is not None:
        values["owner"] = owner_name
    payload = {
        "period_id": period["id"],
        "owner_id": owner_id,
        "amount": str(parsed.amount),
        "description": parsed.description,
    }
    await ask_about_owner(
        turn, "ledger.record_charge", payload, community_id, "summary_charge", values
    )
