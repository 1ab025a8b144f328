"""The ledger's REST API under ``/api/payments``: writes turn a body into the contract's command
and call its use case; reads call a query. No rule, no arithmetic and no storage here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sosenki_contracts.bounds import MAX_INT32, Id
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import BadRequest
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession, WriteSession, correlation_id, runtime_of
from sosenki_platform.use_case import Caller

from ledger import views as v
from ledger.api import schemas as s
from ledger.context import ledger_context
from ledger.domain.meters import MeterType
from ledger.ports import Ctx
from ledger.queries import (
    balances,
    budgets,
    communities,
    entries,
    meters as meter_queries,
    owners,
    periods,
    shapes,
)
from ledger.use_cases import (
    budgets as budget_cases,
    carry_forward as carry_cases,
    charges as charge_cases,
    communities as community_cases,
    contributions as contribution_cases,
    expenses as expense_cases,
    meters as meter_cases,
    owners as owner_cases,
    periods as period_cases,
    reversals as reversal_cases,
)

router = APIRouter(prefix="/api/payments", tags=["ledger"])


async def _writer(request: Request, session: WriteSession, principal: CurrentPrincipal) -> Ctx:
    return ledger_context(
        runtime_of(request),
        session,
        Caller.from_principal(principal),
        request.app.state.clock,
        correlation_id(request),
    )


async def _reader(request: Request, session: ReadSession, principal: CurrentPrincipal) -> Ctx:
    return ledger_context(
        runtime_of(request), session, Caller.from_principal(principal), request.app.state.clock
    )


Writer = Annotated[Ctx, Depends(_writer)]
Reader = Annotated[Ctx, Depends(_reader)]


# Communities, treasurers and owners
@router.post(
    "/communities",
    status_code=201,
    response_model=v.CommunityOut,
    openapi_extra=raises(E.NAME_EMPTY),
)
async def create_community(body: s.CommunityIn, ctx: Writer) -> Any:
    """Create a community (a village, a co-owned house); the caller becomes its first treasurer."""
    return shapes.community(await community_cases.create_community(body, ctx))


@router.get(
    "/communities/{community_id}",
    response_model=v.CommunityOut,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND),
)
async def get_community(community_id: Id, ctx: Reader) -> Any:
    """A community's name, base currency and settings (its treasurers and owners)."""
    return await communities.community(ctx, community_id)


@router.put(
    "/communities/{community_id}/settings",
    response_model=v.CommunityOut,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.NOT_A_TREASURER, E.BANK_DETAILS_INVALID),
)
async def change_settings(community_id: Id, body: s.CommunitySettingsIn, ctx: Writer) -> Any:
    """Change a community's settings: whether owners may see the balance sheet, and the bank
    details owners pay to (shown as a payment QR code) (treasurers)."""
    command = c.ChangeCommunitySettings(community_id=community_id, **body.model_dump())
    return await communities.community_view(
        ctx, await community_cases.change_settings(command, ctx)
    )


@router.post(
    "/communities/{community_id}/treasurers",
    status_code=201,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.NOT_A_TREASURER, E.ALREADY_A_TREASURER),
)
async def add_treasurer(community_id: Id, body: s.TreasurerIn, ctx: Writer) -> Any:
    """Appoint another treasurer of the community (treasurers)."""
    command = c.AppointTreasurer(community_id=community_id, user_id=body.user_id)
    await community_cases.appoint_treasurer(command, ctx)
    return {"community_id": community_id, "user_id": body.user_id}


@router.get("/users/{user_id}/memberships", response_model=v.UserMembershipsOut)
async def user_memberships(user_id: Id, ctx: Reader) -> Any:
    """Every community where the user is a treasurer or an owner (the user or a service only)."""
    return await communities.memberships(ctx, user_id)


@router.post(
    "/communities/{community_id}/owners",
    status_code=201,
    response_model=v.OwnerOut,
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND, E.NOT_A_TREASURER, E.SHARE_NOT_POSITIVE, E.ALREADY_AN_OWNER
    ),
)
async def add_owner(community_id: Id, body: s.OwnerIn, ctx: Writer) -> Any:
    """Add an owner with an ownership share; people without Telegram may be added and claim the
    record later (treasurers)."""
    command = c.AddOwner(community_id=community_id, **body.model_dump())
    return await owners.owner_view(ctx, await owner_cases.add_owner(command, ctx))


