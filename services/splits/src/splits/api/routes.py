"""The splits REST API: thin translators. A write route builds the command (its body plus what the
path names) and calls the same use case a Kafka command does; a read route calls a query.

Paths follow the seed document: ``/financials/...`` for expenses, splits and settlements,
``/costs/...`` for summaries; groups and lists live under ``/groups`` and ``/lists``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sosenki_contracts.bounds import MAX_INT32, Id, ShortDescription, Version
from sosenki_contracts.commands import splits as c
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession, WriteSession, correlation_id, runtime_of
from sosenki_platform.use_case import Caller

from splits import views
from splits.adapters.repository import SplitsRepository
from splits.api import schemas as s
from splits.queries import (
    expenses as expense_queries,
    groups as group_queries,
    lists as list_queries,
    settlements as settlement_queries,
    summaries,
)
from splits.repository import Repository
from splits.unit_of_work import context
from splits.use_cases import (
    SplitsContext,
    expenses,
    groups,
    lists,
    payments,
    settlements,
)

router = APIRouter(tags=["splits"])


def _writer(request: Request, session: WriteSession, principal: CurrentPrincipal) -> SplitsContext:
    return context(
        runtime_of(request),
        session,
        Caller.from_principal(principal),
        request.app.state.clock,
        correlation_id=correlation_id(request),
    )


@dataclass(frozen=True)
class Reading:
    repo: Repository
    caller: Caller


def _reader(session: ReadSession, principal: CurrentPrincipal) -> Reading:
    return Reading(SplitsRepository(session), Caller.from_principal(principal))


Writer = Annotated[SplitsContext, Depends(_writer)]
Reader = Annotated[Reading, Depends(_reader)]


def _command(model: type[BaseModel], body: BaseModel | None = None, **path: Any) -> Any:
    """The command of a REST write: its body (only the fields sent) and what the path names,
    validated by the command's own model, as a Kafka command is."""
    sent = {} if body is None else body.model_dump(exclude_unset=True)
    try:
        return model.model_validate({**sent, **path})
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


# Groups and members
@router.post(
    "/groups", status_code=201, response_model=views.GroupOut, openapi_extra=raises(E.NAME_EMPTY)
)
async def create_group(body: s.GroupIn, ctx: Writer) -> Any:
    """Create a group (flatmates, a trip, a club) in a base currency; the caller becomes its
    owner."""
    row = await groups.create_group(body, ctx)
    return await group_queries.group_view(ctx.repo, row)


@router.get("/groups", response_model=list[views.GroupOut])
async def list_groups(r: Reader) -> Any:
    """The groups the caller is a member of."""
    return await group_queries.list_groups(r.repo, r.caller)


@router.get(
    "/groups/{group_id}", response_model=views.GroupOut, openapi_extra=raises(E.GROUP_NOT_FOUND)
)
async def get_group(group_id: Id, r: Reader) -> Any:
    """One group with its members and base currency (members only)."""
    return await group_queries.get_group(r.repo, r.caller, group_id)


@router.post(
    "/groups/{group_id}/members",
    status_code=201,
    response_model=views.MemberOut,
    openapi_extra=raises(E.GROUP_NOT_FOUND, E.NOT_A_GROUP_OWNER, E.ALREADY_A_MEMBER),
)
async def add_member(group_id: Id, body: s.MemberIn, ctx: Writer) -> Any:
    """Add a member to the group (group owners); people without Telegram may be added and claim
    the record later."""
    row = await groups.add_member(_command(c.AddMember, body, group_id=group_id), ctx)
    return views.member_out(row)


@router.get(
    "/groups/{group_id}/members",
    response_model=list[views.MemberOut],
    openapi_extra=raises(E.GROUP_NOT_FOUND),
)
async def list_members(group_id: Id, r: Reader) -> Any:
    """The group's members and their roles."""
    return await group_queries.list_members(r.repo, r.caller, group_id)


