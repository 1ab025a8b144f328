"""Periodic upkeep every service runs: retention of the platform tables and the operator gauges.

Retention (ages are settings, see ``ServiceSettings.retention_*``):

- **outbox**: rows published longer ago than ``retention_outbox_days`` (parked rows stay until an
  operator re-queues or discards them);
- **idempotency keys**: older than ``retention_idempotency_key_hours`` (a client retrying later
  than that is a new request);
- **inbox**: a row goes only when no redelivery can reach it any more: it is older than
  ``retention_inbox_days`` *and* its offset is below the consumer group's committed offset for
  its partition (Kafka will not hand that record to this group again). Redeliveries from elsewhere
  are covered too: the relay republishes an unmarked row within minutes (far inside the age), and
  a re-driven dead letter is addressed to the one group that dead-lettered it, which never applied
  it (see ``consumer.py``). When Kafka cannot be asked, the inbox is left alone.
- hooks a service registers (``Runtime.add_retention_job``), e.g. the gateway's sent messages.

Gauges: dead letters waiting per dead-letter topic (``sosenki_dead_letters_waiting``) and parked
outbox rows (``sosenki_outbox_parked_rows``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiokafka.admin import AIOKafkaAdminClient
from sosenki_contracts.access import BY_SERVICE
from sqlalchemy import and_, delete, func, or_, select

from sosenki_platform.db import Database
from sosenki_platform.dead_letter_desk import DeadLetterDesk, dead_letter_topics
from sosenki_platform.kafka_clients import client_kwargs
from sosenki_platform.logging import get_logger
from sosenki_platform.metrics import DEAD_LETTERS_WAITING, OUTBOX_PARKED_ROWS, RETENTION_DELETED
from sosenki_platform.settings import ServiceSettings
from sosenki_platform.tables import PlatformTables

log = get_logger(__name__)

#: A job deletes what it may and returns how many rows went.
RetentionJob = Callable[[], Awaitable[int]]


class Maintenance:
    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        tables: PlatformTables,
        jobs: dict[str, RetentionJob] | None = None,
    ) -> None:
        self._settings = settings
        self._db = db
        self._tables = tables
        self.jobs: dict[str, RetentionJob] = dict(jobs or {})
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="platform-maintenance")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            await self.run_once()
            try:
                await asyncio.wait_for(
                    self._stopping.wait(), timeout=self._settings.maintenance_interval_seconds
                )
            except TimeoutError:
                pass

    async def run_once(self) -> dict[str, int]:
        """One round: every job and gauge, each on its own (one failing does not stop others)."""
        done: dict[str, int] = {}
        jobs: dict[str, RetentionJob] = {
            "outbox": self.prune_outbox,
            "idempotency_keys": self.prune_idempotency_keys,
            "inbox": self.prune_inbox,
            **self.jobs,
        }
        for name, job in jobs.items():
            try:
                done[name] = await job()
                RETENTION_DELETED.labels(self._settings.service_name, name).inc(done[name])
            except Exception as exc:
                log.warning("retention_job_failed", job=name, error=repr(exc)[:300])
        for gauge in (self.count_dead_letters, self.count_parked):
            try:
                await gauge()
            except Exception as exc:
                log.debug("maintenance_gauge_failed", error=repr(exc)[:300])
        if any(done.values()):
            log.info("retention_pruned", **done)
        return done

    async def prune_outbox(self) -> int:
        t = self._tables.outbox
        age = timedelta(days=self._settings.retention_outbox_days)
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(t).where(t.c.published_at.is_not(None), t.c.published_at < func.now() - age)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def prune_idempotency_keys(self) -> int:
        t = self._tables.idempotency_keys
        age = timedelta(hours=self._settings.retention_idempotency_key_hours)
        async with self._db.transaction() as session:
            result = await session.execute(delete(t).where(t.c.created_at < func.now() - age))
        return int(getattr(result, "rowcount", 0) or 0)

    async def committed_offsets(self) -> dict[tuple[str, int], int]:
        """The service's consumer group's committed offset per (topic, partition)."""
        admin = AIOKafkaAdminClient(
            **client_kwargs(self._settings.kafka_bootstrap_servers, self._settings.kafka_security),
            request_timeout_ms=10_000,
        )
        await admin.start()
        try:
            offsets = await admin.list_consumer_group_offsets(self._settings.consumer_group)
        finally:
            await admin.close()
        return {(tp.topic, tp.partition): om.offset for tp, om in offsets.items() if om.offset >= 0}

    async def prune_inbox(self) -> int:
        committed = await self.committed_offsets()
        if not committed:
            return 0
        t = self._tables.inbox
        age = timedelta(days=self._settings.retention_inbox_days)
        below_committed = or_(
            *(
                and_(t.c.topic == topic, t.c.partition == partition, t.c.offset < offset)
                for (topic, partition), offset in committed.items()
            )
        )
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(t).where(t.c.processed_at < func.now() - age, below_committed)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def count_dead_letters(self) -> None:
        s = self._settings
        row = BY_SERVICE.get(s.service_name)
        # Under the ACLs a service reads only its own dead-letter topics.
        topics = (
            [s.topic(t) for t in row.dead_letter_topics]
            if row is not None
            else dead_letter_topics(s.topic_prefix)
        )
        desk = DeadLetterDesk(s.kafka_bootstrap_servers, s.consumer_group, topics, s.kafka_security)
        for topic, waiting in (await desk.counts()).items():
            DEAD_LETTERS_WAITING.labels(s.service_name, topic).set(waiting)

    async def count_parked(self) -> None:
        t = self._tables.outbox
        async with self._db.session() as session:
            parked = await session.scalar(
                select(func.count())
                .select_from(t)
                .where(t.c.parked_at.is_not(None), t.c.published_at.is_(None))
            )
        OUTBOX_PARKED_ROWS.labels(self._settings.service_name).set(parked or 0)
