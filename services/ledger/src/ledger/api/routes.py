"""The ledger's REST API under ``/api/payments``: writes turn a body into the contract's command
and call its use case; reads call a query. No rule, no arithmetic and no storage here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sosenki_contracts.bounds import MAX_INT32, Id
from sosenki_contracts.commands import ledger as c
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import BadRequest
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
@router.post("/communities", status_code=201, response_model=v.CommunityOut)
async def create_community(body: s.CommunityIn, ctx: Writer) -> Any:
    return shapes.community(await community_cases.create_community(body, ctx))


@router.get("/communities/{community_id}", response_model=v.CommunityOut)
async def get_community(community_id: Id, ctx: Reader) -> Any:
    return await communities.community(ctx, community_id)


@router.put("/communities/{community_id}/settings", response_model=v.CommunityOut)
async def change_settings(community_id: Id, body: s.CommunitySettingsIn, ctx: Writer) -> Any:
    command = c.ChangeCommunitySettings(community_id=community_id, **body.model_dump())
    return await communities.community_view(
        ctx, await community_cases.change_settings(command, ctx)
    )


@router.post("/communities/{community_id}/treasurers", status_code=201)
async def add_treasurer(community_id: Id, body: s.TreasurerIn, ctx: Writer) -> Any:
    command = c.AppointTreasurer(community_id=community_id, user_id=body.user_id)
    await community_cases.appoint_treasurer(command, ctx)
    return {"community_id": community_id, "user_id": body.user_id}


@router.get("/users/{user_id}/memberships", response_model=v.UserMembershipsOut)
async def user_memberships(user_id: Id, ctx: Reader) -> Any:
    """Every community where the user is a treasurer or an owner (the user or a service only)."""
    return await communities.memberships(ctx, user_id)


@router.post("/communities/{community_id}/owners", status_code=201, response_model=v.OwnerOut)
async def add_owner(community_id: Id, body: s.OwnerIn, ctx: Writer) -> Any:
    command = c.AddOwner(community_id=community_id, **body.model_dump())
    return await owners.owner_view(ctx, await owner_cases.add_owner(command, ctx))


@router.post("/communities/{community_id}/owners/{user_id}/shares", response_model=v.OwnerOut)
async def change_share(community_id: Id, user_id: Id, body: s.ShareChangeIn, ctx: Writer) -> Any:
    command = c.ChangeShare(community_id=community_id, owner_id=user_id, **body.model_dump())
    return await owners.owner_view(ctx, await owner_cases.change_share(command, ctx))


@router.post("/communities/{community_id}/owners/{user_id}/deactivate", response_model=v.OwnerOut)
async def deactivate_owner(community_id: Id, user_id: Id, ctx: Writer) -> Any:
    command = c.DeactivateOwner(community_id=community_id, owner_id=user_id)
    return await owners.owner_view(ctx, await owner_cases.deactivate_owner(command, ctx))


@router.get("/communities/{community_id}/owners", response_model=list[v.OwnerOut])
async def list_owners(community_id: Id, ctx: Reader) -> Any:
    return await owners.owners(ctx, community_id)


# Periods
@router.post("/periods", status_code=201, response_model=v.PeriodOut)
async def create_period(body: s.PeriodIn, ctx: Writer, principal: CurrentPrincipal) -> Any:
    community_id = body.community_id
    if community_id is None:
        if len(principal.communities) != 1:
            raise BadRequest("community_id is required")
        (community_id,) = principal.communities
    command = c.CreatePeriod(community_id=community_id, **body.model_dump(exclude={"community_id"}))
    return shapes.period(await period_cases.create_period(command, ctx))


@router.get("/periods", response_model=v.PeriodList)
async def list_periods(
    ctx: Reader,
    status: str | None = None,
    community_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> Any:
    return await periods.periods(ctx, status, community_id, limit, offset)


@router.get("/periods/{period_id}", response_model=v.PeriodOut)
async def get_period(period_id: Id, ctx: Reader) -> Any:
    return await periods.period(ctx, period_id)


@router.post("/periods/{period_id}/close", response_model=v.PeriodClosedOut)
async def close_period(period_id: Id, ctx: Writer) -> Any:
    closed = await period_cases.close_period(c.ClosePeriod(period_id=period_id), ctx)
    return v.PeriodClosedOut(id=closed.id, status=closed.status.value, closed_at=closed.closed_at)


@router.post("/periods/{period_id}/reopen", response_model=v.PeriodOut)
async def reopen_period(period_id: Id, ctx: Writer) -> Any:
    return shapes.period(await period_cases.reopen_period(c.ReopenPeriod(period_id=period_id), ctx))


@router.post("/periods/carry-forward", response_model=v.CarryForwardOut)
async def carry_forward(body: s.CarryForwardIn, ctx: Writer) -> Any:
    plan, currency = await carry_cases.carry_forward(body, ctx)
    return shapes.carried(body.from_period_id, body.to_period_id, plan, currency)


@router.get("/periods/{period_id}/opening-transactions", response_model=v.OpeningTransactionsOut)
async def opening_transactions(period_id: Id, ctx: Reader) -> Any:
    return await periods.opening_transactions(ctx, period_id)


# Money in a period. Amounts are refused by the use case with the seed's messages, so a body's
# amount of any sign reaches it (model_construct: the body has validated every field already).
@router.post(
    "/periods/{period_id}/contributions", status_code=201, response_model=v.ContributionOut
)
async def record_contribution(period_id: Id, body: s.ContributionIn, ctx: Writer) -> Any:
    command = c.RecordContribution.model_construct(
        period_id=period_id, owner_id=body.user_id, amount=body.amount, comment=body.comment
    )
    return shapes.contribution(await contribution_cases.record_contribution(command, ctx))


@router.get("/periods/{period_id}/contributions", response_model=list[v.ContributionOut])
async def list_contributions(period_id: Id, ctx: Reader, owner_id: Id | None = None) -> Any:
    return await entries.contributions(ctx, period_id, owner_id)


@router.post("/periods/{period_id}/expenses", status_code=201, response_model=v.ExpenseOut)
async def record_expense(period_id: Id, body: s.ExpenseIn, ctx: Writer) -> Any:
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


@router.get("/periods/{period_id}/expenses", response_model=list[v.ExpenseOut])
async def list_expenses(period_id: Id, ctx: Reader) -> Any:
    return await entries.expenses(ctx, period_id)


@router.get("/periods/{period_id}/expenses/{expense_id}", response_model=v.ExpenseOut)
async def get_expense(period_id: Id, expense_id: Id, ctx: Reader) -> Any:
    return await entries.expense(ctx, period_id, expense_id)


@router.post("/periods/{period_id}/charges", status_code=201, response_model=v.ChargeOut)
async def record_charge(period_id: Id, body: s.ChargeIn, ctx: Writer) -> Any:
    command = c.RecordCharge.model_construct(
        period_id=period_id, owner_id=body.user_id, amount=body.amount, description=body.description
    )
    return shapes.charge(await charge_cases.record_charge(command, ctx))


@router.post(
    "/communities/{community_id}/charges", status_code=201, response_model=list[v.ChargeOut]
)
async def charge_owners(community_id: Id, body: s.ChargeOwnersIn, ctx: Writer) -> Any:
    command = c.ChargeOwners.model_construct(community_id=community_id, **dict(body))
    return [shapes.charge(r) for r in await charge_cases.charge_owners(command, ctx)]


@router.get("/periods/{period_id}/charges", response_model=list[v.ChargeOut])
async def list_charges(period_id: Id, ctx: Reader, owner_id: Id | None = None) -> Any:
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
)
async def reverse_contribution(period_id: Id, entry_id: Id, body: s.ReversalIn, ctx: Writer) -> Any:
    return shapes.contribution(await _reverse("contribution", period_id, entry_id, body, ctx))


@router.post(
    "/periods/{period_id}/expenses/{entry_id}/reverse", status_code=201, response_model=v.ExpenseOut
)
async def reverse_expense(period_id: Id, entry_id: Id, body: s.ReversalIn, ctx: Writer) -> Any:
    return await entries.expense_view(
        ctx, await _reverse("expense", period_id, entry_id, body, ctx)
    )


@router.post(
    "/periods/{period_id}/charges/{entry_id}/reverse", status_code=201, response_model=v.ChargeOut
)
async def reverse_charge(period_id: Id, entry_id: Id, body: s.ReversalIn, ctx: Writer) -> Any:
    return shapes.charge(await _reverse("charge", period_id, entry_id, body, ctx))


# Balances
@router.get("/periods/{period_id}/balance-sheet", response_model=v.BalanceSheetOut)
async def balance_sheet(period_id: Id, ctx: Reader) -> Any:
    # Made by the database from the running balances (the response model is for the docs).
    sheet = await balances.balance_sheet_json(ctx, period_id)
    return Response(sheet, media_type="application/json")


@router.get("/periods/{period_id}/owner-balance/{owner_id}", response_model=v.OwnerBalanceOut)
async def owner_balance(period_id: Id, owner_id: Id, ctx: Reader) -> Any:
    return await balances.owner_balance(ctx, period_id, owner_id)


@router.get("/periods/{period_id}/fund-summary", response_model=v.FundSummaryOut)
async def fund_summary(period_id: Id, ctx: Reader) -> Any:
    return await balances.fund_summary(ctx, period_id)


# Meters and readings
@router.post("/communities/{community_id}/meters", status_code=201, response_model=v.MeterOut)
async def register_meter(community_id: Id, body: s.MeterIn, ctx: Writer) -> Any:
    command = c.RegisterMeter(
        community_id=community_id,
        owner_id=body.owner_id,
        meter_type=body.meter_type.value,
        name=body.name,
        tariff=body.tariff,
    )
    return shapes.meter(await meter_cases.register_meter(command, ctx))


@router.get("/communities/{community_id}/meters", response_model=list[v.MeterOut])
async def list_meters(community_id: Id, ctx: Reader, owner_id: Id | None = None) -> Any:
    return await meter_queries.meters(ctx, community_id, owner_id)


@router.post("/meters/{meter_id}/readings", status_code=201, response_model=v.ReadingOut)
async def record_reading(meter_id: Id, body: s.ReadingIn, ctx: Writer) -> Any:
    command = c.RecordMeterReading(meter_id=meter_id, **body.model_dump())
    return shapes.reading(await meter_cases.record_reading(command, ctx))


@router.get("/meters/{meter_id}/readings", response_model=list[v.ReadingOut])
async def list_readings(meter_id: Id, ctx: Reader) -> Any:
    return await meter_queries.readings(ctx, meter_id)


@router.get("/periods/{period_id}/consumption", response_model=v.ConsumptionOut)
async def period_consumption(
    period_id: Id, ctx: Reader, meter_type: MeterType | None = None
) -> Any:
    return await meter_queries.consumption(ctx, period_id, meter_type.value if meter_type else None)


@router.post(
    "/periods/{period_id}/usage-billing", status_code=201, response_model=list[v.ChargeOut]
)
async def bill_usage(period_id: Id, body: s.UsageBillingIn, ctx: Writer) -> Any:
    command = c.BillUsage(period_id=period_id, meter_type=body.meter_type.value)
    return [shapes.charge(r) for r in await meter_cases.bill_usage(command, ctx)]


# Budgets
@router.post("/periods/{period_id}/budget-items", status_code=201, response_model=v.BudgetItemOut)
async def create_budget_item(period_id: Id, body: s.BudgetItemIn, ctx: Writer) -> Any:
    command = c.CreateBudgetItem.model_construct(
        period_id=period_id,
        category=body.category,
        planned_amount=body.planned_amount,
        allocation_strategy=body.allocation_strategy.value,
        meter_type=body.meter_type.value if body.meter_type else None,
        description=body.description,
    )
    return shapes.budget_item(await budget_cases.create_budget_item(command, ctx))


@router.get("/periods/{period_id}/budget-items", response_model=list[v.BudgetItemOut])
async def list_budget_items(period_id: Id, ctx: Reader) -> Any:
    return await budgets.budget_items(ctx, period_id)


@router.post(
    "/periods/{period_id}/budget-items/{item_id}/apply",
    status_code=201,
    response_model=list[v.ChargeOut],
)
async def apply_budget_item(period_id: Id, item_id: Id, ctx: Writer) -> Any:
    command = c.ApplyBudgetItem(period_id=period_id, budget_item_id=item_id)
    return [shapes.charge(r) for r in await budget_cases.apply_budget_item(command, ctx)]


@router.get("/periods/{period_id}/budget-vs-actual", response_model=v.BudgetVsActualOut)
async def budget_vs_actual(period_id: Id, ctx: Reader) -> Any:
    return await budgets.budget_vs_actual(ctx, period_id)
