"""Confirm and Cancel, answered at once. Who may press them and when they stop working are
``domain/confirmations.py``'s rules."""

from __future__ import annotations

from aiogram.types import CallbackQuery

from bot_gateway.domain.confirmations import SPLIT_COMMAND, expired, may_confirm_for
from bot_gateway.gateway import Turn
from bot_gateway.telegram import splitting


async def decide(callback: CallbackQuery, turn: Turn) -> None:
    verb, _, action_id = str(callback.data).partition(":")
    action = await turn.repo.pending(action_id)
    if action is None:
        await turn.answer(callback, turn.t("already_decided"))
        return
    if callback.from_user.id != action.telegram_user_id and not may_confirm_for(
        action.command_type, dict(action.payload), verb, turn.user_id
    ):
        await turn.answer(callback, turn.t("not_yours"))
        return
    ttl = turn.gateway.settings.confirmation_ttl_seconds
    if action.status == "pending" and expired(action.created_at, turn.gateway.clock.now(), ttl):
        await turn.repo.decide(action_id, "expired")
        await turn.answer(callback, turn.t("keyboard_expired"))
        if callback.message is not None:
            await turn.edit(callback.message.message_id, turn.t("keyboard_expired"))
        return
    if verb == "ok" and action.command_type == SPLIT_COMMAND and action.status == "pending":
        if await splitting.before_confirming(callback, turn, action):
            return
    status = "confirmed" if verb == "ok" else "cancelled"
    if not await turn.repo.decide(action_id, status):
        await turn.answer(callback, turn.t("already_decided"))
        return
    turn.lang = action.language
    await turn.answer(callback)
    if status == "confirmed":
        await turn.send_confirmed(action)
    if callback.message is not None:
        # The edit carries no keyboard: once used, the buttons are gone.
        await turn.edit(
            callback.message.message_id,
            turn.t("confirmed" if status == "confirmed" else "cancelled", summary=action.summary),
        )
