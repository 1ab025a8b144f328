"""Event and command envelopes (see ARCHITECTURE.md, "How a change flows").

Readers are tolerant: unknown envelope fields are ignored, so producers can add fields without
breaking consumers. A breaking change to a payload gets a new ``event_version``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


def utc_now() -> datetime:
    return datetime.now(UTC)


class Actor(BaseModel):
    """Who did it: a user (by id), a service, or the system itself."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: str = Field(description="'user', 'service' or 'system'")
    id: str = Field(description="user id, or the service's name")
    display_name: str | None = None


SYSTEM_ACTOR = Actor(kind="system", id="system")


class EventEnvelope(BaseModel):
    """A domain event as it travels on an ``*.events.v1`` topic."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    event_version: int = 1
    occurred_at: datetime = Field(default_factory=utc_now)
    producer: str
    aggregate_id: str
    correlation_id: str | None = None
    causation_id: str | None = None
    actor: Actor = SYSTEM_ACTOR
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _must_be_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at must carry a timezone (UTC)")
        return value.astimezone(UTC)

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> EventEnvelope:
        return cls.model_validate_json(raw)


class CommandEnvelope(BaseModel):
    """A request to change something, sent on a ``*.commands.v1`` topic.

    ``command_id`` is the deduplication key: the bot gateway derives it from the Telegram update
    (``tg:<update_id>``), the recurring service from the occurrence
    (``recurring:<pattern id>:<n>``), so a retried command is applied once.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    command_id: str = Field(min_length=1, max_length=200)
    command_type: str
    command_version: int = 1
    issued_at: datetime = Field(default_factory=utc_now)
    issuer: str
    correlation_id: str | None = None
    actor: Actor = SYSTEM_ACTOR
    payload: dict[str, Any] = Field(default_factory=dict)

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> CommandEnvelope:
        return cls.model_validate_json(raw)