@router.delete(
    "/groups/{group_id}/members/{user_id}",
    status_code=204,
    openapi_extra=raises(
        E.GROUP_NOT_FOUND, E.NOT_A_GROUP_OWNER, E.NOT_A_MEMBER, E.LAST_OWNER, E.BALANCE_NOT_ZERO
    ),
)
async def remove_member(group_id: Id, user_id: Id, ctx: Writer) -> Response:
    """Remove a member (group owners), or leave the group yourself; refused while the member's
    balance is not zero or they are its last owner."""
    await groups.remove_member(c.RemoveMember(group_id=group_id, user_id=user_id), ctx)
    return Response(status_code=204)


@router.get("/users/{user_id}/memberships", response_model=views.UserMembershipsOut)
async def user_memberships(user_id: int, r: Reader) -> Any:
    """Every group the user is a member of (the user or a service only)."""
    return await group_queries.memberships(r.repo, r.caller, user_id)


# Lists and items
@router.post(
    "/lists",
    status_code=201,
    response_model=views.ListOut,
    openapi_extra=raises(E.GROUP_NOT_FOUND, E.NAME_EMPTY, E.CURRENCY_MISMATCH),
)
async def create_list(body: s.ListIn, ctx: Writer) -> Any:
    """Create a shopping or item list, of a group (in its currency) or personal."""
    return views.list_out(await lists.create_list(body, ctx), [])


@router.get("/lists", response_model=list[views.ListOut])
async def list_lists(r: Reader, group_id: Id | None = None) -> Any:
    """The lists the caller may see."""
    return await list_queries.list_lists(r.repo, r.caller, group_id)


@router.get(
    "/lists/{list_id}", response_model=views.ListOut, openapi_extra=raises(E.LIST_NOT_FOUND)
)
async def get_list(list_id: Id, r: Reader) -> Any:
    """One list with its items."""
    return await list_queries.get_list(r.repo, r.caller, list_id)


@router.post(
    "/lists/{list_id}/items",
    status_code=201,
    response_model=views.ItemOut,
    openapi_extra=raises(E.LIST_NOT_FOUND, E.NAME_EMPTY, E.LIST_FINALISED, E.NOT_A_MEMBER),
)
async def add_item(list_id: Id, body: s.ItemIn, ctx: Writer) -> Any:
    """Add an item (with an optional price and the member it is for) to a list."""
    item, lst = await lists.add_item(_command(c.AddItem, body, list_id=list_id), ctx)
    return views.item_out(item, lst.currency)


@router.patch(
    "/lists/{list_id}/items/{item_id}",
    response_model=views.ItemOut,
    openapi_extra=raises(
        E.LIST_NOT_FOUND, E.ITEM_NOT_FOUND, E.NAME_EMPTY, E.LIST_FINALISED, E.NOT_A_MEMBER
    ),
)
async def update_item(list_id: Id, item_id: Id, body: s.ItemChange, ctx: Writer) -> Any:
    """Change an item's name, quantity, price or assignee."""
    command = _command(c.UpdateItem, body, item_id=item_id, list_id=list_id)
    item, lst = await lists.update_item(command, ctx)
    return views.item_out(item, lst.currency)


@router.delete(
    "/lists/{list_id}/items/{item_id}",
    status_code=204,
    openapi_extra=raises(E.LIST_NOT_FOUND, E.ITEM_NOT_FOUND, E.LIST_FINALISED),
)
async def remove_item(list_id: Id, item_id: Id, ctx: Writer) -> Response:
    """Remove an item from a list that has not been charged yet."""
    await lists.remove_item(c.RemoveItem(item_id=item_id, list_id=list_id), ctx)
    return Response(status_code=204)


# Expenses
@router.post(
    "/financials/expenses",
    status_code=201,
    response_model=views.ExpenseOut,
    openapi_extra=raises(
        E.GROUP_NOT_FOUND,
        E.LIST_NOT_FOUND,
        E.ITEM_NOT_FOUND,
        E.SPLIT_INVALID,
        E.AMOUNT_NOT_POSITIVE,
        E.NOT_A_MEMBER,
        E.CURRENCY_MISMATCH,
        E.EXCHANGE_RATE_INVALID,
        E.RECURRENCE_INVALID,
        E.LIST_FINALISED,
        E.USER_REQUIRED,
    ),
)
async def create_expense(body: s.ExpenseIn, ctx: Writer) -> Any:
    """Record an expense split EQUAL, EXACT_AMOUNTS, PERCENTAGE, SHARES or ITEM_BASED; the shares
    sum exactly to the total."""
    return views.expense_out(await expenses.create_expense(body, ctx))


