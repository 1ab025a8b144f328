"""Undoing one's last entry (``/undo <reason>``): a reversal, never an edit; confirmed first."""

from __future__ import annotations

from decimal import Decimal

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot_gateway.domain import parsing
from bot_gateway.gateway import Turn
from bot_gateway.telegram.commands import common


async def undo(message: Message, command: CommandObject, turn: Turn) -> None:
    await common.guard(turn, _undo(command, turn))


async def _undo(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    reason = (command.args or "").strip()
    if not reason:
        raise parsing.Unreadable("usage_undo")
    entry = await turn.repo.last_entry(turn.user_id)
    if entry is None:
        await turn.say("nothing_to_undo")
        return
    await turn.ask_to_confirm(
        "ledger.reverse_entry",
        {
            "entry": entry.entry,
            "period_id": entry.period_id,
            "entry_id": entry.entry_id,
            "reason": reason,
        },
        turn.t(
            "summary_undo",
            entry=turn.t(f"entry_{entry.entry}"),
            entry_id=entry.entry_id,
            amount=common.amount(turn, Decimal(entry.amount), entry.currency),
            reason=reason,
        ),
        f"community:{entry.community_id}",
    )
