"""Events published by the bot gateway on ``gateway.events.v1``."""

from __future__ import annotations

from datetime import datetime

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
    #: A stable ``ErrorCode`` value for clients to translate (absent from older producers).
    code: str | None = None


# Identity: which user a Telegram account is. The audit log files an event under its community or
# group when it names one (an invitation's), else under the gateway's partition chain.


@event("gateway.telegram_linked", version=1)
class TelegramLinked(BaseModel):
    """A Telegram account became a user: a new account got a user of its own
    (``how="registered"``), or it claimed an invitation (``how="invitation"``) for the owner
    or group member record named by ``community_id`` or ``group_id``. ``previous_user_id`` is
    the (empty) user the account was before it claimed the invitation."""

    model_config = _CONFIG

    telegram_user_id: int
    user_id: int
    how: str
    previous_user_id: int | None = None
    community_id: int | None = None
    group_id: int | None = None
    invited_by: str | None = None


@event("gateway.telegram_unlinked", version=1)
class TelegramUnlinked(BaseModel):
    """A Telegram account stopped being ``user_id`` (``/unlink``); it is a new, empty user
    (``new_user_id``) from now on, and ``user_id`` may be claimed again by an invitation."""

    model_config = _CONFIG

    telegram_user_id: int
    user_id: int
    new_user_id: int
    reason: str


@event("gateway.invitation_created", version=1)
class InvitationCreated(BaseModel):
    """Someone who manages a record (a treasurer for an owner, a group owner for a member, or
    the user themselves) made a single-use invitation for it, valid until ``expires_at``."""

    model_config = _CONFIG

    user_id: int
    invited_by: str
    expires_at: datetime
    community_id: int | None = None
    group_id: int | None = None


@event("gateway.invitation_refused", version=1)
class InvitationRefused(BaseModel):
    """A Telegram account tried to claim an invitation and was refused; ``reason`` says why (an
    attempt to take over someone else's record shows up here)."""

    model_config = _CONFIG

    telegram_user_id: int
    user_id: int | None = None
    reason: str
    community_id: int | None = None
    group_id: int | None = None


__all__ = [
    "CommandRejected",
    "InvitationCreated",
    "InvitationRefused",
    "ReminderQueued",
    "TelegramLinked",
    "TelegramUnlinked",
]
