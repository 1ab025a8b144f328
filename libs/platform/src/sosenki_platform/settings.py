"""Settings from environment variables (prefix ``SOSENKI_``) with working local defaults.

The defaults match the local stack that ``deploy/local`` starts, so a service runs on a developer
machine with no configuration at all.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sosenki_platform.kafka_security import KafkaSecurity

#: HTTP port of each service in the local stack (and in docker-compose).
DEFAULT_PORTS: dict[str, int] = {
    "ledger": 8001,
    "splits": 8002,
    "recurring": 8003,
    "bot-gateway": 8004,
    "reporting": 8005,
}

LOCAL_PG_PORT = 54329
LOCAL_KAFKA_BOOTSTRAP = "127.0.0.1:9092"


def default_database_url(service_name: str) -> str:
    db = service_name.replace("-", "_")
    return f"postgresql+asyncpg://sosenki:sosenki@127.0.0.1:{LOCAL_PG_PORT}/{db}"


class ServiceSettings(BaseSettings):
    """Everything a service reads from its environment. Subclass per service to add more."""

    model_config = SettingsConfigDict(env_prefix="SOSENKI_", extra="ignore")

    service_name: str = "service"
    database_url: str = ""
    kafka_bootstrap_servers: str = LOCAL_KAFKA_BOOTSTRAP
    # Kafka authentication (see sosenki_platform.kafka_security): each service has its own user.
    kafka_security_protocol: str = ""
    kafka_sasl_mechanism: str = "SCRAM-SHA-256"
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = ""
    topic_prefix: str = ""
    # Partitions of the topics a service creates when they are missing (consumers scale by them).
    topic_partitions: int = 6
    consumer_group: str = ""
    http_host: str = "127.0.0.1"
    http_port: int = 0
    log_level: str = "INFO"
    log_json: bool = True
    # Authentication: Ed25519 public keys to verify bearer tokens, as PEM text (several blocks
    # for a key rotation) or files (several paths separated by commas); a token's `kid` picks one.
    auth_public_key: str = ""
    auth_public_key_file: str = ".local/keys/jwt-ed25519.pub.pem"
    auth_issuer: str = "sosenki"
    # Clock difference forgiven on a token's expiry and issue time.
    auth_leeway_seconds: float = 30.0
    # Per-user limit on REST writes (POST/PUT/PATCH/DELETE): a token bucket per token subject,
    # refilled at `rate` per second up to `burst`; 0 turns it off. In memory, per process.
    write_rate_per_second: float = 10.0
    write_burst: int = 100
    # A token this service presents when it calls another service's REST API.
    service_token: str = ""
    # Outbox relay and consumers.
    # Rows per relay transaction: a backlog (a scheduler's burst) drains at Kafka's pace.
    relay_batch_size: int = 1000
    relay_poll_interval_seconds: float = 0.2
    # The relay's producer batches up to this many bytes per partition; keep it below the
    # topics' max.message.bytes (1 MB by default), or a refused batch parks its small rows too.
    relay_max_batch_bytes: int = 256 * 1024
    # A message whose handler fails deterministically is dead-lettered after this many attempts;
    # transient failures (database or service away, deadlocks) are retried without limit.
    consumer_max_attempts: int = 5
    # Backoff between attempts: doubles from the first delay up to the cap.
    consumer_retry_backoff_seconds: float = 0.1
    consumer_max_backoff_seconds: float = 30.0
    # Event consumers apply up to this many records per transaction and commit their offsets once
    # per batch (1: one record at a time). Commands are always one at a time.
    consumer_batch_max_records: int = 500
    # aiokafka leaves the group when a handler runs longer than this (client-side only; the broker
    # never sees it, rebalances use the session timeout). A consumer waiting out a database outage
    # sits in one handler, so this is a day rather than aiokafka's five minutes; past it the
    # consumer rejoins and re-reads the uncommitted message (applied once thanks to the inbox).
    consumer_max_poll_interval_seconds: float = 86400.0
    # How often the service asks the broker for its group's lag (``consumer_lag``); 0: never.
    consumer_lag_interval_seconds: float = 15.0
    # Topics this service creates when they are missing: 1 on a single local broker; 3 and 2 in a
    # cluster (deploy/k8s), so that a write acknowledged with acks=all survives a broker loss.
    # How long start-up waits for Kafka before serving REST anyway (consumers join when it is up).
    kafka_startup_wait_seconds: float = 30.0
    kafka_replication_factor: int = 1
    kafka_min_insync_replicas: int = 1
    # Upkeep (maintenance.py): retention of the platform tables and the operator gauges.
    maintenance_interval_seconds: float = 60.0
    retention_outbox_days: float = 7.0
    retention_idempotency_key_hours: float = 48.0
    retention_inbox_days: float = 30.0
    max_request_body_bytes: int = 1024 * 1024
    # OpenTelemetry: export spans to this OTLP/HTTP endpoint when set.
    otlp_endpoint: str = ""
    #: Share of new traces recorded (1 = all). Traces started elsewhere follow their parent's
    #: decision; an unrecorded trace still carries its ``traceparent`` through the outbox.
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)

    def model_post_init(self, __context: object) -> None:
        if not self.database_url:
            self.database_url = default_database_url(self.service_name)
        if not self.http_port:
            self.http_port = DEFAULT_PORTS.get(self.service_name, 8000)
        if not self.consumer_group:
            # Prefixed like the topics, so test runs sharing a broker never share a group.
            self.consumer_group = f"{self.topic_prefix}{self.service_name}"

    @property
    def kafka_security(self) -> KafkaSecurity:
        return KafkaSecurity.create(
            self.kafka_security_protocol,
            self.kafka_sasl_mechanism,
            self.kafka_sasl_username,
            self.kafka_sasl_password,
        )

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}" if self.topic_prefix else name
