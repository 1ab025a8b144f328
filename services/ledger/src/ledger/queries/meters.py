"""Meters, their readings and a period's consumption: an owner sees their own meters only."""

from __future__ import annotations

from ledger import views as v
from ledger.ports import Ctx
from ledger.queries import shapes
from ledger.use_cases import access
from ledger.use_cases.meters import consumption as meter_consumption


async def meters(ctx: Ctx, community_id: int, owner_id: int | None) -> list[v.MeterOut]:
    await access.require_reader(ctx, community_id)
    whose = await access.owner_filter(ctx, community_id, owner_id)
    return [shapes.meter(m) for m in await ctx.repo.list_meters(community_id, owner_id=whose)]


async def readings(ctx: Ctx, meter_id: int) -> list[v.ReadingOut]:
    meter = await access.meter(ctx, meter_id)
    await access.owner_filter(ctx, meter.community_id, meter.owner_id)
    return [shapes.reading(r) for r in await ctx.repo.reading_rows(meter.id)]


async def consumption(ctx: Ctx, period_id: int, meter_type: str | None) -> v.ConsumptionOut:
    period = await access.period(ctx, period_id)
    whose = await access.owner_filter(ctx, period.community_id, None)
    used = await meter_consumption(ctx, period, meter_type)
    return v.ConsumptionOut(
        period_id=period_id,
        meters=[
            v.MeterConsumptionOut(
                meter_id=m.id,
                owner_id=m.owner_id,
                meter_type=m.meter_type,
                consumption=shapes.decimal_text(c),
            )
            for m, c in used
            if whose is None or m.owner_id == whose
        ],
    )
