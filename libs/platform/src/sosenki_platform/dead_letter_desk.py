"""The operator's desk for dead letters: list, show and re-drive what a service dead-lettered.

Every consumer group writes its dead letters to ``<source topic>.dlq`` with its own group in the
``x-dlq-consumer-group`` header (several services read ``ledger.events.v1``, so they share its
dead-letter topic). A service's desk sees only its own group's letters.

Where the desk stands is kept in Kafka, as a consumer group of its own (``<group>.dead-letters``):
its committed offset per dead-letter partition is the first letter still waiting there. A letter
re-driven out of order (``--offset``) while an earlier one still waits is remembered in the
commit's metadata (a short JSON list of offsets), so nothing is shown or re-driven twice.

Re-driving republishes the letter's original key, value and headers to its source topic (the
``x-dlq-*`` headers are dropped, ``x-redriven-from`` says where it came from, and
``x-redriven-for-group`` names the group that dead-lettered it: other groups reading the source
topic pass the copy by, so a re-drive never reaches a group whose inbox may have been pruned).
The value is the same envelope, so the ``event_id``/``command_id`` is the same and the inbox
applies it at most once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata
from sosenki_contracts.topics import ALL_TOPICS, DEAD_LETTER_SUFFIX, with_prefix

from sosenki_platform.kafka_clients import client_kwargs
from sosenki_platform.kafka_security import KafkaSecurity
from sosenki_platform.logging import get_logger

log = get_logger(__name__)

DESK_GROUP_SUFFIX = ".dead-letters"
#: Header of a re-driven copy: the consumer group it is meant for; other groups pass it by.
REDRIVEN_FOR_GROUP = "x-redriven-for-group"


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8", "replace") if value is not None else ""
        return ""

    @property
    def reason(self) -> str:
        return self.header("x-dlq-reason")

    @property
    def error(self) -> str:
        return self.header("x-dlq-error")

    @property
    def group(self) -> str:
        return self.header("x-dlq-consumer-group")

    @property
    def source(self) -> tuple[str, int, int]:
        return (
            self.header("x-dlq-source-topic"),
            int(self.header("x-dlq-source-partition") or -1),
            int(self.header("x-dlq-source-offset") or -1),
        )

    @property
    def message_type(self) -> str:
        try:
            body = json.loads(self.value or b"")
        except ValueError:
            return "(undecodable)"
        if not isinstance(body, dict):
            return "(not an envelope)"
        return str(body.get("event_type") or body.get("command_type") or "(no type)")

    @property
    def message_id(self) -> str:
        try:
            body = json.loads(self.value or b"")
        except ValueError:
            return ""
        if not isinstance(body, dict):
            return ""
        return str(body.get("event_id") or body.get("command_id") or "")


@dataclass
class _Position:
    committed: int  # first offset not yet settled (all below are redriven or not ours)
    redriven: set[int] = field(default_factory=set)  # settled offsets at or above it
    end: int = 0  # the partition's end offset when it was read


def dead_letter_topics(prefix: str) -> list[str]:
    return [with_prefix(prefix, t) for t in ALL_TOPICS if t.endswith(DEAD_LETTER_SUFFIX)]


class DeadLetterDesk:
    def __init__(
        self,
        bootstrap_servers: str,
        consumer_group: str,
        topics: Iterable[str],
        security: KafkaSecurity | None = None,
    ) -> None:
        self._bootstrap = bootstrap_servers
        self._security = security
        self._group = consumer_group
        self._desk_group = consumer_group + DESK_GROUP_SUFFIX
        self._topics = list(topics)

    async def waiting(self, topic: str | None = None) -> list[DeadLetter]:
        """This group's letters not yet re-driven, oldest first per partition."""
        letters, _ = await self._scan(topic)
        return letters

    async def counts(self) -> dict[str, int]:
        """Letters waiting per dead-letter topic (for the gauge)."""
        letters, _ = await self._scan(None)
        counts = dict.fromkeys(self._topics, 0)
        for letter in letters:
            counts[letter.topic] += 1
        return counts

    async def redrive(self, letters: list[DeadLetter]) -> list[DeadLetter]:
        """Republish ``letters`` to their source topics, then move the desk's position past
        them. Returns what was re-driven."""
        if not letters:
            return []
        producer = AIOKafkaProducer(
            **client_kwargs(self._bootstrap, self._security),
            acks="all",
            enable_idempotence=True,
            client_id=f"{self._desk_group}-redrive",
        )
        await producer.start()
        try:
            for letter in letters:
                source_topic, _, _ = letter.source
                headers = [
                    (k, v) for k, v in letter.headers if not k.startswith(("x-dlq-", "x-redriven-"))
                ]
                origin = f"{letter.topic}/{letter.partition}/{letter.offset}"
                headers.append(("x-redriven-from", origin.encode()))
                # Only the group that dead-lettered it takes it up again (consumer.py).
                headers.append((REDRIVEN_FOR_GROUP, letter.group.encode()))
                await producer.send_and_wait(
                    source_topic, value=letter.value, key=letter.key, headers=headers
                )
                log.info(
                    "dead_letter_redriven",
                    topic=letter.topic,
                    partition=letter.partition,
                    offset=letter.offset,
                    to=source_topic,
                    message_id=letter.message_id,
                )
        finally:
            await producer.stop()
        await self._settle(letters)
        return letters

    async def _settle(self, done: list[DeadLetter]) -> None:
        touched = {(d.topic, d.partition) for d in done}
        for topic in {t for t, _ in touched}:
            letters, positions = await self._scan(topic)
            done_here = {(d.partition, d.offset) for d in done if d.topic == topic}
            commits: dict[TopicPartition, OffsetAndMetadata] = {}
            for (t, partition), position in positions.items():
                if (t, partition) not in touched:
                    continue
                still = sorted(
                    letter.offset
                    for letter in letters
                    if letter.partition == partition and (partition, letter.offset) not in done_here
                )
                redriven = position.redriven | {o for p, o in done_here if p == partition}
                if still:  # stop at the first letter still waiting; remember those done beyond
                    end = still[0]
                    redriven = {o for o in redriven if o >= end}
                else:  # nothing of ours waits here: past everything read
                    end = max(position.committed, position.end)
                    redriven = set()
                metadata = json.dumps(sorted(redriven)) if redriven else ""
                commits[TopicPartition(t, partition)] = OffsetAndMetadata(end, metadata)
            await self._commit(commits)

    async def _commit(self, commits: dict[TopicPartition, OffsetAndMetadata]) -> None:
        consumer = AIOKafkaConsumer(
            **client_kwargs(self._bootstrap, self._security),
            group_id=self._desk_group,
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            consumer.assign(list(commits))
            await consumer.commit(commits)
        finally:
            await consumer.stop()

    async def _positions(
        self, topics: list[str]
    ) -> tuple[list[TopicPartition], dict[tuple[str, int], _Position]]:
        """The partitions of ``topics`` (those that exist) and where the desk stands in each."""
        admin = AIOKafkaAdminClient(**client_kwargs(self._bootstrap, self._security))
        await admin.start()
        try:
            described = await admin.describe_topics(topics)
            partitions = [
                TopicPartition(str(entry["topic"]), int(p["partition"]))
                for entry in described
                if not entry.get("error_code")
                for p in entry.get("partitions", ())
            ]
            if not partitions:
                return [], {}
            committed = await admin.list_consumer_group_offsets(
                self._desk_group, partitions=partitions
            )
        finally:
            await admin.close()
        positions: dict[tuple[str, int], _Position] = {}
        for tp in partitions:
            entry = committed.get(tp)
            if entry is None or entry.offset < 0:
                positions[(tp.topic, tp.partition)] = _Position(0)
                continue
            redriven: set[int] = set()
            if entry.metadata:
                try:
                    redriven = {int(o) for o in json.loads(entry.metadata)}
                except (ValueError, TypeError):
                    redriven = set()
            positions[(tp.topic, tp.partition)] = _Position(entry.offset, redriven)
        return sorted(partitions), positions

    async def _scan(
        self, topic: str | None
    ) -> tuple[list[DeadLetter], dict[tuple[str, int], _Position]]:
        topics = [topic] if topic is not None else self._topics
        partitions, positions = await self._positions(topics)
        if not partitions:
            return [], {}
        consumer = AIOKafkaConsumer(
            **client_kwargs(self._bootstrap, self._security), enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            ends = await consumer.end_offsets(partitions)
            starts = await consumer.beginning_offsets(partitions)
            letters: list[DeadLetter] = []
            remaining: set[TopicPartition] = set()
            for tp in partitions:
                position = positions[(tp.topic, tp.partition)]
                position.end = ends[tp]
                start = max(position.committed, starts[tp])
                if start < ends[tp]:
                    consumer.seek(tp, start)
                    remaining.add(tp)
            while remaining:
                batch = await consumer.getmany(*remaining, timeout_ms=2000)
                if not batch:
                    break
                for tp, records in batch.items():
                    position = positions[(tp.topic, tp.partition)]
                    for record in records:
                        if record.offset >= ends[tp]:
                            break
                        letter = DeadLetter(
                            topic=record.topic,
                            partition=record.partition,
                            offset=record.offset,
                            timestamp_ms=record.timestamp,
                            key=record.key,
                            value=record.value,
                            headers=tuple(record.headers or ()),
                        )
                        if letter.group == self._group and letter.offset not in position.redriven:
                            letters.append(letter)
                    if not records or records[-1].offset + 1 >= ends[tp]:
                        remaining.discard(tp)
            letters.sort(key=lambda d: (d.topic, d.partition, d.offset))
            return letters, positions
        finally:
            await consumer.stop()
