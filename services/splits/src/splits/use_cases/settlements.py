"""Settlements: a transfer between two members of a group (payer ≠ payee), in the group's
currency, recorded or deleted by its payer, its payee or a group owner. Deleting is a reversal
(the row stays, out of every balance) and carries the ``version`` it was based on."""

from __future__ import annotations

from sosenki_contracts import topics
from sosenki_contracts.commands import splits as c
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events import splits as ev
from sosenki_platform.access_policy import GroupAction
from sosenki_platform.errors import BadRequest, Conflict, NotFound

from splits import access
from splits.domain.splitting import check_amount
from splits.repository import Record
from splits.snapshots import aggregate, settlement_snapshot
from splits.use_cases import SplitsContext


async def record_settlement(command: c.RecordSettlement, ctx: SplitsContext) -> Record:
    repo, caller = ctx.repo, ctx.caller
    group = await access.require_group(repo, caller, command.group_id)
    payer, payee = command.paid_by_user_id, command.paid_to_user_id
    if payer == payee:
        raise BadRequest("paid_by_user_id and paid_to_user_id must differ", ErrorCode.BAD_REQUEST)
    outside = sorted({payer, payee} - set(await access.member_ids(repo, group.id)))
    if outside:
        raise BadRequest(f"Not members of group {group.id}: {outside}", ErrorCode.NOT_A_MEMBER)
    await access.require_group(
        repo,
        caller,
        group.id,
        GroupAction.PAY,
        involved=caller.user_id in (payer, payee),
        refused="Only the payer, the payee or an owner of the group may record a settlement",
    )
    currency = command.currency or group.base_currency
    if currency != group.base_currency:
        raise BadRequest(
            f"Settlements are recorded in the group's currency ({group.base_currency})",
            ErrorCode.CURRENCY_MISMATCH,
        )
    check_amount(command.amount, currency)
    row = await repo.add_settlement(
        {
            "group_id": group.id,
            "paid_by_user_id": payer,
            "paid_to_user_id": payee,
            "amount": command.amount,
            "currency": currency,
            "description": command.description,
            "settlement_date": command.settlement_date or ctx.today(),
            "created_by": caller.actor.id,
        }
    )
    recorded = ev.SettlementRecorded(**dict(settlement_snapshot(row)))
    await ctx.publish(topics.SPLITS_EVENTS, aggregate(group.id, None), recorded)
    return row


async def delete_settlement(command: c.DeleteSettlement, ctx: SplitsContext) -> Record:
    repo, caller, settlement_id = ctx.repo, ctx.caller, command.settlement_id
    row = await repo.get_settlement(settlement_id, for_update=True)
    if row is None:
        raise NotFound("Settlement not found", ErrorCode.SETTLEMENT_NOT_FOUND)
    await access.require_group(repo, caller, row.group_id, hidden="Settlement not found")
    await access.require_group(
        repo,
        caller,
        row.group_id,
        GroupAction.PAY,
        involved=caller.user_id in (row.paid_by_user_id, row.paid_to_user_id),
        refused="Only the payer, the payee or an owner of the group may delete a settlement",
    )
    if row.deleted_at is not None:
        raise Conflict(f"Settlement {settlement_id} has been deleted", ErrorCode.ALREADY_DELETED)
    if command.version != row.version:
        raise Conflict(
            f"Settlement {settlement_id} has changed since version {command.version}: the "
            f"current version is {row.version}",
            ErrorCode.VERSION_STALE,
        )
    updated = await repo.update_settlement(
        settlement_id,
        {
            "deleted_at": ctx.clock.now(),
            "deleted_by": caller.actor.id,
            "delete_reason": command.reason,
            "version": row.version + 1,
        },
    )
    await ctx.publish(
        topics.SPLITS_EVENTS,
        aggregate(row.group_id, None),
        ev.SettlementDeleted(
            settlement_id=row.id,
            group_id=row.group_id,
            reason=command.reason,
            before=settlement_snapshot(row),
        ),
    )
    return updated
