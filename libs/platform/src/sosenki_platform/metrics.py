"""Prometheus metrics shared by every service (names match deploy/grafana dashboards)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)
OUTBOX_PENDING = Gauge("outbox_pending_events", "Events waiting in the outbox", ["service"])
#: A timestamp, not an age: it keeps its value when the relay stops, so ``time() - it`` keeps
#: growing in Prometheus exactly when the relay is stuck (0 when nothing waits).
OUTBOX_OLDEST_PENDING = Gauge(
    "outbox_oldest_pending_timestamp_seconds",
    "When the oldest event still waiting in the outbox (not parked) was written (unix time)",
    ["service"],
)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Events published by the relay", ["service"])
OUTBOX_PARKED = Counter(
    "sosenki_outbox_parked_total",
    "Outbox rows the broker refused for good, set aside with their reason",
    ["service"],
)
OUTBOX_PARKED_ROWS = Gauge(
    "sosenki_outbox_parked_rows",
    "Outbox rows parked and not yet re-queued or discarded by an operator",
    ["service"],
)
OUTBOX_FAILURES = Counter("outbox_publish_failures_total", "Failed relay batches", ["service"])
CONSUMER_EVENTS = Counter(
    "consumer_events_total",
    "Messages handled by consumers, by outcome (applied, duplicate, dead_lettered)",
    ["service", "topic", "outcome"],
)
CONSUMER_LAG = Gauge("consumer_lag", "Messages not yet consumed", ["service", "topic", "partition"])
CONSUMER_LAST_APPLIED = Gauge(
    "consumer_last_applied_timestamp_seconds",
    "When the last event of a topic was applied (unix time)",
    ["service", "topic"],
)
CONSUMER_TRANSIENT_RETRIES = Counter(
    "sosenki_consumer_transient_retries_total",
    "Attempts to apply a message that failed for a transient reason (database or service away)",
    ["service", "topic"],
)
CONSUMER_STALLED = Gauge(
    "sosenki_consumer_stalled_partitions",
    "Partitions whose position is held by a transient failure right now",
    ["service", "topic"],
)
DEAD_LETTERS_WAITING = Gauge(
    "sosenki_dead_letters_waiting",
    "Dead letters of this service not yet re-driven, per dead-letter topic",
    ["service", "topic"],
)
RETENTION_DELETED = Counter(
    "sosenki_retention_deleted_rows_total",
    "Rows removed by the retention jobs, per job",
    ["service", "job"],
)


def zero_series(service: str, consumed_topics: list[str]) -> None:
    """Create a service's counters at 0, so that a rate of failures reads 0 rather than "no
    data" until the first failure (dashboards and alerts then see the series from the start)."""
    for counter in (OUTBOX_PUBLISHED, OUTBOX_FAILURES, OUTBOX_PARKED):
        counter.labels(service)
    for topic in consumed_topics:
        for outcome in ("applied", "duplicate", "dead_lettered"):
            CONSUMER_EVENTS.labels(service, topic, outcome)
        CONSUMER_TRANSIENT_RETRIES.labels(service, topic)
        CONSUMER_STALLED.labels(service, topic)