@router.get(
    "/financials/expenses",
    response_model=views.ExpenseList,
    openapi_extra=raises(E.GROUP_NOT_FOUND),
)
async def list_expenses(
    r: Reader,
    group_id: Id | None = None,
    list_id: Id | None = None,
    paid_by: Id | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    is_recurring: Annotated[bool | None, Query(alias="isRecurring")] = None,
    include_deleted: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> Any:
    """The expenses the caller may see, filtered by group, list, dates or status, newest first,
    paged."""
    return await expense_queries.list_expenses(
        r.repo,
        r.caller,
        group_id=group_id,
        list_id=list_id,
        paid_by=paid_by,
        start_date=start_date,
        end_date=end_date,
        is_recurring=is_recurring,
        include_deleted=include_deleted,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/financials/expenses/{expense_id}",
    response_model=views.ExpenseOut,
    openapi_extra=raises(E.EXPENSE_NOT_FOUND),
)
async def get_expense(expense_id: Id, r: Reader) -> Any:
    """One expense with its payers, splits and their payment status."""
    return await expense_queries.get_expense(r.repo, r.caller, expense_id)


@router.put(
    "/financials/expenses/{expense_id}",
    response_model=views.ExpenseOut,
    openapi_extra=raises(
        E.EXPENSE_NOT_FOUND,
        E.NOT_INVOLVED,
        E.VERSION_STALE,
        E.ALREADY_DELETED,
        E.SPLIT_INVALID,
        E.ALREADY_PAID,
        E.NOT_A_MEMBER,
        E.CURRENCY_MISMATCH,
        E.EXCHANGE_RATE_INVALID,
    ),
)
async def update_expense(expense_id: Id, body: s.ExpenseChange, ctx: Writer) -> Any:
    """Change an expense (its payer or a group owner), based on the `version` read; a stale
    version gets 409."""
    command = _command(c.UpdateExpense, body, expense_id=expense_id)
    return views.expense_out(await expenses.update_expense(command, ctx))


@router.delete(
    "/financials/expenses/{expense_id}",
    response_model=views.ExpenseOut,
    openapi_extra=raises(
        E.EXPENSE_NOT_FOUND, E.NOT_INVOLVED, E.VERSION_STALE, E.ALREADY_DELETED, E.ALREADY_PAID
    ),
)
async def delete_expense(
    expense_id: Id,
    ctx: Writer,
    expected_version: Annotated[Version, Query(description="The version being deleted")],
    reason: Annotated[ShortDescription | None, Query()] = None,
) -> Any:
    """Delete an expense (its payer or a group owner); it stays in the history."""
    command = c.DeleteExpense(expense_id=expense_id, version=expected_version, reason=reason)
    return views.expense_out(await expenses.delete_expense(command, ctx))


@router.get(
    "/financials/expenses/{expense_id}/history",
    response_model=list[views.HistoryEntryOut],
    openapi_extra=raises(E.EXPENSE_NOT_FOUND),
)
async def expense_history(expense_id: Id, r: Reader) -> Any:
    """Every version of an expense, oldest first: who changed what."""
    return await expense_queries.history(r.repo, r.caller, expense_id)


# Paying splits
@router.post(
    "/financials/expense_splits/{split_id}/settle",
    status_code=201,
    response_model=views.SettlementActivityOut,
    openapi_extra=raises(
        E.SPLIT_NOT_FOUND,
        E.NOT_INVOLVED,
        E.ALREADY_DELETED,
        E.PAYMENT_EXCEEDS_DEBT,
        E.AMOUNT_NOT_POSITIVE,
    ),
)
async def settle_split(split_id: Id, body: s.SettleIn, ctx: Writer) -> Any:
    """Pay (part of) one participant's share of an expense; paying more than remains is refused."""
    command = _command(c.SettleSplit, body, expense_split_id=split_id)
    paid = await payments.settle_split(command, ctx)
    return views.payment_out(paid.activity, paid.split, paid.currency, paid.expense_status)


@router.get(
    "/financials/expense_splits/{split_id}/settlement_activities",
    response_model=list[views.SettlementActivityOut],
    openapi_extra=raises(E.SPLIT_NOT_FOUND),
)
async def split_activities(split_id: Id, r: Reader) -> Any:
    """The payments made against one share of an expense."""
    return await expense_queries.split_activities(r.repo, r.caller, split_id)


# Settlements
@router.post(
    "/financials/settlements",
    status_code=201,
    response_model=views.SettlementOut,
    openapi_extra=raises(
        E.GROUP_NOT_FOUND,
        E.NOT_INVOLVED,
        E.NOT_A_MEMBER,
        E.CURRENCY_MISMATCH,
        E.AMOUNT_NOT_POSITIVE,
    ),
)
async def record_settlement(body: s.SettlementIn, ctx: Writer) -> Any:
    """Record money moved between two members of a group (payer and payee differ), in the group's
    currency."""
    return views.settlement_out(await settlements.record_settlement(body, ctx))


@router.get(
    "/financials/settlements",
    response_model=list[views.SettlementOut],
    openapi_extra=raises(E.GROUP_NOT_FOUND),
)
async def list_settlements(r: Reader, group_id: Id, include_deleted: bool = False) -> Any:
    """The settlements of a group."""
    return await settlement_queries.list_settlements(r.repo, r.caller, group_id, include_deleted)


@router.get(
    "/financials/settlements/{settlement_id}",
    response_model=views.SettlementOut,
    openapi_extra=raises(E.SETTLEMENT_NOT_FOUND),
)
async def get_settlement(settlement_id: Id, r: Reader) -> Any:
    """One settlement."""
    return await settlement_queries.get_settlement(r.repo, r.caller, settlement_id)


@router.delete(
    "/financials/settlements/{settlement_id}",
    response_model=views.SettlementOut,
    openapi_extra=raises(
        E.SETTLEMENT_NOT_FOUND, E.NOT_INVOLVED, E.ALREADY_DELETED, E.VERSION_STALE
    ),
)
async def delete_settlement(
    settlement_id: Id,
    ctx: Writer,
    expected_version: Annotated[Version, Query(description="The version being deleted")],
    reason: Annotated[ShortDescription | None, Query()] = None,
) -> Any:
    """Delete a settlement (its payer, its payee or a group owner), based on the `version` read."""
    command = c.DeleteSettlement(
        settlement_id=settlement_id, version=expected_version, reason=reason
    )
    return views.settlement_out(await settlements.delete_settlement(command, ctx))


# Summaries
@router.get(
    "/costs/lists/{list_id}/cost-summary",
    response_model=views.ListCostSummaryOut,
    openapi_extra=raises(E.LIST_NOT_FOUND),
)
async def list_cost_summary(list_id: Id, r: Reader) -> Any:
    """What a list costs so far and who owes what for its items."""
    return await summaries.list_cost_summary(r.repo, r.caller, list_id)


@router.post(
    "/costs/lists/{list_id}/cost-summary",
    status_code=201,
    response_model=views.ExpenseOut,
    openapi_extra=raises(E.LIST_NOT_FOUND, E.LIST_FINALISED, E.SPLIT_INVALID),
)
async def finalise_list_cost(list_id: Id, ctx: Writer, body: s.FinaliseIn | None = None) -> Any:
    """Charge a list: turn its priced items into one ITEM_BASED expense, once."""
    command = _command(c.FinaliseListCost, body, list_id=list_id)
    return views.expense_out(await lists.finalise_list(command, ctx))


@router.get(
    "/costs/groups/{group_id}/balance-summary",
    response_model=views.GroupBalanceSummaryOut,
    openapi_extra=raises(E.GROUP_NOT_FOUND),
)
async def balance_summary(group_id: Id, r: Reader) -> Any:
    """The group's balances (paid - owed +/- settlements) and the settle-up plan with the fewest
    transfers."""
    return await summaries.balance_summary(r.repo, r.caller, group_id)
