"""Consumer lag as the broker sees it: per partition, the high-water mark minus the group's
committed offset, measured on a timer.

A consumer that measures its own lag after each record stops measuring exactly when it stalls;
the broker's numbers go on. So every service asks the broker every ``interval`` seconds for its
consumer group's committed offsets and its topics' end offsets, and sets ``consumer_lag`` (a
partition the group never committed counts from the log's start). A stalled consumer shows lag
rising while events keep arriving.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.logging import get_logger
from sosenki_platform.metrics import CONSUMER_LAG

log = get_logger(__name__)


class LagMonitor:
    def __init__(
        self,
        bootstrap_servers: str,
        security: KafkaSecurity,
        group: str,
        topics: Sequence[str],
        service_name: str,
        *,
        interval: float = 15.0,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._security = security
        self._group = group
        self._topics = list(topics)
        self._service = service_name
        self._interval = interval
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._topics and self._interval > 0:
            self._task = asyncio.create_task(self._run(), name=f"{self._service}-consumer-lag")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._close()

    async def _run(self) -> None:
        while True:
            try:
                await self.measure()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker away: the gauges keep their last values
                log.warning("consumer_lag_unmeasured", error=repr(exc)[:300])
                await self._close()
            await asyncio.sleep(self._interval)

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            options = self._security.client_options()
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._bootstrap, request_timeout_ms=10_000, **options
            )
            # No group: it only asks for offsets, it never joins or commits.
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap,
                group_id=None,
                enable_auto_commit=False,
                request_timeout_ms=10_000,
                client_id=f"{self._service}-lag-monitor",
                **options,
            )
            try:
                await admin.start()
                await consumer.start()
            except Exception:
                with contextlib.suppress(Exception):
                    await consumer.stop()
                with contextlib.suppress(Exception):
                    await admin.close()
                raise
            self._admin, self._consumer = admin, consumer
        return self._admin, self._consumer

    async def _close(self) -> None:
        admin, consumer, self._admin, self._consumer = self._admin, self._consumer, None, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()

    async def measure(self) -> dict[TopicPartition, int]:
        """Ask the broker once; set and return the lag of every partition of the topics."""
        admin, consumer = await self._clients()
        described = await admin.describe_topics(self._topics)
        partitions = sorted(
            TopicPartition(topic["topic"], p["partition"])
            for topic in described
            if topic.get("error_code", 0) == 0
            for p in topic["partitions"]
        )
        if not partitions:
            return {}
        committed = await admin.list_consumer_group_offsets(self._group, partitions=partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        lags: dict[TopicPartition, int] = {}
        for tp in partitions:
            at = committed.get(tp)
            position = at.offset if at is not None and at.offset >= 0 else starts[tp]
            lags[tp] = max(ends[tp] - position, 0)
            CONSUMER_LAG.labels(self._service, tp.topic, str(tp.partition)).set(lags[tp])
        return lags
