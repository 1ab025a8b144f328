"""The audit log in PostgreSQL: append an event as the next entry of its chain, read entries
back, and verify a chain against its published head."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sosenki_contracts import topics
from sosenki_contracts.envelope import EventEnvelope
from sosenki_contracts.registry import event_payload_model
from sosenki_platform.consumer import PAYLOAD, payload_of
from sosenki_platform.inbox import SOURCE
from sqlalchemy import Row, Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t
from reporting.adapters.pending import PendingEntry, pending
from reporting.adapters.tables import platform
from reporting.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    StoredEntry,
    Verification,
    before_after,
    chain_of,
    entry_hash,
    reason_of,
    verify_chain,
)

_BATCH = 1000


def canonical_payload(session: AsyncSession, event: EventEnvelope) -> dict[str, Any]:
    """The payload as its contract reads it: amounts as strings, dates in one spelling."""
    model = event_payload_model(event.event_type, event.event_version)
    if model is None:  # the consumer dead-letters unknown events before they get here
        return dict(event.payload)
    dumped: dict[str, Any] = payload_of(session, event, model).model_dump(mode="json")
    return dumped


#: The columns of ``audit_entries`` an append writes (recorded_at: its default), in COPY order.
_COPIED = (
    "entry_id", "chain", "seq", "community_id", "group_id", "event_id", "event_type",
    "event_version", "occurred_at", "actor_kind", "actor_id", "actor_name", "payload", "before",
    "after", "reason", "prev_hash", "hash",
)  # fmt: skip

#: Ids for a batch's entries, from the column's own sequence, in one round trip.
_NEW_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('audit_entries', 'entry_id')) "
    "FROM generate_series(1, :n)"
)
# Each chain's head: the batch's last entry of the chain.
_SET_HEADS = text(
    "INSERT INTO audit_heads (chain, seq, hash, entry_id) "
    "SELECT * FROM unnest(CAST(:chains AS text[]), CAST(:seqs AS bigint[]), "
    "CAST(:hashes AS text[]), CAST(:entry_ids AS bigint[])) ORDER BY 1 "
    "ON CONFLICT (chain) DO UPDATE "
    "SET seq = excluded.seq, hash = excluded.hash, entry_id = excluded.entry_id"
)


def _json_text(value: Any) -> str | None:
    """JSON text for a JSONB column (the connection's codec takes text, as SQLAlchemy sends it);
    PostgreSQL keeps the value, not the spelling."""
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # beyond orjson (an int over 64 bits): as SQLAlchemy would write it
        return json.dumps(value)


@dataclass(frozen=True)
class AuditFilter:
    community_id: int | None = None
    group_id: int | None = None
    event_type: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    #: For callers who are not admins: only these communities and groups.
    visible_communities: frozenset[int] | None = None
    visible_groups: frozenset[int] | None = None


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, event: EventEnvelope) -> None:
        """Append ``event`` to its chain. Kept in the transaction until :meth:`write` (the
        consumer's ``before_commit`` hook, see ``projections.flush``), which puts a batch's
        entries in their chains' order, hashes them and writes them at once."""
        payload = canonical_payload(self.session, event)
        event_id, topic, partition = await self._source(event)
        chain, community_id, group_id = chain_of(payload, topic, partition)
        before, after = before_after(payload)
        entry = AuditEntry(
            chain=chain,
            seq=0,  # its place in the chain is given by write()
            event_id=event_id,
            event_type=event.event_type,
            event_version=event.event_version,
            occurred_at=event.occurred_at,
            actor_kind=event.actor.kind,
            actor_id=event.actor.id,
            actor_name=event.actor.display_name,
            payload=payload,
            before=before,
            after=after,
            reason=reason_of(payload),
        )
        pending(self.session).audit_entries.append(PendingEntry(entry, community_id, group_id))

    async def write(self, entries: list[PendingEntry]) -> None:
        """Write the transaction's entries, in the order appended, as the next entries of their
        chains. Two consumers appending to one chain must not both take the same place in it: the
        chains are locked (an advisory lock on each chain's name, as a chain's first entry has no
        head row to lock) for the rest of the transaction, in name order so that two batches
        never wait on each other crosswise, then their heads are read once."""
        if not entries:
            return
        chains = sorted({p.entry.chain for p in entries})
        await self.session.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtext(c)) "
                "FROM (SELECT unnest(CAST(:chains AS text[])) AS c ORDER BY 1) AS ordered"
            ),
            {"chains": chains},
        )
        heads: dict[str, tuple[int, str]] = {
            row.chain: (row.seq, row.hash)
            for row in await self.session.execute(
                select(t.audit_heads.c.chain, t.audit_heads.c.seq, t.audit_heads.c.hash).where(
                    t.audit_heads.c.chain.in_(chains)
                )
            )
        }
        # Ids in the order the entries are written (entry_id is that order), known before the
        # COPY so that the heads need not look their entries up.
        entry_ids = sorted(await self.session.scalars(_NEW_IDS, {"n": len(entries)}))
        head_ids: dict[str, int] = {}
        rows: list[tuple[Any, ...]] = []
        for p, entry_id in zip(entries, entry_ids, strict=True):
            e = p.entry
            seq, prev_hash = heads.get(e.chain, (0, GENESIS_HASH))
            seq += 1
            digest = entry_hash(prev_hash, e, seq)
            heads[e.chain] = (seq, digest)
            head_ids[e.chain] = entry_id
            rows.append(
                (
                    entry_id,
                    e.chain,
                    seq,
                    p.community_id,
                    p.group_id,
                    e.event_id,
                    e.event_type,
                    e.event_version,
                    e.occurred_at,
                    e.actor_kind,
                    e.actor_id,
                    e.actor_name,
                    _json_text(e.payload),
                    _json_text(e.before),
                    _json_text(e.after),
                    e.reason,
                    prev_hash,
                    digest,
                )
            )
        # COPY, in the session's transaction: a batch's entries in one stream, without a
        # parameter set per row to build and send.
        connection = await self.session.connection()
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None  # an asyncpg connection, checked out for this transaction
        await raw.copy_records_to_table(t.audit_entries.name, records=rows, columns=_COPIED)
        ordered = sorted(heads.items())
        await self.session.execute(
            _SET_HEADS,
            {
                "chains": [chain for chain, _ in ordered],
                "seqs": [seq for _, (seq, _) in ordered],
                "hashes": [digest for _, (_, digest) in ordered],
                "entry_ids": [head_ids[chain] for chain, _ in ordered],
            },
        )

    async def _source(self, event: EventEnvelope) -> tuple[str, str, int]:
        """The event's id, and the topic (without the deployment's prefix) and partition it was
        read from: the consumer claimed its inbox row in this transaction, just before applying
        it, and said so in ``session.info``."""
        info = self.session.info
        source = info.get(SOURCE)
        if source is not None:
            being_applied = info.get(PAYLOAD)
            if being_applied is not None and being_applied[0] is event:
                return source[0], contract_topic(source[1]), source[2]
        event_id = str(event.event_id)
        if source is not None and source[0] == event_id:
            return event_id, contract_topic(source[1]), source[2]
        inbox = platform.inbox
        row = (
            await self.session.execute(
                select(inbox.c.topic, inbox.c.partition).where(inbox.c.message_id == event_id)
            )
        ).one_or_none()
        if row is None:
            raise RuntimeError(f"event {event.event_id} is applied without its inbox row")
        return event_id, contract_topic(row.topic), row.partition

    async def head(self, chain: str) -> Row[Any] | None:
        return (
            await self.session.execute(
                select(
                    t.audit_heads.c.chain,
                    t.audit_heads.c.seq,
                    t.audit_heads.c.hash,
                    t.audit_heads.c.entry_id,
                    t.audit_entries.c.event_id,
                    t.audit_entries.c.event_type,
                    t.audit_entries.c.occurred_at,
                )
                .join(t.audit_entries, t.audit_entries.c.entry_id == t.audit_heads.c.entry_id)
                .where(t.audit_heads.c.chain == chain)
            )
        ).one_or_none()

    async def heads(self) -> dict[str, str]:
        """Every chain's head hash (for comparing two builds of the log)."""
        rows = (await self.session.execute(select(t.audit_heads))).all()
        return {r.chain: r.hash for r in rows}

    def _query(self, f: AuditFilter) -> Select[Any]:
        c = t.audit_entries.c
        query = select(t.audit_entries)
        if f.community_id is not None:
            query = query.where(c.community_id == f.community_id)
        if f.group_id is not None:
            query = query.where(c.group_id == f.group_id)
        if f.event_type is not None:
            query = query.where(c.event_type == f.event_type)
        if f.occurred_from is not None:
            query = query.where(c.occurred_at >= f.occurred_from)
        if f.occurred_to is not None:
            query = query.where(c.occurred_at < f.occurred_to)
        vc, vg = f.visible_communities, f.visible_groups
        if vc is not None or vg is not None:
            # None on one side: every community's (or group's) entries, but not partition chains.
            query = query.where(
                (c.community_id.in_(sorted(vc)) if vc is not None else c.community_id.is_not(None))
                | (c.group_id.in_(sorted(vg)) if vg is not None else c.group_id.is_not(None))
            )
        return query

    async def search(self, f: AuditFilter, limit: int, offset: int) -> tuple[int, list[Row[Any]]]:
        query = self._query(f)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = (
            await self.session.execute(
                query.order_by(t.audit_entries.c.entry_id).limit(limit).offset(offset)
            )
        ).all()
        return int(total or 0), list(rows)

    async def _entries(self, chain: str) -> AsyncIterator[StoredEntry]:
        last_seq = 0
        while True:
            rows = (
                await self.session.execute(
                    select(t.audit_entries)
                    .where(t.audit_entries.c.chain == chain, t.audit_entries.c.seq > last_seq)
                    .order_by(t.audit_entries.c.seq)
                    .limit(_BATCH)
                )
            ).all()
            for row in rows:
                yield stored_entry(row)
            if len(rows) < _BATCH:
                return
            last_seq = rows[-1].seq

    async def verify(self, chain: str) -> Verification:
        head = (
            await self.session.execute(select(t.audit_heads).where(t.audit_heads.c.chain == chain))
        ).one_or_none()
        entries = [e async for e in self._entries(chain)]
        return verify_chain(
            entries,
            head_seq=head.seq if head else 0,
            head_hash=head.hash if head else GENESIS_HASH,
        )


@functools.lru_cache(maxsize=256)
def contract_topic(topic: str) -> str:
    """``ledger.events.v1`` for ``e1a2b3c4.ledger.events.v1``: chains do not depend on the
    deployment's topic prefix."""
    for name in topics.EVENT_TOPICS:
        if topic.endswith(name):
            return name
    return topic


def stored_entry(row: Row[Any]) -> StoredEntry:
    return StoredEntry(
        entry_id=row.entry_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
        entry=AuditEntry(
            chain=row.chain,
            seq=row.seq,
            event_id=row.event_id,
            event_type=row.event_type,
            event_version=row.event_version,
            occurred_at=row.occurred_at,
            actor_kind=row.actor_kind,
            actor_id=row.actor_id,
            actor_name=row.actor_name,
            payload=row.payload,
            before=row.before,
            after=row.after,
            reason=row.reason,
        ),
    )
