"""Commands on ``ledger.commands.v1`` (from the bot gateway and the recurring service): a table
from the contract's command model to the use case a REST route calls too, so a command is
validated and refused exactly like the REST request (the rejection event carries the same
``detail``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sosenki_contracts import topics
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_contracts.events.ledger import CommandRejected as LedgerCommandRejected
from sosenki_contracts.registry import command_key
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Caller, Clock
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.context import ledger_context
from ledger.ports import Ctx
from ledger.use_cases import (
    budgets,
    carry_forward,
    charges,
    communities,
    contributions,
    expenses,
    meters,
    owners,
    periods,
    reversals,
)

Handler = Callable[[Any, Ctx], Awaitable[Any]]

HANDLERS: dict[type[BaseModel], Handler] = {
    c.CreateCommunity: communities.create_community,
    c.AppointTreasurer: communities.appoint_treasurer,
    c.ChangeCommunitySettings: communities.change_settings,
    c.AddOwner: owners.add_owner,
    c.ChangeShare: owners.change_share,
    c.DeactivateOwner: owners.deactivate_owner,
    c.CreatePeriod: periods.create_period,
    c.ClosePeriod: periods.close_period,
    c.ReopenPeriod: periods.reopen_period,
    c.RecordContribution: contributions.record_contribution,
    c.RecordExpense: expenses.record_expense,
    c.RecordCharge: charges.record_charge,
    c.ChargeOwners: charges.charge_owners,
    c.ReverseEntry: reversals.reverse_entry,
    c.CarryForward: carry_forward.carry_forward,
    c.CreateBudgetItem: budgets.create_budget_item,
    c.ApplyBudgetItem: budgets.apply_budget_item,
    c.RegisterMeter: meters.register_meter,
    c.RecordMeterReading: meters.record_reading,
    c.BillUsage: meters.bill_usage,
}


def register_commands(runtime: Runtime, clock: Clock) -> None:
    consumer = runtime.consume_commands(
        topics.LEDGER_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.LEDGER_EVENTS, LedgerCommandRejected),
    )

    def apply(model: type[BaseModel], handler: Handler) -> None:
        async def on_command(session: AsyncSession, command: CommandEnvelope) -> None:
            ctx = ledger_context(
                runtime,
                session,
                Caller.from_actor(command.actor),
                clock,
                correlation_id=command.correlation_id,
                causation_id=command.command_id,
            )
            await handler(model.model_validate(command.payload), ctx)

        command_type, version = command_key(model)
        consumer.on(command_type, version)(on_command)

    for model, handler in HANDLERS.items():
        apply(model, handler)
