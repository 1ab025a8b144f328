"""Tables every service has: the outbox, the inbox and the idempotency keys.

They are added to a service's own ``MetaData`` (so its queries and autogenerate see them); the
platform's own migration branch (``platform_migrations/``, label ``platform``) creates them in each
service's database, beside the service's own branch. Change them there, not in a service.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID


@dataclass(frozen=True)
class PlatformTables:
    outbox: Table
    inbox: Table
    idempotency_keys: Table


def add_platform_tables(metadata: MetaData) -> PlatformTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("traceparent", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True),
        # A row the broker refused for good (too large, invalid): set aside with the reason, so
        # it stops blocking the relay. Later rows of its key wait behind it (see outbox.py).
        Column("parked_at", DateTime(timezone=True), nullable=True),
        Column("park_reason", Text, nullable=True),
        Index(
            "ix_outbox_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
        ),
        Index(
            "ix_outbox_parked",
            "topic",
            "key",
            "id",
            postgresql_where=text("parked_at IS NOT NULL AND published_at IS NULL"),
        ),
        Index("ix_outbox_published_at", "published_at"),
    )
    inbox = Table(
        "inbox",
        metadata,
        # An event's event_id, or a command's command_id: whatever identifies a delivery's content.
        Column("message_id", Text, primary_key=True),
        Column("message_type", Text, nullable=False),
        Column("topic", Text, nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # Retention prunes by position: rows below the group's committed offset of a partition.
        Index("ix_inbox_position", "topic", "partition", "offset"),
    )
    idempotency_keys = Table(
        "idempotency_keys",
        metadata,
        Column("principal", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("method", Text, nullable=False),
        Column("path", Text, nullable=False),
        Column("request_hash", Text, nullable=False),
        Column("status_code", Integer, nullable=False),
        Column("response_body", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("principal", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )
    return PlatformTables(outbox=outbox, inbox=inbox, idempotency_keys=idempotency_keys)
