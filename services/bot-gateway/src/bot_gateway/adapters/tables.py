"""The bot-gateway service's tables (its own database)."""

from __future__ import annotations

from sosenki_platform.tables import add_platform_tables
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Sequence,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from bot_gateway.domain.identity import FIRST_GATEWAY_USER_ID

metadata = MetaData()
platform = add_platform_tables(metadata)

#: Every update id seen (Telegram retries an update until it gets a 2xx; ids are not a safe
#: watermark, so each is kept, for at least 48 hours).
processed_updates = Table(
    "processed_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_processed_updates_received_at", "received_at"),
)

#: The user ids the gateway allocates to new Telegram accounts (see ``domain/identity.py``).
user_ids = Sequence(
    "user_ids", start=FIRST_GATEWAY_USER_ID, minvalue=FIRST_GATEWAY_USER_ID, metadata=metadata
)

#: A Telegram account and the one SOSenki user it is (and a user has at most one account).
#: ``how``: ``registered`` (a user of its own, made by the gateway), ``invitation`` (it claimed
#: an invitation), ``legacy`` (registered before the gateway had its own ids: user = Telegram id).
telegram_users = Table(
    "telegram_users",
    metadata,
    Column("telegram_user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", BigInteger, nullable=False, unique=True),
    Column("how", Text, nullable=False, server_default="registered"),
    Column("username", Text, nullable=True, index=True),
    Column("first_name", Text, nullable=True),
    Column("language_code", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: Single-use, expiring invitations (``/start join_<token>``) that hand one record (an owner in a
#: community, a member in a group, or the creator's own user) to one Telegram account. Only the
#: token's SHA-256 is kept.
invitations = Table(
    "invitations",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("user_id", BigInteger, nullable=False),
    Column("community_id", BigInteger, nullable=True),
    Column("group_id", BigInteger, nullable=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("used_by", BigInteger, nullable=True),
)

#: A chat and what it is linked to (a community, a splits group), and its language override.
chats = Table(
    "chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("chat_type", Text, nullable=False),
    Column("community_id", Integer, nullable=True, index=True),
    Column("splits_group_id", Integer, nullable=True, index=True),
    Column("language", Text, nullable=True),
    Column("linked_by", BigInteger, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

#: Who belongs where, from the ledger's and the splits service's events: only for names to show
#: (owners' display names). Tokens and invitations ask the ledger and splits instead.
memberships = Table(
    "memberships",
    metadata,
    Column("kind", Text, nullable=False),  # community | group
    Column("scope_id", Integer, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("role", Text, nullable=False),  # owner | treasurer | member
    Column("display_name", Text, nullable=True),
    PrimaryKeyConstraint("kind", "scope_id", "user_id", "role"),
    Index("ix_memberships_user", "user_id"),
)

#: A write that waits for the user's confirmation (inline keyboard), then becomes a command.
pending_actions = Table(
    "pending_actions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("telegram_user_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("command_type", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("summary", Text, nullable=False),
    Column("command_id", Text, nullable=False, unique=True),
    Column("correlation_id", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("decided_at", DateTime(timezone=True), nullable=True),
)

#: A command sent on a user's behalf whose result (an event or a rejection) they wait for.
awaiting_results = Table(
    "awaiting_results",
    metadata,
    Column("correlation_id", Text, primary_key=True),
    Column("command_id", Text, nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("language", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("slow_notice_at", DateTime(timezone=True), nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Index("ix_awaiting_results_open", "created_at", postgresql_where=text("answered_at IS NULL")),
)

#: Ledger entries users made (from events), so ``/undo`` can reverse the last one.
recorded_entries = Table(
    "recorded_entries",
    metadata,
    Column("entry", Text, nullable=False),  # contribution | expense | charge
    Column("entry_id", Integer, nullable=False),
    Column("period_id", Integer, nullable=False),
    Column("community_id", Integer, nullable=False),
    Column("actor_user_id", BigInteger, nullable=False),
    Column("amount", Text, nullable=False),
    Column("currency", Text, nullable=False),
    Column("reversed", Boolean, nullable=False, server_default=text("false")),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("entry", "entry_id"),
    Index("ix_recorded_entries_actor", "actor_user_id", "recorded_at"),
)

#: Messages to Telegram, sent in order per chat within Telegram's limits; a restart loses none.
#: Each message's state is its own: pending (``sent_at`` and ``failed_at`` empty), in flight
#: (``sending_at``: an attempt was claimed and committed before the call to Telegram), sent, or
#: failed (``failure``: why, in a word; ``last_error``: what Telegram said).
outgoing_messages = Table(
    "outgoing_messages",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("method", Text, nullable=False),  # sendMessage | sendPhoto | sendDocument | edit…
    Column("params", JSONB, nullable=False),
    # The photo's or the document's bytes (a document's file name: params.document_filename).
    Column("photo", LargeBinary, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("not_before", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
    Column("sending_at", DateTime(timezone=True), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("telegram_message_id", BigInteger, nullable=True),
    Column("failed_at", DateTime(timezone=True), nullable=True),
    Column("failure", Text, nullable=True),
    # The W3C traceparent of what queued it: sending it is a span of that trace.
    Column("traceparent", Text, nullable=True),
    Index(
        "ix_outgoing_messages_queued",
        "chat_id",
        "id",
        postgresql_where=text("sent_at IS NULL AND failed_at IS NULL"),
    ),
    Index("ix_outgoing_messages_sent", "chat_id", "sent_at"),
    Index(
        "ix_outgoing_messages_in_flight",
        "id",
        postgresql_where=text("sending_at IS NOT NULL"),
    ),
    Index(
        "ix_outgoing_messages_sent_at",
        "sent_at",
        postgresql_where=text("sent_at IS NOT NULL"),
    ),
    Index(
        "ix_outgoing_messages_failed_at",
        "failed_at",
        postgresql_where=text("failed_at IS NOT NULL"),
    ),
)
