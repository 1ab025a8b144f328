"""A community's expense (``/expense``), shared among its owners: confirmed first."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot_gateway.domain import parsing
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries
from bot_gateway.telegram.commands import common


async def expense(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _expense(command, turn))


async def _expense(command: CommandObject, turn: Turn) -> None:
    parsed = parsing.parse_expense(command.args or "")
    community_id = await common.community(turn)
    period = await common.period(turn, community_id)
    currency = await queries.currency(turn, community_id)
    summary = turn.t(
        "summary_expense",
        amount=common.amount(turn, parsed.amount, currency),
        category=parsed.category,
        vendor=f", {parsed.vendor}" if parsed.vendor else "",
        description=f" — {parsed.description}" if parsed.description else "",
        period=period["name"],
    )
    payload = {
        "period_id": period["id"],
        "amount": str(parsed.amount),
        "payment_type": parsed.category,
        "vendor": parsed.vendor,
        "description": parsed.description,
        "allocation_strategy": "PROPORTIONAL",
    }
    await turn.ask_to_confirm(
        "ledger.record_expense", payload, summary, f"community:{community_id}"
    )
