"""A meter reading (``/meter <value>``) of the user's own meter, dated today by the gateway's
clock: confirmed first."""

from __future__ import annotations

from aiogram.filters import CommandObject
from aiogram.types import Message
from sosenki_platform.use_case import today_in

from bot_gateway.domain import parsing
from bot_gateway.domain.texts import day, number
from bot_gateway.gateway import Turn
from bot_gateway.telegram.commands import common


async def meter(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _meter(command, turn))


async def _meter(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    value = parsing.parse_meter(command.args or "")
    community_id = await common.community(turn)
    services = turn.gateway.services
    meters = await services.get(
        services.ledger(f"/communities/{community_id}/meters"),
        await turn.token(communities=[community_id]),
        {"owner_id": turn.user_id},
    )
    if not meters:
        await turn.say("no_meter", id=community_id)
        return
    found = meters[0]
    today = today_in(turn.gateway.clock).isoformat()
    await turn.ask_to_confirm(
        "ledger.record_meter_reading",
        {"meter_id": found["id"], "reading_date": today, "value": str(value)},
        turn.t(
            "summary_meter",
            value=number(value, turn.lang),
            meter=found.get("meter_type", ""),
            date=day(today, turn.lang),
        ),
        f"community:{community_id}",
    )
