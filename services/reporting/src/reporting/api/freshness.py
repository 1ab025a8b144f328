"""How fresh the read models are: per event topic, when reporting last applied an event and how
many messages are still waiting (consumer lag)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sosenki_contracts import topics
from sosenki_platform.metrics import CONSUMER_LAG, CONSUMER_LAST_APPLIED
from sosenki_platform.requests import runtime_of
from sosenki_platform.service import Runtime
from sqlalchemy import func, select

from reporting.adapters.tables import platform

router = APIRouter(prefix="/api/reporting", tags=["operations"])


class TopicFreshness(BaseModel):
    topic: str
    events_applied: int
    last_applied_at: datetime | None
    seconds_since_last_applied: float | None
    lag: int | None = Field(
        description="Messages not yet consumed, over all partitions (None until this process "
        "has read the topic)"
    )


class Freshness(BaseModel):
    topics: list[TopicFreshness]


async def last_applied(runtime: Runtime) -> dict[str, tuple[int, datetime]]:
    """(events applied, when the last one was) per (prefixed) topic, from the inbox: it survives
    restarts and counts every replica's work."""
    inbox = platform.inbox
    async with runtime.db.session() as session:
        rows = (
            await session.execute(
                select(inbox.c.topic, func.count(), func.max(inbox.c.processed_at)).group_by(
                    inbox.c.topic
                )
            )
        ).all()
    return {topic: (count, moment) for topic, count, moment in rows}


def consumer_lag(service: str, topic: str) -> int | None:
    total: float | None = None
    for metric in CONSUMER_LAG.collect():
        for sample in metric.samples:
            if sample.labels.get("service") == service and sample.labels.get("topic") == topic:
                total = (total or 0) + sample.value
    return None if total is None else int(total)


async def seed_last_applied_gauge(runtime: Runtime) -> None:
    """After a restart, /metrics shows when events were last applied, not nothing."""
    for topic, (_, moment) in (await last_applied(runtime)).items():
        CONSUMER_LAST_APPLIED.labels(runtime.settings.service_name, topic).set(moment.timestamp())


def last_applied_timestamp(service: str, topic: str) -> float | None:
    for metric in CONSUMER_LAST_APPLIED.collect():
        for sample in metric.samples:
            if sample.labels.get("service") == service and sample.labels.get("topic") == topic:
                return float(sample.value)
    return None


def readiness_check(runtime: Runtime) -> Callable[[], Awaitable[object]]:
    """Freshness in /health/ready: per topic, seconds since an event was last applied and the
    consumer lag. From this process's gauges (cheap for a probe); never makes it unready."""

    async def check() -> dict[str, dict[str, float | int | None]]:
        service, now = runtime.settings.service_name, datetime.now(UTC).timestamp()
        result: dict[str, dict[str, float | int | None]] = {}
        for name in topics.EVENT_TOPICS:
            real = runtime.settings.topic(name)
            last = last_applied_timestamp(service, real)
            result[name] = {
                "seconds_since_last_applied": None if last is None else round(now - last, 3),
                "lag": consumer_lag(service, real),
            }
        return result

    return check


@router.get("/freshness", response_model=Freshness)
async def freshness(request: Request) -> Any:
    """How far behind the events each read model is, per topic."""
    runtime = runtime_of(request)
    applied = await last_applied(runtime)
    now = datetime.now(UTC)
    result = []
    for name in topics.EVENT_TOPICS:
        real = runtime.settings.topic(name)
        count, moment = applied.get(real, (0, None))
        result.append(
            TopicFreshness(
                topic=name,
                events_applied=count,
                last_applied_at=moment,
                seconds_since_last_applied=None
                if moment is None
                else round((now - moment).total_seconds(), 3),
                lag=consumer_lag(runtime.settings.service_name, real),
            )
        )
    return Freshness(topics=result)