@router.post(
    "/communities/{community_id}/owners/{user_id}/shares",
    response_model=v.OwnerOut,
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND, E.NOT_A_TREASURER, E.OWNER_NOT_FOUND, E.SHARE_NOT_POSITIVE
    ),
)
async def change_share(community_id: Id, user_id: Id, body: s.ShareChangeIn, ctx: Writer) -> Any:
    """Change an owner's ownership share (treasurers); later allocations use the new share."""
    command = c.ChangeShare(community_id=community_id, owner_id=user_id, **body.model_dump())
    return await owners.owner_view(ctx, await owner_cases.change_share(command, ctx))


@router.post(
    "/communities/{community_id}/owners/{user_id}/deactivate",
    response_model=v.OwnerOut,
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND, E.NOT_A_TREASURER, E.OWNER_NOT_FOUND, E.OWNER_INACTIVE
    ),
)
async def deactivate_owner(community_id: Id, user_id: Id, ctx: Writer) -> Any:
    """Deactivate an owner: no further allocations or charges; history stays (treasurers)."""
    command = c.DeactivateOwner(community_id=community_id, owner_id=user_id)
    return await owners.owner_view(ctx, await owner_cases.deactivate_owner(command, ctx))


@router.get(
    "/communities/{community_id}/owners",
    response_model=list[v.OwnerOut],
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND),
)
async def list_owners(community_id: Id, ctx: Reader) -> Any:
    """The community's owners with their shares and whether they are active."""
    return await owners.owners(ctx, community_id)


# Periods
@router.post(
    "/periods",
    status_code=201,
    response_model=v.PeriodOut,
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.NAME_EMPTY,
        E.PERIOD_DATES_INVALID,
        E.PERIOD_OVERLAPS,
    ),
)
async def create_period(body: s.PeriodIn, ctx: Writer, principal: CurrentPrincipal) -> Any:
    """Open a service period of the community; periods of one community never overlap
    (treasurers)."""
    community_id = body.community_id
    if community_id is None:
        if len(principal.communities) != 1:
            raise BadRequest("community_id is required", E.INVALID_INPUT)
        (community_id,) = principal.communities
    command = c.CreatePeriod(community_id=community_id, **body.model_dump(exclude={"community_id"}))
    return shapes.period(await period_cases.create_period(command, ctx))


@router.get("/periods", response_model=v.PeriodList, openapi_extra=raises(E.COMMUNITY_NOT_FOUND))
async def list_periods(
    ctx: Reader,
    status: str | None = None,
    community_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> Any:
    """The periods of the caller's communities (or of one), optionally by status OPEN or CLOSED."""
    return await periods.periods(ctx, status, community_id, limit, offset)


@router.get(
    "/periods/{period_id}", response_model=v.PeriodOut, openapi_extra=raises(E.PERIOD_NOT_FOUND)
)
async def get_period(period_id: Id, ctx: Reader) -> Any:
    """One period: its dates, status and whether it has been carried forward."""
    return await periods.period(ctx, period_id)


@router.post(
    "/periods/{period_id}/close",
    response_model=v.PeriodClosedOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.NOT_A_TREASURER, E.PERIOD_CLOSED),
)
async def close_period(period_id: Id, ctx: Writer) -> Any:
    """Close a period: nothing more can be recorded in it (treasurers)."""
    closed = await period_cases.close_period(c.ClosePeriod(period_id=period_id), ctx)
    return v.PeriodClosedOut(id=closed.id, status=closed.status.value, closed_at=closed.closed_at)


@router.post(
    "/periods/{period_id}/reopen",
    response_model=v.PeriodOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND, E.NOT_A_TREASURER, E.PERIOD_NOT_CLOSED, E.PERIOD_CARRIED_FORWARD
    ),
)
async def reopen_period(period_id: Id, ctx: Writer) -> Any:
    """Reopen a closed period, allowed only while its balances have not been carried forward
    (treasurers)."""
    return shapes.period(await period_cases.reopen_period(c.ReopenPeriod(period_id=period_id), ctx))


@router.post(
    "/periods/carry-forward",
    response_model=v.CarryForwardOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.CARRY_FORWARD_INVALID,
        (409, E.CARRY_FORWARD_INVALID),
        E.PERIOD_NOT_CLOSED,
        E.PERIOD_CARRIED_FORWARD,
        (409, E.PERIOD_NOT_OPEN),
    ),
)
async def carry_forward(body: s.CarryForwardIn, ctx: Writer) -> Any:
    """Carry each owner's balance of a CLOSED period into the next OPEN one: credits become opening
    contributions, debts opening charges (treasurers; once per period)."""
    plan, currency = await carry_cases.carry_forward(body, ctx)
    return shapes.carried(body.from_period_id, body.to_period_id, plan, currency)


