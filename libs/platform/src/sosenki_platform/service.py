"""Assembles a service from the shared parts: one call gives a FastAPI app whose lifespan migrates
the database, starts the Kafka broker with the service's consumers, runs the outbox relay, and
shuts all of it down gracefully (in-flight messages finish, the relay flushes)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from pydantic import BaseModel
from sosenki_contracts.access import BY_SERVICE
from sosenki_contracts.envelope import CommandEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

from sosenki_platform.auth.tokens import Principal, TokenVerifier
from sosenki_platform.consumer import CommandConsumer, EventConsumer, RejectionHandler
from sosenki_platform.consumer_lag import LagMonitor
from sosenki_platform.db import Database
from sosenki_platform.dead_letters import DeadLetters
from sosenki_platform.errors import ServiceError
from sosenki_platform.http import (
    BodySizeLimit,
    ReadinessCheck,
    install_error_handlers,
    install_request_metrics,
    operations_router,
)
from sosenki_platform.idempotency import IdempotencyMiddleware, request_transaction
from sosenki_platform.inbox import Inbox
from sosenki_platform.kafka import create_broker, subscribe
from sosenki_platform.logging import configure_logging, get_logger
from sosenki_platform.maintenance import Maintenance, RetentionJob
from sosenki_platform.metrics import zero_series
from sosenki_platform.migrations import upgrade_async
from sosenki_platform.openapi import install_openapi
from sosenki_platform.outbox import Outbox, OutboxRelay
from sosenki_platform.rate_limit import WriteRateLimit
from sosenki_platform.settings import ServiceSettings
from sosenki_platform.tables import PlatformTables
from sosenki_platform.telemetry import inside_traces_only, setup_tracing, shutdown_tracing
from sosenki_platform.topic_admin import ensure_topics
from sosenki_platform.use_case import envelope_of

log = get_logger(__name__)


@dataclass
class Runtime:
    """What a running service holds: its settings, database, outbox, inbox and consumers."""

    settings: ServiceSettings
    tables: PlatformTables
    migrations_dir: Path
    db: Database = field(init=False)
    outbox: Outbox = field(init=False)
    relay: OutboxRelay = field(init=False)
    inbox: Inbox = field(init=False)
    dead_letters: DeadLetters = field(init=False)
    maintenance: Maintenance = field(init=False)
    event_consumers: list[tuple[EventConsumer, list[str]]] = field(default_factory=list)
    command_consumers: list[tuple[CommandConsumer, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        s = self.settings
        self.db = Database(s.database_url)
        self.outbox = Outbox(self.tables, s.topic)
        self.relay = OutboxRelay(
            self.db,
            self.tables,
            s.kafka_bootstrap_servers,
            s.service_name,
            batch_size=s.relay_batch_size,
            poll_interval=s.relay_poll_interval_seconds,
            max_batch_bytes=s.relay_max_batch_bytes,
            security=s.kafka_security,
        )
        self.inbox = Inbox(self.tables)
        self.dead_letters = DeadLetters(
            s.kafka_bootstrap_servers, s.consumer_group, s.kafka_security
        )
        self.maintenance = Maintenance(s, self.db, self.tables)

    def add_retention_job(self, name: str, job: RetentionJob) -> None:
        """Run ``job`` with the platform's retention jobs (it deletes what it may, returns how
        many rows went)."""
        self.maintenance.jobs[name] = job

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """A write transaction; the relay is nudged once it has committed. Within a request
        with an ``Idempotency-Key`` it is a savepoint of the request's transaction, which commits
        together with the stored response (see idempotency.py)."""
        async with request_transaction() as shared:
            if shared is not None:
                yield shared
                return
        async with self.db.transaction() as session:
            yield session
        self.relay.notify()

    def _retry_settings(self) -> dict[str, Any]:
        s = self.settings
        return {
            "max_attempts": s.consumer_max_attempts,
            "retry_backoff": s.consumer_retry_backoff_seconds,
            "max_backoff": s.consumer_max_backoff_seconds,
        }

    def all_consumers(self) -> list[EventConsumer | CommandConsumer]:
        return [c for c, _ in self.event_consumers] + [c for c, _ in self.command_consumers]

    def stalled_partitions(self) -> list[dict[str, object]]:
        """Partitions held by a transient failure right now (for readiness and operators)."""
        now = time.time()
        return [
            {
                "topic": stall.topic,
                "partition": stall.partition,
                "offset": stall.offset,
                "waiting_seconds": round(now - stall.since, 1),
                "attempts": stall.attempts,
                "error": stall.error,
            }
            for consumer in self.all_consumers()
            for stall in consumer.stalls.values()
        ]

    def consume_events(self, topics: Sequence[str]) -> EventConsumer:
        consumer = EventConsumer(
            self.db,
            self.inbox,
            self.dead_letters,
            self.settings.service_name,
            **self._retry_settings(),
            topic_prefix=self.settings.topic_prefix,
        )
        self.event_consumers.append((consumer, [self.settings.topic(t) for t in topics]))
        return consumer

    def consume_commands(self, topic: str, on_rejected: RejectionHandler) -> CommandConsumer:
        consumer = CommandConsumer(
            self.db,
            self.inbox,
            self.dead_letters,
            self.settings.service_name,
            on_rejected=on_rejected,
            **self._retry_settings(),
            topic_prefix=self.settings.topic_prefix,
        )
        self.command_consumers.append((consumer, [self.settings.topic(topic)]))
        return consumer

    def rejection_publisher(self, events_topic: str, rejected: type[BaseModel]) -> RejectionHandler:
        """A rejection handler that appends the context's ``command_rejected`` event (the
        contract's model, e.g. ``events.ledger.CommandRejected``) to the outbox."""

        async def on_rejected(
            session: AsyncSession, command: CommandEnvelope, error: ServiceError
        ) -> None:
            event = envelope_of(
                rejected.model_validate(
                    {
                        "command_id": command.command_id,
                        "command_type": command.command_type,
                        "status_code": error.status_code,
                        "detail": error.detail,
                        "code": error.code,
                    }
                ),
                command.command_id,
                producer=self.settings.service_name,
                actor=command.actor,
                correlation_id=command.correlation_id,
                causation_id=command.command_id,
            )
            await self.outbox.append(session, events_topic, event)

        return on_rejected


