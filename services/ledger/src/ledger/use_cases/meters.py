"""Meters and readings: a treasurer registers a meter for an owner; a reading never goes
backwards unless it is a replacement (``domain/meters.py``); treasurers record any meter's
readings, an owner their own meters'. Usage is billed at the meter's tariff once per period and
type (``domain/usage_billing.py``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import ledger as ev
from sosenki_contracts.money import minor_units
from sosenki_platform.errors import BadRequest, Forbidden

from ledger.domain import meters as meter_rules, usage_billing as billing_rules
from ledger.domain.meters import MeterType, Reading
from ledger.domain.periods import Period
from ledger.ports import Ctx
from ledger.use_cases import access
from ledger.use_cases.entries import open_period_for, post_charge, publish


async def register_meter(command: c.RegisterMeter, ctx: Ctx) -> Any:
    meter_type = access.choice(MeterType, command.meter_type, "meter_type")
    community_id, owner_id, tariff = command.community_id, command.owner_id, command.tariff
    await access.require_treasurer(ctx, community_id)
    await access.require_owner(ctx, community_id, owner_id)
    if tariff is not None and tariff < 0:
        raise BadRequest("Tariff must not be negative", ErrorCode.AMOUNT_NOT_POSITIVE)
    row = await ctx.repo.add_meter(
        {
            "community_id": community_id,
            "owner_id": owner_id,
            "meter_type": meter_type.value,
            "name": command.name,
            "tariff": tariff,
        }
    )
    await publish(
        ctx,
        community_id,
        ev.MeterRegistered(
            community_id=community_id,
            meter_id=row.id,
            owner_id=owner_id,
            meter_type=meter_type.value,
            name=command.name,
            tariff=tariff,
        ),
    )
    return row


async def record_reading(command: c.RecordMeterReading, ctx: Ctx) -> Any:
    """Treasurers record any meter's readings; an owner records their own meters'."""
    # Row-locked: readings of one meter are serialised.
    meter = await access.meter(ctx, command.meter_id, for_update=True)
    if meter.owner_id != ctx.caller.user_id and not await access.is_treasurer(
        ctx, meter.community_id
    ):
        raise Forbidden(
            "Owners may only submit readings for their own meters", ErrorCode.OWN_RECORDS_ONLY
        )
    reading = Reading(command.reading_date, command.value, command.is_replacement)
    existing = (await ctx.repo.readings([meter.id]))[meter.id]
    meter_rules.check_new_reading(existing, reading)
    row = await ctx.repo.add_reading(meter.id, reading, ctx.caller.actor.id)
    await publish(
        ctx,
        meter.community_id,
        ev.MeterReadingRecorded(
            community_id=meter.community_id,
            meter_id=meter.id,
            owner_id=meter.owner_id,
            meter_type=meter.meter_type,
            reading_id=row.id,
            reading_date=command.reading_date,
            value=command.value,
            is_replacement=command.is_replacement,
        ),
    )
    return row


async def consumption(
    ctx: Ctx, period: Period, meter_type: str | None = None
) -> list[tuple[Any, Decimal]]:
    """(meter, consumption in the period) for the community's meters."""
    meters = await ctx.repo.list_meters(period.community_id, meter_type)
    readings = await ctx.repo.readings([m.id for m in meters])
    return [
        (m, meter_rules.consumption(readings[m.id], period.start_date, period.end_date))
        for m in meters
    ]


async def usage_by_owner(ctx: Ctx, period: Period, meter_type: str) -> dict[int, Decimal]:
    usage: dict[int, Decimal] = {}
    for meter, used in await consumption(ctx, period, meter_type):
        usage[meter.owner_id] = usage.get(meter.owner_id, Decimal(0)) + used
    return usage


async def bill_usage(command: c.BillUsage, ctx: Ctx) -> list[Any]:
    """Bill each metered owner's consumption at the meter's tariff as service charges."""
    meter_type = access.choice(MeterType, command.meter_type, "meter_type")
    # The period row lock (taken here) serialises bills and reversals of one period.
    period, currency = await open_period_for(ctx, command.period_id, "charges")
    bill = billing_rules.usage_charges(
        (
            (meter.owner_id, used, None if meter.tariff is None else Decimal(meter.tariff))
            for meter, used in await consumption(ctx, period, meter_type.value)
        ),
        minor_units(currency),
    )
    billed = await ctx.repo.usage_billed(period.id, meter_type.value)
    billing_rules.check_billable(period.id, meter_type.value, bill, billed)
    return [
        await post_charge(
            ctx,
            period,
            currency,
            {
                "owner_id": line.owner_id,
                "amount": line.amount,
                "description": (
                    f"{meter_type.value.capitalize()}: {line.used} units at {line.tariff}"
                ),
                "usage_meter_type": meter_type.value,
            },
        )
        for line in bill
    ]
