"""What an operator sees of the outgoing queue (``/metrics``; the README's "What an operator
sees"): counters the sender moves as it goes, gauges refreshed from the table now and then."""

from __future__ import annotations

from prometheus_client import Counter, Gauge
from sosenki_platform.db import Database
from sosenki_platform.logging import get_logger
from sqlalchemy import text

log = get_logger(__name__)

SENT = Counter("telegram_outgoing_sent_total", "Messages Telegram accepted", ["service"])
FAILED = Counter(
    "telegram_outgoing_failed_total",
    "Messages given up on, by reason (blocked, chat_not_found, bad_request, too_large, …)",
    ["service", "reason"],
)
RETRIED = Counter(
    "telegram_outgoing_retries_total",
    "Attempts that failed for a passing reason and will be repeated",
    ["service", "reason"],
)
PENDING = Gauge("telegram_outgoing_pending", "Messages waiting to be sent", ["service"])
OLDEST_PENDING = Gauge(
    "telegram_outgoing_oldest_pending_seconds",
    "Age of the oldest message waiting to be sent (0 when none waits)",
    ["service"],
)
FAILED_KEPT = Gauge(
    "telegram_outgoing_failed_kept", "Failed messages kept in the queue (until pruned)", ["service"]
)


async def refresh(db: Database, service: str) -> None:
    """The gauges, from the queue as it is now (a failure only logs: metrics never stop sending)."""
    try:
        async with db.session() as session:
            row = (
                await session.execute(
                    text(
                        "SELECT count(*) AS pending, coalesce(extract(epoch FROM"
                        " clock_timestamp() - min(created_at)), 0) AS oldest"
                        " FROM outgoing_messages WHERE sent_at IS NULL AND failed_at IS NULL"
                    )
                )
            ).one()
            failed = await session.scalar(
                text("SELECT count(*) FROM outgoing_messages WHERE failed_at IS NOT NULL")
            )
    except Exception as exc:
        log.warning("sender_metrics_failed", error=repr(exc))
        return
    PENDING.labels(service).set(row.pending)
    OLDEST_PENDING.labels(service).set(float(row.oldest))
    FAILED_KEPT.labels(service).set(failed or 0)
