"""A treasurer's questions as Prometheus metrics, read from reporting's read models on a timer.

Every ``interval`` seconds (``SOSENKI_BUSINESS_METRICS_INTERVAL_SECONDS``, default 30; 0 turns
it off) reporting reads its tables once and replaces the whole set of series at once, so a scrape
never sees half of a refresh and a series that no longer applies disappears. Amounts are in the
community's (or group's) currency, a ``currency`` label says which.

Cardinality is bounded, whatever the data grows to:

- the ``MAX_COMMUNITIES`` most recent communities, and of each the ``PERIODS`` latest periods;
- ``sosenki_collection_due_amount`` / ``sosenki_collection_collected_amount`` per community and
  period: what owners were charged (allocated expenses + service charges) and what came in
  (contributions + expenses owners paid personally); their ratio is the collection rate;
- ``sosenki_owner_arrears_amount`` per community, owner and age of the debt (``current``: the
  period has not ended; ``0-30d``, ``31-90d``, ``over-90d`` after its end), for the
  ``TOP_DEBTORS`` owners owing most. A period whose balances were carried forward counts no more
  (its debt is the next period's opening charge);
- ``sosenki_budget_planned_amount`` / ``sosenki_budget_actual_amount`` per community, period and
  category (at most ``MAX_CATEGORIES`` per period, the largest);
- ``sosenki_meter_consumption`` per community, lot (the owner) and meter, in the latest period
  (at most ``MAX_METERS`` per community);
- ``sosenki_group_outstanding_amount``: per group, what its members are owed in all (the sum of
  the positive balances: paid − owed + settlements paid − settlements received), for the
  ``MAX_GROUPS`` groups with most outstanding.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic_settings import BaseSettings, SettingsConfigDict
from sosenki_contracts.meters import Reading, consumption
from sosenki_platform.db import Database
from sosenki_platform.logging import get_logger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t

log = get_logger(__name__)

MAX_COMMUNITIES = 20
PERIODS = 3
TOP_DEBTORS = 20
MAX_CATEGORIES = 20
MAX_METERS = 200
MAX_GROUPS = 50
ZERO = Decimal(0)


class BusinessMetricsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SOSENKI_", extra="ignore")

    business_metrics_interval_seconds: float = 30.0


# name -> (help, label names)
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "sosenki_collection_due_amount": (
        "What owners were charged in a period: allocated expenses and service charges",
        ("community", "period", "period_name", "currency"),
    ),
    "sosenki_collection_collected_amount": (
        "What came in from owners in a period: contributions and expenses they paid personally",
        ("community", "period", "period_name", "currency"),
    ),
    "sosenki_owner_arrears_amount": (
        "What an owner owes, by the age of the debt (the owners owing most)",
        ("community", "owner", "owner_name", "age", "currency"),
    ),
    "sosenki_budget_planned_amount": (
        "Budgeted spending per category in a period",
        ("community", "period", "period_name", "category", "currency"),
    ),
    "sosenki_budget_actual_amount": (
        "Actual spending per category in a period (reversals netted)",
        ("community", "period", "period_name", "category", "currency"),
    ),
    "sosenki_meter_consumption": (
        "What a meter counted in its community's latest period",
        ("community", "lot", "meter", "meter_type", "period"),
    ),
    "sosenki_group_outstanding_amount": (
        "What a group's members are owed in all (sum of positive balances)",
        ("group", "group_name", "currency"),
    ),
}


@dataclass
class Snapshot:
    """One refresh: per family, label values -> value."""

    values: dict[str, dict[tuple[str, ...], float]] = field(
        default_factory=lambda: {name: {} for name in FAMILIES}
    )

    def set(self, family: str, labels: tuple[str, ...], value: Decimal) -> None:
        series = self.values[family]
        series[labels] = series.get(labels, 0.0) + float(value)


class _Exporter(Collector):
    """Yields the latest snapshot (swapped whole by the refresher)."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snapshot = self.snapshot
        for name, (help_text, labels) in FAMILIES.items():
            family = GaugeMetricFamily(name, help_text, labels=list(labels))
            for values, value in snapshot.values[name].items():
                family.add_metric(list(values), value)
            yield family


EXPORTER = _Exporter()
REGISTRY.register(EXPORTER)


def age_of(period_end: date, today: date) -> str:
    """The age bucket of a debt of a period that ended on ``period_end``."""
    if period_end >= today:
        return "current"
    days = (today - period_end).days
    if days <= 30:
        return "0-30d"
    if days <= 90:
        return "31-90d"
    return "over-90d"


async def read_snapshot(session: AsyncSession, today: date) -> Snapshot:
    snap = Snapshot()
    communities = (
        await session.execute(
            select(t.communities.c.community_id, t.communities.c.base_currency)
            .order_by(t.communities.c.community_id.desc())
            .limit(MAX_COMMUNITIES)
        )
    ).all()
    for community in communities:
        await _community(session, snap, community.community_id, community.base_currency, today)
    await _groups(session, snap)
    return snap