@router.get(
    "/periods/{period_id}/opening-transactions",
    response_model=v.OpeningTransactionsOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def opening_transactions(period_id: Id, ctx: Reader) -> Any:
    """The opening contributions and charges a carry-forward recorded in this period."""
    return await periods.opening_transactions(ctx, period_id)


# Money in a period. Amounts are refused by the use case with the seed's messages, so a body's
# amount of any sign reaches it (model_construct: the body has validated every field already).
@router.post(
    "/periods/{period_id}/contributions",
    status_code=201,
    response_model=v.ContributionOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.OWNER_NOT_FOUND,
        E.AMOUNT_NOT_POSITIVE,
        E.PERIOD_NOT_OPEN,
    ),
)
async def record_contribution(period_id: Id, body: s.ContributionIn, ctx: Writer) -> Any:
    """Record an owner's contribution (a payment into the fund) in an open period (treasurers)."""
    command = c.RecordContribution.model_construct(
        period_id=period_id, owner_id=body.user_id, amount=body.amount, comment=body.comment
    )
    return shapes.contribution(await contribution_cases.record_contribution(command, ctx))


@router.get(
    "/periods/{period_id}/contributions",
    response_model=list[v.ContributionOut],
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def list_contributions(period_id: Id, ctx: Reader, owner_id: Id | None = None) -> Any:
    """The period's contributions (an owner sees their own)."""
    return await entries.contributions(ctx, period_id, owner_id)


@router.post(
    "/periods/{period_id}/expenses",
    status_code=201,
    response_model=v.ExpenseOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.AMOUNT_NOT_POSITIVE,
        E.NAME_EMPTY,
        E.PERIOD_NOT_OPEN,
        E.PERIOD_DATES_INVALID,
        (400, E.OWNER_NOT_FOUND),
        E.NO_OWNERS,
        E.METER_TYPE_REQUIRED,
        E.NOTHING_TO_BILL,
    ),
)
async def record_expense(period_id: Id, body: s.ExpenseIn, ctx: Writer) -> Any:
    """Record an expense and allocate it to owners by the chosen strategy (PROPORTIONAL, FIXED_FEE,
    USAGE_BASED or NONE); allocations sum exactly to the amount (treasurers)."""
    command = c.RecordExpense.model_construct(
        period_id=period_id,
        paid_by_owner_id=body.paid_by_user_id,
        amount=body.amount,
        payment_type=body.payment_type,
        vendor=body.vendor,
        description=body.description,
        allocation_strategy=body.allocation_strategy.value,
        owner_ids=body.owner_ids,
        date=body.date,
        meter_type=body.meter_type.value if body.meter_type else None,
    )
    return await entries.expense_view(ctx, await expense_cases.record_expense(command, ctx))


@router.get(
    "/periods/{period_id}/expenses",
    response_model=list[v.ExpenseOut],
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def list_expenses(period_id: Id, ctx: Reader) -> Any:
    """The period's expenses with their allocation."""
    return await entries.expenses(ctx, period_id)


@router.get(
    "/periods/{period_id}/expenses/{expense_id}",
    response_model=v.ExpenseOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.ENTRY_NOT_FOUND),
)
async def get_expense(period_id: Id, expense_id: Id, ctx: Reader) -> Any:
    """One expense with its allocation to owners."""
    return await entries.expense(ctx, period_id, expense_id)


@router.post(
    "/periods/{period_id}/charges",
    status_code=201,
    response_model=v.ChargeOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.OWNER_NOT_FOUND,
        E.AMOUNT_NOT_POSITIVE,
        E.NAME_EMPTY,
        E.PERIOD_NOT_OPEN,
    ),
)
async def record_charge(period_id: Id, body: s.ChargeIn, ctx: Writer) -> Any:
    """Charge one owner a service charge in an open period (treasurers)."""
    command = c.RecordCharge.model_construct(
        period_id=period_id, owner_id=body.user_id, amount=body.amount, description=body.description
    )
    return shapes.charge(await charge_cases.record_charge(command, ctx))


@router.post(
    "/communities/{community_id}/charges",
    status_code=201,
    response_model=list[v.ChargeOut],
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.NO_OPEN_PERIOD,
        E.NO_OWNERS,
        E.AMOUNT_NOT_POSITIVE,
        E.OWNER_NOT_FOUND,
    ),
)
async def charge_owners(community_id: Id, body: s.ChargeOwnersIn, ctx: Writer) -> Any:
    """Charge several (or all active) owners the same amount on a date, in the open period covering
    it (treasurers)."""
    command = c.ChargeOwners.model_construct(community_id=community_id, **dict(body))
    return [shapes.charge(r) for r in await charge_cases.charge_owners(command, ctx)]


