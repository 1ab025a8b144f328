"""Rebuild every read model from the event topics, and switch over atomically.

1. Fresh tables (same definitions) in the schema ``reporting_rebuild``, with an inbox of their own.
2. Every partition of every event topic is read from offset 0 to its end offset (manual
   assignment, no consumer group), each event applied in partition order by the platform's event
   consumer and :func:`reporting.projections.apply_event`, exactly as the live consumer does
   (batches of ``REPLAY_BATCH`` records per transaction), into the new tables.
3. The switch, in one transaction: lock the live inbox against writes (every live apply starts by
   claiming its inbox row, so this waits for applies in flight and holds back new ones), read the
   end offsets again and catch up to them, move the live tables to ``reporting_old`` and the new
   ones to ``public``, drop the old. A live apply that was held back then claims its event in the
   new inbox: applied once, whichever side read it first.

Readers see the old tables until the commit and the new ones after it. Nothing else changes: the
live consumer group's offsets, the outbox and the idempotency keys stay where they are.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sosenki_contracts import topics
from sosenki_platform.consumer import Batch, Delivery, EventConsumer
from sosenki_platform.db import Database
from sosenki_platform.dead_letters import DeadLetters
from sosenki_platform.inbox import Claim, Inbox
from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.logging import get_logger
from sosenki_platform.migrations import upgrade_async
from sosenki_platform.tables import PlatformTables
from sosenki_platform.topic_admin import ensure_topics
from sqlalchemy import Index, UniqueConstraint, event as sa_event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.schema import AddConstraint, DropConstraint

from reporting.adapters.tables import audit_entries, metadata, platform, rebuilt_tables
from reporting.projections import handle_every_event
from reporting.settings import MIGRATIONS, Settings

log = get_logger(__name__)

NEW_SCHEMA = "reporting_rebuild"
OLD_SCHEMA = "reporting_old"
#: Held (per session) for a rebuild's whole run: two rebuilds at once would share one schema.
_REBUILD_LOCK = 0x5E9017
#: Records read and applied per transaction while replaying.
REPLAY_BATCH = 20_000
#: Records decoded between two looks at the database's answers while the next batch is read.
_PAUSE_EVERY = 500
#: Events replayed between two runs of the (otherwise disabled) garbage collector.
_COLLECT_EVERY = 200_000
#: Bytes fetched from a partition at once while replaying.
REPLAY_FETCH_BYTES = 16 * 1024 * 1024


@dataclass
class RebuildReport:
    events_replayed: int = 0
    #: Seconds spent reading and applying events (start-up, migrations and the switch aside).
    replay_seconds: float = 0.0
    #: CPU seconds this process spent in those (the rest: waiting on the database and Kafka).
    replay_cpu_seconds: float = 0.0
    skipped: dict[str, int] = field(default_factory=dict)
    switch_attempts: int = 0


class _Skip(DeadLetters):
    """What the live consumer dead-lettered once is skipped here, not dead-lettered again."""

    def __init__(self, report: RebuildReport) -> None:
        super().__init__("", "reporting-rebuild")
        self._report = report

    async def send(self, *, reason: str, error: str, **_: Any) -> None:
        self._report.skipped[reason] = self._report.skipped.get(reason, 0) + 1
        log.warning("rebuild_skipped_event", reason=reason, error=error[:500])


class _ReplayInbox(Inbox):
    """The new tables' inbox while replaying. Only the rebuild writes it, so which events it
    holds is known here: a delivery seen before is a duplicate without asking the database, and
    the new ones are written with COPY (the primary key, which the database would otherwise
    check row by row, is built after the replay; see _fresh_schema). An id counts as held once
    its transaction has committed. Memory: one id string per event (~120 MB at 10^6)."""

    def __init__(self, tables: PlatformTables) -> None:
        super().__init__(tables)
        self._held: set[str] = set()

    async def claim(
        self,
        session: AsyncSession,
        message_id: str,
        message_type: str,
        topic: str,
        partition: int,
        offset: int,
    ) -> bool:
        claim = Claim(message_id, message_type, topic, partition, offset)
        return message_id in await self.claim_many(session, [claim])

    async def claim_many(self, session: AsyncSession, claims: Sequence[Claim]) -> set[str]:
        claiming: set[str] | None = session.info.get(_CLAIMING)
        if claiming is None:
            claiming = session.info[_CLAIMING] = set()
            held, ids = self._held, claiming

            @sa_event.listens_for(session.sync_session, "after_commit", once=True)
            def _committed(_: Any) -> None:
                held.update(ids)

        fresh: list[Claim] = []
        for claim in claims:
            if claim.message_id in self._held or claim.message_id in claiming:
                continue
            claiming.add(claim.message_id)
            fresh.append(claim)
        if fresh:
            connection = await session.connection()
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.copy_records_to_table(
                platform.inbox.name,
                records=fresh,
                columns=("message_id", "message_type", "topic", "partition", "offset"),
            )
        return {claim.message_id for claim in fresh}


_CLAIMING = "reporting_rebuild_claiming"


def _database_in(url: str, schema: str) -> Database:
    """A database whose connections see only ``schema`` (and the system catalogs).

    Its commits do not wait for the disk (``synchronous_commit off``): should the server crash,
    the rebuild fails and starts again from scratch, and the switch-over commits (durably) on
    another connection after every replayed batch, so its flush covers theirs."""
    db = Database(url, pool_size=2)

    @sa_event.listens_for(db.engine.sync_engine, "connect")
    def _search_path(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET search_path TO {schema}")
        cursor.execute("SET synchronous_commit TO off")
        cursor.close()

    return db


def _quoted(table: str) -> str:
    return '"' + table.replace('"', '""') + '"'


async def _fresh_schema(db: Database, target: Database) -> None:
    async with db.transaction() as session:
        await session.execute(text(f"DROP SCHEMA IF EXISTS {NEW_SCHEMA} CASCADE"))
        await session.execute(text(f"CREATE SCHEMA {NEW_SCHEMA}"))
    async with target.engine.begin() as conn:
        await conn.run_sync(lambda c: metadata.create_all(c, tables=rebuilt_tables()))
        # Secondary indexes, and the audit log's unique constraints, are built once after the
        # replay (_build_indexes): cheaper than keeping them up to date row by row. Primary keys
        # and the other unique constraints stay: the replay's upserts rely on them. The audit
        # log's hold by construction (one entry per event the inbox let through, numbered per
        # chain) and are checked when they are built again, before the switch.
        for index in _secondary_indexes():
            await conn.execute(text(f"DROP INDEX {_quoted(str(index.name))}"))
        for constraint in _later_constraints():
            # isolate_from_table=False (here and in AddConstraint): the default would leave the
            # constraint out of the table's CREATE from then on (a second rebuild in a process).
            await conn.execute(DropConstraint(constraint, isolate_from_table=False))
        # _ReplayInbox keeps the inbox's ids itself while replaying.
        await conn.execute(text(f"ALTER TABLE {platform.inbox.name} DROP CONSTRAINT {_INBOX_KEY}"))


#: The inbox's primary key, as PostgreSQL names it (the migrations leave it unnamed).
_INBOX_KEY = "inbox_pkey"


def _secondary_indexes() -> list[Index]:
    return [index for table in rebuilt_tables() for index in table.indexes]


def _later_constraints() -> list[UniqueConstraint]:
    return [c for c in audit_entries.constraints if isinstance(c, UniqueConstraint)]


async def _build_indexes(target: Database) -> None:
    async with target.engine.begin() as conn:
        # Room to sort a million keys in memory rather than on disk (this transaction only).
        await conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        await conn.execute(
            text(
                f"ALTER TABLE {platform.inbox.name} ADD CONSTRAINT {_INBOX_KEY} "
                "PRIMARY KEY (message_id)"
            )
        )
        for constraint in _later_constraints():
            await conn.execute(AddConstraint(constraint, isolate_from_table=False))
        for index in _secondary_indexes():
            await conn.run_sync(index.create)


async def _swap(session: AsyncSession) -> None:
    await session.execute(text(f"DROP SCHEMA IF EXISTS {OLD_SCHEMA} CASCADE"))
    await session.execute(text(f"CREATE SCHEMA {OLD_SCHEMA}"))
    names = [_quoted(t.name) for t in rebuilt_tables()]
    for name in names:  # indexes, constraints and owned sequences move with their table
        await session.execute(text(f"ALTER TABLE public.{name} SET SCHEMA {OLD_SCHEMA}"))
    for name in names:
        await session.execute(text(f"ALTER TABLE {NEW_SCHEMA}.{name} SET SCHEMA public"))
    await session.execute(text(f"DROP SCHEMA {OLD_SCHEMA} CASCADE"))
    await session.execute(text(f"DROP SCHEMA {NEW_SCHEMA}"))


class _Replay:
    """Reads every partition of the event topics in order and applies each record."""

    def __init__(self, kafka: AIOKafkaConsumer, consumer: EventConsumer, report: RebuildReport):
        self.kafka = kafka
        self.consumer = consumer
        self.report = report
        self.partitions: list[TopicPartition] = []

    async def start(
        self, bootstrap_servers: str, topic_names: list[str], security: KafkaSecurity
    ) -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap_servers, **security.client_options()
        )
        await admin.start()
        try:
            described = await admin.describe_topics(topic_names)
        finally:
            await admin.close()
        for topic in described:
            if topic["error_code"] != 0:
                raise RuntimeError(f"cannot read topic {topic['topic']}: {topic['error_code']}")
            for partition in sorted(p["partition"] for p in topic["partitions"]):
                self.partitions.append(TopicPartition(topic["topic"], partition))
        self.kafka.assign(self.partitions)
        await self.kafka.seek_to_beginning(*self.partitions)

    async def to_the_end(self) -> None:
        """Apply everything up to the end offsets as they are now (perhaps a little more).

        Batches are applied one after another, in order, each in its transaction; while the
        database writes one, the next is read from Kafka and decoded (the two overlap on two
        cores instead of taking turns)."""
        if not self.partitions:
            return
        ends: dict[TopicPartition, int] = await self.kafka.end_offsets(self.partitions)
        applying: asyncio.Task[int] | None = None
        try:
            while True:
                behind = [tp for tp in self.partitions if await self.kafka.position(tp) < ends[tp]]
                if not behind:
                    break
                batches = await self.kafka.getmany(
                    *behind, timeout_ms=1000, max_records=REPLAY_BATCH
                )
                # Each partition's records in order, applied in one transaction per batch.
                deliveries = [
                    Delivery(
                        topic=tp.topic,
                        partition=tp.partition,
                        offset=record.offset,
                        key=record.key,
                        value=record.value,
                        headers=list(record.headers or ()),
                    )
                    for tp, records in batches.items()
                    for record in records
                ]
                del batches
                if not deliveries:
                    continue
                batch = await self.consumer.read_batch(deliveries, pause_every=_PAUSE_EVERY)
                del deliveries
                if applying is not None:
                    await self._applied(applying)
                applying = asyncio.create_task(self._apply(batch))
            if applying is not None:
                await self._applied(applying)
                applying = None
        finally:
            if applying is not None:  # failed while reading: the batch in flight ends first
                await asyncio.wait([applying])

    async def _apply(self, batch: Batch) -> int:
        await self.consumer.apply_batch(batch)
        return len(batch.deliveries)

    async def _applied(self, applying: asyncio.Task[int]) -> None:
        before = self.report.events_replayed
        self.report.events_replayed += await applying
        # The collector is off while replaying (see _run). Batches leave few cycles (a session
        # and its transaction): they are collected every _COLLECT_EVERY events, each collection
        # scanning the batch being read too.
        if before // _COLLECT_EVERY != self.report.events_replayed // _COLLECT_EVERY:
            gc.collect(0)


async def _check_nothing_is_lost(session: AsyncSession) -> None:
    """Every event the live tables hold came from the topics, so the new ones must hold it too;
    if not (another topic prefix, another cluster), keep the live tables."""
    missing = await session.scalar(
        text(
            f"SELECT count(*) FROM public.inbox live WHERE NOT EXISTS "
            f"(SELECT 1 FROM {NEW_SCHEMA}.inbox new WHERE new.message_id = live.message_id)"
        )
    )
    if missing:
        raise RuntimeError(
            f"the rebuilt tables lack {missing} events the live ones hold; not switching over"
        )


def _is_lock_conflict(exc: DBAPIError) -> bool:
    # deadlock_detected, lock_not_available: a reader held a table the switch had to move.
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    message = str(exc).lower()
    return code in ("40P01", "55P03") or "deadlock" in message or "lock timeout" in message


async def rebuild(settings: Settings, *, switch_attempts: int = 5) -> RebuildReport:
    """Replay every event topic into fresh tables and switch over to them atomically."""
    report = RebuildReport()
    db = Database(settings.database_url, pool_size=2)
    target = _database_in(settings.database_url, NEW_SCHEMA)
    kafka = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Large fetches: a replay reads whole topics, and at the default 1 MB per partition it
        # waited on the broker for a round trip every ~2,500 records.
        max_partition_fetch_bytes=REPLAY_FETCH_BYTES,
        fetch_max_bytes=4 * REPLAY_FETCH_BYTES,
        **settings.kafka_security.client_options(),
    )
    try:
        async with db.engine.connect() as guard:
            if not await guard.scalar(text(f"SELECT pg_try_advisory_lock({_REBUILD_LOCK})")):
                raise RuntimeError("another rebuild of reporting is running")
            try:
                await _run(settings, db, target, kafka, report, switch_attempts)
            finally:
                await guard.execute(text(f"SELECT pg_advisory_unlock({_REBUILD_LOCK})"))
    finally:
        await kafka.stop()
        await target.dispose()
        await db.dispose()
    log.info(
        "rebuild_done",
        events=report.events_replayed,
        skipped=report.skipped,
        attempts=report.switch_attempts,
    )
    return report


async def _run(
    settings: Settings,
    db: Database,
    target: Database,
    kafka: AIOKafkaConsumer,
    report: RebuildReport,
    switch_attempts: int,
) -> None:
    await upgrade_async(MIGRATIONS, settings.database_url)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        topics.EVENT_TOPICS,
        prefix=settings.topic_prefix,
        security=settings.kafka_security,
    )
    await _fresh_schema(db, target)
    consumer = EventConsumer(
        target,
        _ReplayInbox(platform),
        _Skip(report),
        settings.service_name,
        max_attempts=settings.consumer_max_attempts,
        topic_prefix=settings.topic_prefix,
        trace_each_event=False,  # history replayed: no trace to follow, a span per event to pay
    )
    handle_every_event(consumer)
    await kafka.start()
    replay = _Replay(kafka, consumer, report)
    await replay.start(
        settings.kafka_bootstrap_servers,
        [settings.topic(name) for name in topics.EVENT_TOPICS],
        settings.kafka_security,
    )
    # Everything loaded so far lives as long as the process: keep the collector from scanning it
    # again and again while the replay allocates (py-spy showed the pauses in the replay's loops).
    gc.freeze()
    # A batch holds ~10^5 live objects while it is applied: the collector, triggered every few
    # hundred allocations, scanned them over and again (a tenth of the replay's CPU).
    gc.disable()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        await replay.to_the_end()
    finally:
        gc.enable()
    report.replay_seconds = time.perf_counter() - started
    report.replay_cpu_seconds = time.process_time() - cpu
    await _build_indexes(target)
    log.info(
        "rebuild_replayed", events=report.events_replayed, seconds=round(report.replay_seconds, 2)
    )
    for attempt in range(1, switch_attempts + 1):
        report.switch_attempts = attempt
        try:
            async with db.transaction() as session:
                await session.execute(text("SET LOCAL lock_timeout = '10s'"))
                # Every live apply claims its inbox row first: this waits for those in flight
                # and holds back the next ones until the switch has committed.
                await session.execute(text("LOCK TABLE public.inbox IN EXCLUSIVE MODE"))
                await replay.to_the_end()
                await _check_nothing_is_lost(session)
                await _swap(session)
            return
        except DBAPIError as exc:
            if attempt == switch_attempts or not _is_lock_conflict(exc):
                raise
            log.warning("rebuild_switch_retry", attempt=attempt, error=str(exc)[:300])
            await asyncio.sleep(0.5 * attempt)


def main(settings: Settings) -> None:
    report = asyncio.run(rebuild(settings))
    skipped = sum(report.skipped.values())
    rate = report.events_replayed / report.replay_seconds if report.replay_seconds else 0.0
    print(
        f"reporting: rebuilt from {report.events_replayed} events "
        f"({skipped} skipped as the live consumer dead-lettered them); switched over; "
        f"replayed in {report.replay_seconds:.1f} s ({rate:.0f} events/s, "
        f"{report.replay_cpu_seconds:.1f} s of CPU)"
    )
