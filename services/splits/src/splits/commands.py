"""Commands on ``splits.commands.v1`` (from the bot gateway and the recurring service): each is
translated into the same :class:`SharedCosts` call a REST route makes. The platform's command
consumer dedupes by command id and turns a refusal into ``splits.command_rejected``."""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.envelope import CommandEnvelope
from sosenki_platform.service import Runtime
from sqlalchemy.ext.asyncio import AsyncSession

from splits.access import Caller
from splits.shared_costs import SharedCosts


def register_commands(runtime: Runtime) -> None:
    consumer = runtime.consume_commands(
        topics.SPLITS_COMMANDS,
        on_rejected=runtime.rejection_publisher(topics.SPLITS_EVENTS, "splits.command_rejected"),
    )

    def costs(session: AsyncSession, command: CommandEnvelope) -> SharedCosts:
        return SharedCosts(
            runtime,
            session,
            Caller.from_actor(command.actor),
            correlation_id=command.correlation_id,
            causation_id=command.command_id,
        )

    @consumer.on("splits.create_group")
    async def create_group(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CreateGroup.model_validate(command.payload)
        await costs(session, command).create_group(body.name, body.base_currency, body.description)

    @consumer.on("splits.add_member")
    async def add_member(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.AddMember.model_validate(command.payload)
        await costs(session, command).add_member(
            body.group_id, body.user_id, body.role, body.display_name
        )

    @consumer.on("splits.remove_member")
    async def remove_member(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.RemoveMember.model_validate(command.payload)
        await costs(session, command).remove_member(body.group_id, body.user_id)

    @consumer.on("splits.create_list")
    async def create_list(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CreateList.model_validate(command.payload)
        await costs(session, command).create_list(
            body.name, body.group_id, body.description, body.currency
        )

    @consumer.on("splits.add_item")
    async def add_item(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.AddItem.model_validate(command.payload)
        await costs(session, command).add_item(
            body.list_id, body.name, body.price, body.quantity, body.assigned_to
        )

    @consumer.on("splits.update_item")
    async def update_item(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.UpdateItem.model_validate(command.payload)
        changes = body.model_dump(exclude_unset=True, exclude={"item_id"})
        await costs(session, command).update_item(body.item_id, changes)

    @consumer.on("splits.remove_item")
    async def remove_item(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.RemoveItem.model_validate(command.payload)
        await costs(session, command).remove_item(body.item_id)

    @consumer.on("splits.create_expense")
    async def create_expense(session: AsyncSession, command: CommandEnvelope) -> None:
        await costs(session, command).create_expense(
            c.CreateExpense.model_validate(command.payload)
        )

    @consumer.on("splits.update_expense")
    async def update_expense(session: AsyncSession, command: CommandEnvelope) -> None:
        await costs(session, command).update_expense(
            c.UpdateExpense.model_validate(command.payload)
        )

    @consumer.on("splits.delete_expense")
    async def delete_expense(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.DeleteExpense.model_validate(command.payload)
        await costs(session, command).delete_expense(body.expense_id, body.version, body.reason)

    @consumer.on("splits.settle_split")
    async def settle_split(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.SettleSplit.model_validate(command.payload)
        await costs(session, command).settle_split(
            body.expense_split_id, body.amount_paid, body.paid_by_user_id, body.paid_to_user_id
        )

    @consumer.on("splits.record_settlement")
    async def record_settlement(session: AsyncSession, command: CommandEnvelope) -> None:
        await costs(session, command).record_settlement(
            c.RecordSettlement.model_validate(command.payload)
        )

    @consumer.on("splits.delete_settlement")
    async def delete_settlement(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.DeleteSettlement.model_validate(command.payload)
        await costs(session, command).delete_settlement(
            body.settlement_id, body.version, body.reason
        )

    @consumer.on("splits.finalise_list_cost")
    async def finalise_list_cost(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.FinaliseListCost.model_validate(command.payload)
        await costs(session, command).finalise_list(
            body.list_id, body.paid_by_user_id, body.description, body.expense_date
        )

    @consumer.on("splits.create_expense_occurrence")
    async def create_expense_occurrence(session: AsyncSession, command: CommandEnvelope) -> None:
        body = c.CreateExpenseOccurrence.model_validate(command.payload)
        await costs(session, command).create_occurrence(
            body.template_expense_id, body.occurrence_date
        )