@router.get(
    "/periods/{period_id}/charges",
    response_model=list[v.ChargeOut],
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def list_charges(period_id: Id, ctx: Reader, owner_id: Id | None = None) -> Any:
    """The period's service charges (an owner sees their own)."""
    return await entries.charges(ctx, period_id, owner_id)


# Corrections: a reversal is a new entry; nothing posted is ever changed.
async def _reverse(entry: str, period_id: int, entry_id: int, body: s.ReversalIn, ctx: Ctx) -> Any:
    command = c.ReverseEntry.model_validate(
        {"entry": entry, "period_id": period_id, "entry_id": entry_id, "reason": body.reason}
    )
    return await reversal_cases.reverse_entry(command, ctx)


@router.post(
    "/periods/{period_id}/contributions/{entry_id}/reverse",
    status_code=201,
    response_model=v.ContributionOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.ENTRY_NOT_FOUND,
        E.NAME_EMPTY,
        E.ALREADY_REVERSED,
        E.NOT_REVERSIBLE,
        E.PERIOD_NOT_OPEN,
    ),
)
async def reverse_contribution(period_id: Id, entry_id: Id, body: s.ReversalIn, ctx: Writer) -> Any:
    """Reverse a contribution with a reason: a new negative entry, the original stays
    (treasurers)."""
    return shapes.contribution(await _reverse("contribution", period_id, entry_id, body, ctx))


@router.post(
    "/periods/{period_id}/expenses/{entry_id}/reverse",
    status_code=201,
    response_model=v.ExpenseOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.ENTRY_NOT_FOUND,
        E.NAME_EMPTY,
        E.ALREADY_REVERSED,
        E.NOT_REVERSIBLE,
        E.PERIOD_NOT_OPEN,
    ),
)
async def reverse_expense(period_id: Id, entry_id: Id, body: s.ReversalIn, ctx: Writer) -> Any:
    """Reverse an expense and its allocation with a reason (treasurers)."""
    return await entries.expense_view(
        ctx, await _reverse("expense", period_id, entry_id, body, ctx)
    )


@router.post(
    "/periods/{period_id}/charges/{entry_id}/reverse",
    status_code=201,
    response_model=v.ChargeOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.ENTRY_NOT_FOUND,
        E.NAME_EMPTY,
        E.ALREADY_REVERSED,
        E.NOT_REVERSIBLE,
        E.PERIOD_NOT_OPEN,
    ),
)
async def reverse_charge(period_id: Id, entry_id: Id, body: s.ReversalIn, ctx: Writer) -> Any:
    """Reverse a service charge with a reason (treasurers)."""
    return shapes.charge(await _reverse("charge", period_id, entry_id, body, ctx))


# Balances
@router.get(
    "/periods/{period_id}/balance-sheet",
    response_model=v.BalanceSheetOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.BALANCE_SHEET_TREASURERS_ONLY),
)
async def balance_sheet(period_id: Id, ctx: Reader) -> Any:
    """Every owner's balance in the period: contributions + expenses paid personally - allocated
    share - charges."""
    # Made by the database from the running balances (the response model is for the docs).
    sheet = await balances.balance_sheet_json(ctx, period_id)
    return Response(sheet, media_type="application/json")


@router.get(
    "/periods/{period_id}/owner-balance/{owner_id}",
    response_model=v.OwnerBalanceOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.OWNER_NOT_FOUND, E.OWN_RECORDS_ONLY),
)
async def owner_balance(period_id: Id, owner_id: Id, ctx: Reader) -> Any:
    """One owner's balance in the period (an owner sees their own only)."""
    return await balances.owner_balance(ctx, period_id, owner_id)


@router.get(
    "/periods/{period_id}/fund-summary",
    response_model=v.FundSummaryOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def fund_summary(period_id: Id, ctx: Reader) -> Any:
    """The community fund in the period: contributions minus expenses paid from the fund."""
    return await balances.fund_summary(ctx, period_id)


# Meters and readings
@router.post(
    "/communities/{community_id}/meters",
    status_code=201,
    response_model=v.MeterOut,
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND, E.NOT_A_TREASURER, E.OWNER_NOT_FOUND, E.AMOUNT_NOT_POSITIVE
    ),
)
async def register_meter(community_id: Id, body: s.MeterIn, ctx: Writer) -> Any:
    """Register a meter (electricity, water...) of an owner with its tariff (treasurers)."""
    command = c.RegisterMeter(
        community_id=community_id,
        owner_id=body.owner_id,
        meter_type=body.meter_type.value,
        name=body.name,
        tariff=body.tariff,
    )
    return shapes.meter(await meter_cases.register_meter(command, ctx))


