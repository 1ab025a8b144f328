"""Budget items, meters and readings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.adapters import tables as t
from ledger.domain.meters import Reading
from ledger.domain.periods import Period


class MeterRows:
    session: AsyncSession

    async def add_budget_item(self, period: Period, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(
                t.budget_items.insert()
                .values(period_id=period.id, community_id=period.community_id, **values)
                .returning(*t.budget_items.c)
            )
        ).one()

    async def get_budget_item(self, period_id: int, item_id: int) -> Row[Any] | None:
        b = t.budget_items
        return (
            await self.session.execute(
                select(b).where(b.c.id == item_id, b.c.period_id == period_id).with_for_update()
            )
        ).one_or_none()

    async def list_budget_items(self, period_id: int) -> Sequence[Row[Any]]:
        b = t.budget_items
        return (
            await self.session.execute(select(b).where(b.c.period_id == period_id).order_by(b.c.id))
        ).all()

    async def mark_budget_item_applied(self, item_id: int, applied_at: datetime) -> Row[Any]:
        b = t.budget_items
        return (
            await self.session.execute(
                b.update().where(b.c.id == item_id).values(applied_at=applied_at).returning(*b.c)
            )
        ).one()

    async def spent_by_category(self, period_id: int) -> dict[str, Decimal]:
        e = t.expenses
        rows = (
            await self.session.execute(
                select(e.c.payment_type, func.sum(e.c.amount))
                .where(e.c.period_id == period_id)
                .group_by(e.c.payment_type)
            )
        ).all()
        return {r[0]: Decimal(r[1]) for r in rows}

    async def add_meter(self, values: dict[str, Any]) -> Row[Any]:
        return (
            await self.session.execute(t.meters.insert().values(**values).returning(*t.meters.c))
        ).one()

    async def get_meter(self, meter_id: int, *, for_update: bool = False) -> Row[Any] | None:
        query = select(t.meters).where(t.meters.c.id == meter_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).one_or_none()

    async def list_meters(
        self, community_id: int, meter_type: str | None = None, owner_id: int | None = None
    ) -> Sequence[Row[Any]]:
        query = select(t.meters).where(t.meters.c.community_id == community_id)
        if meter_type is not None:
            query = query.where(t.meters.c.meter_type == meter_type)
        if owner_id is not None:
            query = query.where(t.meters.c.owner_id == owner_id)
        return (await self.session.execute(query.order_by(t.meters.c.id))).all()

    async def readings(self, meter_ids: Sequence[int]) -> dict[int, list[Reading]]:
        result: dict[int, list[Reading]] = {m: [] for m in meter_ids}
        if meter_ids:
            r = t.meter_readings
            rows = (
                await self.session.execute(
                    select(r).where(r.c.meter_id.in_(meter_ids)).order_by(r.c.reading_date)
                )
            ).all()
            for row in rows:
                result[row.meter_id].append(
                    Reading(row.reading_date, Decimal(row.value), row.is_replacement)
                )
        return result

    async def reading_rows(self, meter_id: int) -> Sequence[Row[Any]]:
        r = t.meter_readings
        return (
            await self.session.execute(
                select(r).where(r.c.meter_id == meter_id).order_by(r.c.reading_date)
            )
        ).all()

    async def add_reading(self, meter_id: int, reading: Reading, created_by: str) -> Row[Any]:
        return (
            await self.session.execute(
                t.meter_readings.insert()
                .values(
                    meter_id=meter_id,
                    reading_date=reading.reading_date,
                    value=reading.value,
                    is_replacement=reading.is_replacement,
                    created_by=created_by,
                )
                .returning(*t.meter_readings.c)
            )
        ).one()

    async def usage_billed(self, period_id: int, meter_type: str) -> bool:
        """Whether a usage charge of this type stands unreversed in the period."""
        c, r = t.service_charges, t.service_charges.alias("r")
        found = await self.session.scalar(
            select(c.c.id)
            .where(
                c.c.period_id == period_id,
                c.c.usage_meter_type == meter_type,
                c.c.kind == "charge",
                ~select(r.c.id).where(r.c.reverses_id == c.c.id).exists(),
            )
            .limit(1)
        )
        return found is not None