def create_service_app(
    runtime: Runtime,
    *,
    title: str,
    routers: Sequence[APIRouter],
    description: str = "",
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    extra_readiness: Mapping[str, ReadinessCheck] | None = None,
) -> FastAPI:
    """``on_startup`` hooks run once the broker and relay run (start background loops there);
    ``on_shutdown`` hooks run first on the way down (stop them there); ``extra_readiness`` adds
    named checks to ``/health/ready``."""
    settings = runtime.settings
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    provider = setup_tracing(
        settings.service_name, settings.otlp_endpoint, settings.trace_sample_ratio
    )
    broker = create_broker(
        settings.kafka_bootstrap_servers, settings.service_name, provider, settings.kafka_security
    )
    group = settings.consumer_group
    poll_interval = settings.consumer_max_poll_interval_seconds
    for event_consumer, topics in runtime.event_consumers:
        subscribe(
            broker,
            event_consumer,
            topics,
            group,
            settings.service_name,
            max_poll_interval_seconds=poll_interval,
            batch_max_records=settings.consumer_batch_max_records,
        )
    for command_consumer, topics in runtime.command_consumers:
        subscribe(
            broker,
            command_consumer,
            topics,
            group,
            settings.service_name,
            max_poll_interval_seconds=poll_interval,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await upgrade_async(runtime.migrations_dir, settings.database_url)

        async def connect_kafka() -> None:
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                _topics_of(settings.service_name),
                prefix=settings.topic_prefix,
                partitions=settings.topic_partitions,
                replication_factor=settings.kafka_replication_factor,
                min_insync_replicas=settings.kafka_min_insync_replicas,
                security=settings.kafka_security,
                timeout_ms=10_000,
            )
            await broker.start()

        # Kafka away at start-up does not keep the REST API down (the outbox holds the writes):
        # after a short wait the service starts serving and its consumers join once Kafka is back.
        kafka = asyncio.create_task(
            _until_done(connect_kafka, broker.stop, "kafka"), name="kafka-connect"
        )
        await asyncio.wait({kafka}, timeout=settings.kafka_startup_wait_seconds)
        runtime.relay.start()
        consumers = (*runtime.event_consumers, *runtime.command_consumers)
        consumed = [topic for _, topics in consumers for topic in topics]
        zero_series(settings.service_name, consumed)
        lag = LagMonitor(
            settings.kafka_bootstrap_servers,
            settings.kafka_security,
            group,
            consumed,
            settings.service_name,
            interval=settings.consumer_lag_interval_seconds,
        )
        lag.start()
        runtime.maintenance.start()
        for hook in on_startup:
            await hook()
        log.info("service_started", port=settings.http_port)
        try:
            yield
        finally:
            log.info("service_stopping")
            for stop in on_shutdown:
                await stop()
            if not kafka.done():
                kafka.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await kafka
            for consumer in runtime.all_consumers():
                consumer.stop()  # a message waiting on an outage is read again after restart
            await runtime.maintenance.stop()
            await lag.stop()
            await broker.stop()  # waits for in-flight handlers (graceful_timeout)
            await runtime.relay.stop()
            await runtime.dead_letters.close()
            await runtime.db.dispose()
            shutdown_tracing()
            log.info("service_stopped")

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.runtime = runtime
    app.state.token_verifier = _LazyVerifier(settings)
    install_error_handlers(app)
    install_openapi(app)
    install_request_metrics(app, settings.service_name)
    # Outermost last: the size limit guards everything, including the idempotency buffer.
    app.add_middleware(
        IdempotencyMiddleware, db=runtime.db, tables=runtime.tables, on_commit=runtime.relay.notify
    )
    app.add_middleware(
        WriteRateLimit, rate_per_second=settings.write_rate_per_second, burst=settings.write_burst
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)

    async def kafka_state() -> str:
        return "ok" if await broker.ping(timeout=2.0) else "unreachable"

    async def consumers_state() -> object:
        stalled = runtime.stalled_partitions()
        return {"stalled_partitions": stalled} if stalled else "ok"

    # Readiness is "this service can serve": its own database. Kafka and the consumers are shown
    # but never take the REST API out of its load balancer (the outbox lets writes go on).
    checks: dict[str, ReadinessCheck] = {"database": runtime.db.ping}
    checks.update(extra_readiness or {})
    details: dict[str, ReadinessCheck] = {"kafka": kafka_state, "consumers": consumers_state}
    app.include_router(operations_router(checks, details))
    for router in routers:
        app.include_router(router)
    # No spans of their own for each ASGI receive and send: three spans per request said
    # nothing the request's span does not, and cost a share of every write.
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="health/live,health/ready,metrics",
        exclude_spans=["receive", "send"],
    )
    # Statements of background polls (relay, schedulers, sender, upkeep) are no trace of their own.
    SQLAlchemyInstrumentor().instrument(
        engine=runtime.db.engine.sync_engine, tracer_provider=inside_traces_only(provider)
    )
    return app


