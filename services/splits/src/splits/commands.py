"""Commands on ``splits.commands.v1`` (from the bot gateway and the recurring service): a table
from each command of ``sosenki_contracts.commands.splits`` to the use case a REST route calls
too. The platform's command consumer dedupes by command id and turns a refusal into
``splits.command_rejected``; the actor the trusted producer names is the caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_contracts.events.splits import CommandRejected as SplitsCommandRejected
from sosenki_contracts.registry import command_key
from sosenki_platform.consumer import CommandHandler
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Caller, Clock
from sqlalchemy.ext.asyncio import AsyncSession

from splits.unit_of_work import context
from splits.use_cases import (
    SplitsContext,
    expenses,
    groups,
    lists,
    occurrences,
    payments,
    settlements,
)

Handler = Callable[[Any, SplitsContext], Awaitable[object]]

HANDLERS: dict[type[BaseModel], Handler] = {
    c.CreateGroup: groups.create_group,
    c.AddMember: groups.add_member,
    c.RemoveMember: groups.remove_member,
    c.CreateList: lists.create_list,
    c.AddItem: lists.add_item,
    c.UpdateItem: lists.update_item,
    c.RemoveItem: lists.remove_item,
    c.FinaliseListCost: lists.finalise_list,
    c.CreateExpense: expenses.create_expense,
    c.UpdateExpense: expenses.update_expense,
    c.DeleteExpense: expenses.delete_expense,
    c.CreateExpenseOccurrence: occurrences.create_occurrence,
    c.SettleSplit: payments.settle_split,
    c.RecordSettlement: settlements.record_settlement,
    c.DeleteSettlement: settlements.delete_settlement,
}


async def handle(command: BaseModel, ctx: SplitsContext) -> object:
    """Run the use case of a command (a REST body that subclasses a command counts as it)."""
    for model in type(command).__mro__:
        if model in HANDLERS:
            return await HANDLERS[model](command, ctx)
    raise KeyError(f"No handler for {type(command).__name__}")


def register_commands(runtime: Runtime, clock: Clock) -> None:
    consumer = runtime.consume_commands(
        topics.SPLITS_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.SPLITS_EVENTS, SplitsCommandRejected),
    )

    def on(model: type[BaseModel]) -> CommandHandler:
        async def apply(session: AsyncSession, envelope: CommandEnvelope) -> None:
            ctx = context(
                runtime,
                session,
                Caller.from_actor(envelope.actor),
                clock,
                correlation_id=envelope.correlation_id,
                causation_id=envelope.command_id,
            )
            await handle(model.model_validate(envelope.payload), ctx)

        return apply

    for model in HANDLERS:
        command_type, version = command_key(model)
        consumer.on(command_type, version)(on(model))
