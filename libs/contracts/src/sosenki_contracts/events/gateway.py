"""Events published by the bot gateway on ``gateway.events.v1``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sosenki_contracts.registry import event

_CONFIG = ConfigDict(extra="ignore", frozen=True)


@event("gateway.reminder_queued", version=1)
class ReminderQueued(BaseModel):
    """A ``gateway.send_reminder`` was accepted: the message waits in the outgoing queue (its
    ``causation_id`` is the command id)."""

    model_config = _CONFIG

    command_id: str
    chat_id: int


@event("gateway.command_rejected", version=1)
class CommandRejected(BaseModel):
    """A command on ``gateway.commands.v1`` was refused; ``detail`` says why."""

    model_config = _CONFIG

    command_id: str
    command_type: str
    status_code: int
    detail: str


__all__ = ["CommandRejected", "ReminderQueued"]