def _topics_of(service: str) -> tuple[str, ...] | None:
    """The topics a service touches (it may see and create no others); all for a service
    outside the access table (tests' own services)."""
    row = BY_SERVICE.get(service)
    return row.topics if row is not None else None


class _LazyVerifier:
    """Reads the public key on first use, so a service starts before the key is configured."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._verifier: TokenVerifier | None = None

    def verify(self, token: str) -> Principal:
        if self._verifier is None:
            s = self._settings
            self._verifier = TokenVerifier.from_settings(
                s.auth_public_key, s.auth_public_key_file, s.auth_issuer, s.auth_leeway_seconds
            )
        return self._verifier.verify(token)


async def _until_done(
    action: Callable[[], Awaitable[Any]],
    undo: Callable[[], Awaitable[Any]],
    what: str,
    max_delay: float = 30.0,
) -> None:
    """Retry ``action`` until it succeeds (``undo`` cleans up a half-done attempt)."""
    delay = 1.0
    attempt = 0
    while True:
        attempt += 1
        try:
            await action()
            if attempt > 1:
                log.info("startup_dependency_connected", what=what, attempts=attempt)
            return
        except Exception as exc:
            log.warning("startup_retry", what=what, attempt=attempt, error=repr(exc)[:300])
            with contextlib.suppress(Exception):
                await undo()
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
