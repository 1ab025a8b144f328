"""Commands the bot gateway accepts on ``gateway.commands.v1``.

The recurring service sends reminders through it; the gateway delivers them to a linked chat or a
user's private chat.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sosenki_contracts.bounds import MAX_ID, Id, Line
from sosenki_contracts.registry import command

_CONFIG = ConfigDict(extra="ignore", frozen=True)


@command("gateway.send_reminder", version=1)
class SendReminder(BaseModel):
    """Send ``text`` to a Telegram chat (``chat_id``) or to a user's private chat (``user_id``)."""

    model_config = _CONFIG

    chat_id: int | None = Field(default=None, ge=-MAX_ID, le=MAX_ID)
    user_id: Id | None = None
    text: Annotated[Line, Field(min_length=1)]

    @model_validator(mode="after")
    def _one_recipient(self) -> SendReminder:
        if (self.chat_id is None) == (self.user_id is None):
            raise ValueError("a reminder goes to exactly one of chat_id or user_id")
        return self


__all__ = ["SendReminder"]
