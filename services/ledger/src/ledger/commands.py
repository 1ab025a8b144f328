"""Commands on ``ledger.commands.v1`` (from the bot gateway and the recurring service): each is
translated into the same :class:`Treasury` call a REST route makes, so a command is validated and
refused exactly like the REST request (the rejection event carries the same ``detail``)."""

from __future__ import annotations

from typing import TypeVar

from sosenki_contracts import topics
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_platform.errors import BadRequest
from sosenki_platform.service import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.access import Caller
from ledger.domain.allocation import AllocationStrategy
from ledger.domain.meters import MeterType
from ledger.treasury import Treasury


def register_commands(runtime: Runtime) -> None:
    consumer = runtime.consume_commands(
        topics.LEDGER_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.LEDGER_EVENTS, "ledger.command_rejected"),
    )

    def treasury(session: AsyncSession, command: CommandEnvelope) -> Treasury:
        return Treasury(
            runtime,
            session,
            Caller.from_actor(command.actor),
            correlation_id=command.correlation_id,
            causation_id=command.command_id,
        )

    @consumer.on("ledger.create_community")
    async def create_community(session: AsyncSession, command: CommandEnvelope) -> None:
        # TEMP (gateway13): the restructured ledger (issue 14) brings its own handler.
        body = c.CreateCommunity.model_validate(command.payload)
        await treasury(session, command).create_community(
            body.name, body.base_currency, body.timezone
        )

    @consumer.on("ledger.add_owner")
    async def add_owner(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.AddOwner.model_validate(command.payload)
        await treasury(session, command).add_owner(
            body.community_id, body.user_id, body.display_name, body.username, body.ownership_share
        )

    @consumer.on("ledger.create_period")
    async def create_period(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CreatePeriod.model_validate(command.payload)
        await treasury(session, command).create_period(
            body.community_id, body.name, body.start_date, body.end_date, body.description
        )

    @consumer.on("ledger.close_period")
    async def close_period(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ClosePeriod.model_validate(command.payload)
        await treasury(session, command).close_period(body.period_id)

    @consumer.on("ledger.reopen_period")
    async def reopen_period(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ReopenPeriod.model_validate(command.payload)
        await treasury(session, command).reopen_period(body.period_id)

    @consumer.on("ledger.record_contribution")
    async def record_contribution(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.RecordContribution.model_validate(command.payload)
        await treasury(session, command).record_contribution(
            body.period_id, body.owner_id, body.amount, body.comment
        )

    @consumer.on("ledger.record_expense")
    async def record_expense(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.RecordExpense.model_validate(command.payload)
        strategy = _enum(AllocationStrategy, body.allocation_strategy, "allocation_strategy")
        await treasury(session, command).record_expense(
            body.period_id,
            paid_by_owner_id=body.paid_by_owner_id,
            amount=body.amount,
            payment_type=body.payment_type,
            vendor=body.vendor,
            description=body.description,
            strategy=strategy,
            owner_subset=body.owner_ids,
        )

    @consumer.on("ledger.record_charge")
    async def record_charge(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.RecordCharge.model_validate(command.payload)
        await treasury(session, command).record_charge(
            body.period_id, body.owner_id, body.amount, body.description
        )

    @consumer.on("ledger.charge_owners")
    async def charge_owners(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ChargeOwners.model_validate(command.payload)
        await treasury(session, command).charge_owners(
            body.community_id, body.on_date, body.amount, body.description, body.owner_ids
        )

    @consumer.on("ledger.reverse_entry")
    async def reverse_entry(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ReverseEntry.model_validate(command.payload)
        await treasury(session, command).reverse(
            body.entry, body.period_id, body.entry_id, body.reason
        )

    @consumer.on("ledger.carry_forward")
    async def carry_forward(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CarryForward.model_validate(command.payload)
        await treasury(session, command).carry_forward(body.from_period_id, body.to_period_id)

    @consumer.on("ledger.change_share")
    async def change_share(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ChangeShare.model_validate(command.payload)
        await treasury(session, command).change_share(
            body.community_id, body.owner_id, body.ownership_share, body.effective_from
        )

    @consumer.on("ledger.deactivate_owner")
    async def deactivate_owner(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.DeactivateOwner.model_validate(command.payload)
        await treasury(session, command).deactivate_owner(body.community_id, body.owner_id)

    @consumer.on("ledger.create_budget_item")
    async def create_budget_item(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CreateBudgetItem.model_validate(command.payload)
        await treasury(session, command).create_budget_item(
            body.period_id,
            body.category,
            body.planned_amount,
            _enum(AllocationStrategy, body.allocation_strategy, "allocation_strategy"),
            _enum(MeterType, body.meter_type, "meter_type") if body.meter_type else None,
            body.description,
        )

    @consumer.on("ledger.apply_budget_item")
    async def apply_budget_item(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.ApplyBudgetItem.model_validate(command.payload)
        await treasury(session, command).apply_budget_item(body.period_id, body.budget_item_id)

    @consumer.on("ledger.register_meter")
    async def register_meter(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.RegisterMeter.model_validate(command.payload)
        await treasury(session, command).register_meter(
            body.community_id,
            body.owner_id,
            _enum(MeterType, body.meter_type, "meter_type"),
            body.name,
            body.tariff,
        )

    @consumer.on("ledger.record_meter_reading")
    async def record_meter_reading(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.RecordMeterReading.model_validate(command.payload)
        await treasury(session, command).record_reading(
            body.meter_id, body.reading_date, body.value, body.is_replacement
        )

    @consumer.on("ledger.bill_usage")
    async def bill_usage(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.BillUsage.model_validate(command.payload)
        await treasury(session, command).bill_usage(
            body.period_id, _enum(MeterType, body.meter_type, "meter_type")
        )


E = TypeVar("E", AllocationStrategy, MeterType)


def _enum(kind: type[E], value: str, field: str) -> E:
    """Refuse an unknown enum value the way the REST API does: 400 naming the field."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise BadRequest(f"{field}: {value!r} is not one of {allowed}") from None