@router.get(
    "/communities/{community_id}/meters",
    response_model=list[v.MeterOut],
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND),
)
async def list_meters(community_id: Id, ctx: Reader, owner_id: Id | None = None) -> Any:
    """The community's meters (an owner sees their own)."""
    return await meter_queries.meters(ctx, community_id, owner_id)


@router.post(
    "/meters/{meter_id}/readings",
    status_code=201,
    response_model=v.ReadingOut,
    openapi_extra=raises(E.METER_NOT_FOUND, E.OWN_RECORDS_ONLY, E.READING_INVALID),
)
async def record_reading(meter_id: Id, body: s.ReadingIn, ctx: Writer) -> Any:
    """Record a meter reading; readings never go backwards unless marked as a meter replacement
    (treasurers, or the meter's owner)."""
    command = c.RecordMeterReading(meter_id=meter_id, **body.model_dump())
    return shapes.reading(await meter_cases.record_reading(command, ctx))


@router.get(
    "/meters/{meter_id}/readings",
    response_model=list[v.ReadingOut],
    openapi_extra=raises(E.METER_NOT_FOUND),
)
async def list_readings(meter_id: Id, ctx: Reader) -> Any:
    """A meter's readings, oldest first."""
    return await meter_queries.readings(ctx, meter_id)


@router.get(
    "/periods/{period_id}/consumption",
    response_model=v.ConsumptionOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def period_consumption(
    period_id: Id, ctx: Reader, meter_type: MeterType | None = None
) -> Any:
    """Each meter's consumption in the period, computed from its readings."""
    return await meter_queries.consumption(ctx, period_id, meter_type.value if meter_type else None)


@router.post(
    "/periods/{period_id}/usage-billing",
    status_code=201,
    response_model=list[v.ChargeOut],
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.PERIOD_NOT_OPEN,
        E.ALREADY_APPLIED,
        E.NOTHING_TO_BILL,
    ),
)
async def bill_usage(period_id: Id, body: s.UsageBillingIn, ctx: Writer) -> Any:
    """Charge each owner their metered consumption at the tariff, once per meter type and period
    (treasurers)."""
    command = c.BillUsage(period_id=period_id, meter_type=body.meter_type.value)
    return [shapes.charge(r) for r in await meter_cases.bill_usage(command, ctx)]


# Budgets
@router.post(
    "/periods/{period_id}/budget-items",
    status_code=201,
    response_model=v.BudgetItemOut,
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.NAME_EMPTY,
        E.METER_TYPE_REQUIRED,
        E.AMOUNT_NOT_POSITIVE,
    ),
)
async def create_budget_item(period_id: Id, body: s.BudgetItemIn, ctx: Writer) -> Any:
    """Plan a budget item of the period with its allocation strategy (treasurers)."""
    command = c.CreateBudgetItem.model_construct(
        period_id=period_id,
        category=body.category,
        planned_amount=body.planned_amount,
        allocation_strategy=body.allocation_strategy.value,
        meter_type=body.meter_type.value if body.meter_type else None,
        description=body.description,
    )
    return shapes.budget_item(await budget_cases.create_budget_item(command, ctx))


@router.get(
    "/periods/{period_id}/budget-items",
    response_model=list[v.BudgetItemOut],
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def list_budget_items(period_id: Id, ctx: Reader) -> Any:
    """The period's budget items and whether they are applied."""
    return await budgets.budget_items(ctx, period_id)


@router.post(
    "/periods/{period_id}/budget-items/{item_id}/apply",
    status_code=201,
    response_model=list[v.ChargeOut],
    openapi_extra=raises(
        E.PERIOD_NOT_FOUND,
        E.NOT_A_TREASURER,
        E.BUDGET_ITEM_NOT_FOUND,
        E.ALREADY_APPLIED,
        E.NO_OWNERS,
        E.PERIOD_NOT_OPEN,
        E.NOTHING_TO_BILL,
    ),
)
async def apply_budget_item(period_id: Id, item_id: Id, ctx: Writer) -> Any:
    """Apply a budget item: charge owners their share of it, once (treasurers)."""
    command = c.ApplyBudgetItem(period_id=period_id, budget_item_id=item_id)
    return [shapes.charge(r) for r in await budget_cases.apply_budget_item(command, ctx)]


@router.get(
    "/periods/{period_id}/budget-vs-actual",
    response_model=v.BudgetVsActualOut,
    openapi_extra=raises(E.PERIOD_NOT_FOUND),
)
async def budget_vs_actual(period_id: Id, ctx: Reader) -> Any:
    """The period's budget next to what was actually spent, per category."""
    return await budgets.budget_vs_actual(ctx, period_id)