async def _community(
    session: AsyncSession, snap: Snapshot, cid: int, currency: str, today: date
) -> None:
    p = t.periods
    periods = (
        await session.execute(
            select(p).where(p.c.community_id == cid).order_by(p.c.start_date, p.c.period_id)
        )
    ).all()
    if not periods:
        return
    by_id = {row.period_id: row for row in periods}
    latest = periods[-PERIODS:]
    c = str(cid)
    b = t.owner_balances
    balances = (await session.execute(select(b).where(b.c.community_id == cid))).all()
    names = {
        row.owner_id: row.display_name
        for row in (await session.execute(select(t.owners).where(t.owners.c.community_id == cid)))
    }
    latest_ids = {row.period_id for row in latest}
    for row in latest:
        for family in ("sosenki_collection_due_amount", "sosenki_collection_collected_amount"):
            snap.set(family, (c, str(row.period_id), row.name, currency), ZERO)
    arrears: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in balances:
        period = by_id.get(line.period_id)
        if period is None:
            continue
        if line.period_id in latest_ids:
            labels = (c, str(period.period_id), period.name, currency)
            snap.set(
                "sosenki_collection_due_amount", labels, line.total_expenses + line.total_charges
            )
            snap.set(
                "sosenki_collection_collected_amount",
                labels,
                line.total_contributions + line.total_paid_expenses,
            )
        balance = (
            line.total_contributions
            + line.total_paid_expenses
            - line.total_expenses
            - line.total_charges
        )
        if balance < 0 and not period.carried_forward:
            arrears[line.owner_id][age_of(period.end_date, today)] += -balance
    debtors = sorted(arrears, key=lambda owner: (-sum(arrears[owner].values()), owner))
    for owner in debtors[:TOP_DEBTORS]:
        for age, amount in arrears[owner].items():
            debt = (c, str(owner), names.get(owner, ""), age, currency)
            snap.set("sosenki_owner_arrears_amount", debt, amount)

    lines = (
        await session.execute(
            select(t.budget_lines).where(t.budget_lines.c.period_id.in_(latest_ids))
        )
    ).all()
    per_period: dict[int, list[Any]] = defaultdict(list)
    for line in lines:
        per_period[line.period_id].append(line)
    for period_id, rows in per_period.items():
        rows.sort(key=lambda r: (-max(r.planned, r.actual), r.category))
        for line in rows[:MAX_CATEGORIES]:
            budget = (c, str(period_id), by_id[period_id].name, line.category, currency)
            snap.set("sosenki_budget_planned_amount", budget, line.planned)
            snap.set("sosenki_budget_actual_amount", budget, line.actual)

    current = periods[-1]
    meters = (
        await session.execute(
            select(t.meters)
            .where(t.meters.c.community_id == cid)
            .order_by(t.meters.c.meter_id)
            .limit(MAX_METERS)
        )
    ).all()
    if meters:
        r = t.meter_readings
        readings: dict[int, list[Reading]] = {m.meter_id: [] for m in meters}
        for row in (await session.execute(select(r).where(r.c.meter_id.in_(list(readings))))).all():
            readings[row.meter_id].append(
                Reading(row.reading_date, Decimal(row.value), row.is_replacement)
            )
        for meter in meters:
            used = consumption(readings[meter.meter_id], current.start_date, current.end_date)
            meter_labels = (c, str(meter.owner_id), str(meter.meter_id), meter.meter_type)
            snap.set("sosenki_meter_consumption", (*meter_labels, str(current.period_id)), used)


async def _groups(session: AsyncSession, snap: Snapshot) -> None:
    b = t.group_balances
    outstanding: dict[int, Decimal] = defaultdict(Decimal)
    for row in (await session.execute(select(b))).all():
        balance = (
            row.total_paid_for_expenses
            - row.total_share_of_expenses
            + row.total_settlements_paid
            - row.total_settlements_received
        )
        outstanding[row.group_id] += max(balance, ZERO)
    groups = {row.group_id: row for row in (await session.execute(select(t.groups))).all()}
    ranked = sorted(outstanding, key=lambda g: (-outstanding[g], g))[:MAX_GROUPS]
    for group_id in ranked:
        group = groups.get(group_id)
        name, currency = (group.name, group.base_currency) if group else ("", "")
        snap.set(
            "sosenki_group_outstanding_amount",
            (str(group_id), name, currency),
            outstanding[group_id],
        )


class BusinessMetrics:
    """The refresher: ``start`` on the service's start-up, ``stop`` on its way down."""

    def __init__(self, db: Database, interval: float | None = None) -> None:
        self._db = db
        self._interval = (
            BusinessMetricsSettings().business_metrics_interval_seconds
            if interval is None
            else interval
        )
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> Snapshot:
        async with self._db.session() as session:
            snapshot = await read_snapshot(session, datetime.now(UTC).date())
        EXPORTER.snapshot = snapshot
        return snapshot

    async def start(self) -> None:
        if self._interval > 0:
            self._task = asyncio.create_task(self._run(), name="business-metrics")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: the last values stay
                log.warning("business_metrics_not_refreshed", error=repr(exc)[:300])
            await asyncio.sleep(self._interval)
