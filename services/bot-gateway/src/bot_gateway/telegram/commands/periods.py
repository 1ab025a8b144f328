"""A community's periods: opening one (``/period``, at once: it moves no money), closing the
open one (``/close``) and carrying the balances of the last closed one into the open one
(``/carry``), both confirmed first."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot_gateway.gateway import Turn
from bot_gateway.telegram import setup
from bot_gateway.telegram.commands import common


async def open_period(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, setup.open_period(turn, command.args or ""))


async def close(message: Message, turn: Turn) -> None:
    await common.guard(turn, _close(turn))


async def _close(turn: Turn) -> None:
    community_id = await common.community(turn)
    period = await common.period(turn, community_id)
    await turn.ask_to_confirm(
        "ledger.close_period",
        {"period_id": period["id"]},
        turn.t("summary_close", period=period["name"]),
        f"community:{community_id}",
    )


async def carry(message: Message, turn: Turn) -> None:
    await common.guard(turn, _carry(turn))


async def _carry(turn: Turn) -> None:
    community_id = await common.community(turn)
    source = await common.period(turn, community_id, "CLOSED")
    target = await common.period(turn, community_id, "OPEN")
    await turn.ask_to_confirm(
        "ledger.carry_forward",
        {"from_period_id": source["id"], "to_period_id": target["id"]},
        turn.t("summary_carry", from_period=source["name"], to_period=target["name"]),
        f"community:{community_id}",
    )
