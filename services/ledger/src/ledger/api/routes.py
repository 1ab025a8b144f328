"""The ledger's REST API under ``/api/payments``: thin translators into :class:`Treasury` calls."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sosenki_contracts.bounds import MAX_INT32, Id
from sosenki_contracts.money import format_amount
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import BadRequest, NotFound
from sosenki_platform.requests import ReadSession, WriteSession, correlation_id, runtime_of

from ledger.access import Caller
from ledger.api import schemas as s
from ledger.domain import shares as share_rules
from ledger.domain.balances import OwnerTotals
from ledger.domain.meters import MeterType
from ledger.domain.periods import Period
from ledger.treasury import Treasury

router = APIRouter(prefix="/api/payments", tags=["ledger"])


def _writer(request: Request, session: WriteSession, principal: CurrentPrincipal) -> Treasury:
    caller = Caller.from_principal(principal)
    return Treasury(runtime_of(request), session, caller, correlation_id(request))


def _reader(request: Request, session: ReadSession, principal: CurrentPrincipal) -> Treasury:
    return Treasury(runtime_of(request), session, Caller.from_principal(principal))


Writer = Annotated[Treasury, Depends(_writer)]
Reader = Annotated[Treasury, Depends(_reader)]


def _period_out(p: Period) -> s.PeriodOut:
    return s.PeriodOut(
        id=p.id,
        community_id=p.community_id,
        name=p.name,
        start_date=p.start_date,
        end_date=p.end_date,
        status=p.status.value,
        description=p.description,
        closed_at=p.closed_at,
    )


def _share_text(share: Any) -> str:
    return format(Decimal(share).normalize(), "f")


def _owner_out(row: Any, history: list[tuple[date, Decimal]]) -> s.OwnerOut:
    today = date.today()
    current = share_rules.share_on(history, today)
    return s.OwnerOut(
        owner_id=row.user_id,
        user_id=row.user_id,
        display_name=row.display_name,
        username=row.username,
        ownership_share=_share_text(row.ownership_share if current is None else current),
        active=row.active,
        scheduled_shares=[
            s.ScheduledShareOut(effective_from=day, ownership_share=_share_text(share))
            for day, share in share_rules.scheduled(history, today)
        ],
    )


async def _owner_with_shares(treasury: Treasury, row: Any) -> s.OwnerOut:
    history = await treasury.repo.share_history(row.community_id)
    return _owner_out(row, history.get(row.user_id, []))


def _contribution_out(row: Any) -> s.ContributionOut:
    return s.ContributionOut(
        id=row.id,
        service_period_id=row.period_id,
        user_id=row.owner_id,
        amount=format_amount(row.amount, row.currency),
        currency=row.currency,
        date=row.date,
        comment=row.comment,
        kind=row.kind,
        reverses_id=row.reverses_id,
        reason=row.reason,
    )


def _expense_out(row: Any, lines: dict[int, Decimal]) -> s.ExpenseOut:
    return s.ExpenseOut(
        id=row.id,
        service_period_id=row.period_id,
        paid_by_user_id=row.paid_by_owner_id,
        amount=format_amount(row.amount, row.currency),
        currency=row.currency,
        payment_type=row.payment_type,
        date=row.date,
        vendor=row.vendor,
        description=row.description,
        allocation_strategy=row.allocation_strategy,
        kind=row.kind,
        reverses_id=row.reverses_id,
        reason=row.reason,
        allocations=[
            s.AllocationLineOut(owner_id=o, amount=format_amount(a, row.currency))
            for o, a in lines.items()
        ],
    )


# Communities and owners
@router.post("/communities", status_code=201, response_model=s.CommunityOut)
async def create_community(body: s.CommunityIn, treasury: Writer) -> Any:
    row = await treasury.create_community(body.name, body.base_currency, body.timezone)
    return _community_out(row)


def _community_out(row: Any, my_role: str | None = None) -> s.CommunityOut:
    return s.CommunityOut(
        id=row.id,
        name=row.name,
        base_currency=row.base_currency,
        timezone=row.timezone,
        my_role=my_role,
        owners_see_balance_sheet=row.owners_see_balance_sheet,
    )


@router.get("/communities/{community_id}", response_model=s.CommunityOut)
async def get_community(community_id: Id, treasury: Reader) -> Any:
    row = await treasury.require_reader(community_id)
    return _community_out(row, await treasury.role_in(community_id))


@router.put("/communities/{community_id}/settings", response_model=s.CommunityOut)
async def change_settings(community_id: Id, body: s.CommunitySettingsIn, treasury: Writer) -> Any:
    row = await treasury.set_settings(community_id, body.owners_see_balance_sheet)
    return _community_out(row, await treasury.role_in(community_id))


@router.post("/communities/{community_id}/owners", status_code=201, response_model=s.OwnerOut)
async def add_owner(community_id: Id, body: s.OwnerIn, treasury: Writer) -> Any:
    row = await treasury.add_owner(
        community_id, body.user_id, body.display_name, body.username, body.ownership_share
    )
    return await _owner_with_shares(treasury, row)


@router.post("/communities/{community_id}/owners/{user_id}/shares", response_model=s.OwnerOut)
async def change_share(
    community_id: Id, user_id: Id, body: s.ShareChangeIn, treasury: Writer
) -> Any:
    row = await treasury.change_share(
        community_id, user_id, body.ownership_share, body.effective_from
    )
    return await _owner_with_shares(treasury, row)


@router.post("/communities/{community_id}/owners/{user_id}/deactivate", response_model=s.OwnerOut)
async def deactivate_owner(community_id: Id, user_id: Id, treasury: Writer) -> Any:
    row = await treasury.deactivate_owner(community_id, user_id)
    return await _owner_with_shares(treasury, row)


@router.post("/communities/{community_id}/treasurers", status_code=201)
async def add_treasurer(community_id: Id, body: s.TreasurerIn, treasury: Writer) -> Any:
    await treasury.add_treasurer(community_id, body.user_id)
    return {"community_id": community_id, "user_id": body.user_id}


@router.get("/communities/{community_id}/owners", response_model=list[s.OwnerOut])
async def list_owners(community_id: Id, treasury: Reader) -> Any:
    await treasury.require_reader(community_id)
    history = await treasury.repo.share_history(community_id)
    return [
        _owner_out(r, history.get(r.user_id, []))
        for r in await treasury.repo.list_owners(community_id)
    ]


@router.get("/users/{user_id}/memberships", response_model=s.UserMembershipsOut)
async def user_memberships(user_id: Id, treasury: Reader) -> Any:
    """Every community where the user is a treasurer or an owner (the user or a service only)."""
    found = await treasury.memberships_of(user_id)
    return s.UserMembershipsOut(
        user_id=user_id,
        memberships=[
            s.MembershipOut(community_id=c, role=role, active=active) for c, role, active in found
        ],
    )


# Periods
@router.post("/periods", status_code=201, response_model=s.PeriodOut)
async def create_period(body: s.PeriodIn, treasury: Writer, principal: CurrentPrincipal) -> Any:
    community_id = body.community_id
    if community_id is None:
        if len(principal.communities) != 1:
            raise BadRequest("community_id is required")
        (community_id,) = principal.communities
    period = await treasury.create_period(
        community_id, body.name, body.start_date, body.end_date, body.description
    )
    return _period_out(period)


@router.get("/periods", response_model=s.PeriodList)
async def list_periods(
    treasury: Reader,
    status: str | None = None,
    community_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> Any:
    if community_id is not None:
        await treasury.require_reader(community_id)
        scope: list[int] | None = [community_id]
    else:
        scope = await treasury.visible_community_ids()
    periods, total = await treasury.repo.list_periods(
        scope, treasury.status_filter(status), limit, offset
    )
    return s.PeriodList(
        periods=[_period_out(p) for p in periods], total=total, limit=limit, offset=offset
    )


@router.get("/periods/{period_id}", response_model=s.PeriodOut)
async def get_period(period_id: Id, treasury: Reader) -> Any:
    return _period_out(await treasury.period(period_id))


@router.post("/periods/{period_id}/close", response_model=s.PeriodClosedOut)
async def close_period(period_id: Id, treasury: Writer) -> Any:
    period = await treasury.close_period(period_id)
    return s.PeriodClosedOut(id=period.id, status=period.status.value, closed_at=period.closed_at)


# Contributions and expenses
@router.post(
    "/periods/{period_id}/contributions", status_code=201, response_model=s.ContributionOut
)
async def record_contribution(period_id: Id, body: s.ContributionIn, treasury: Writer) -> Any:
    row = await treasury.record_contribution(period_id, body.user_id, body.amount, body.comment)
    return _contribution_out(row)


@router.get("/periods/{period_id}/contributions", response_model=list[s.ContributionOut])
async def list_contributions(period_id: Id, treasury: Reader, owner_id: Id | None = None) -> Any:
    period = await treasury.period(period_id)
    whose = await treasury.owner_filter(period.community_id, owner_id)
    return [_contribution_out(r) for r in await treasury.repo.list_contributions(period_id, whose)]


@router.post("/periods/{period_id}/expenses", status_code=201, response_model=s.ExpenseOut)
async def record_expense(period_id: Id, body: s.ExpenseIn, treasury: Writer) -> Any:
    row = await treasury.record_expense(
        period_id,
        paid_by_owner_id=body.paid_by_user_id,
        amount=body.amount,
        payment_type=body.payment_type,
        vendor=body.vendor,
        description=body.description,
        strategy=body.allocation_strategy,
        owner_subset=body.owner_ids,
        when=body.date,
        meter_type=body.meter_type,
    )
    return _expense_out(row, (await treasury.repo.allocations_of([row.id]))[row.id])


@router.get("/periods/{period_id}/expenses", response_model=list[s.ExpenseOut])
async def list_expenses(period_id: Id, treasury: Reader) -> Any:
    await treasury.period(period_id)
    rows = await treasury.repo.list_expenses(period_id)
    allocations = await treasury.repo.allocations_of([r.id for r in rows])
    return [_expense_out(r, allocations[r.id]) for r in rows]


@router.get("/periods/{period_id}/expenses/{expense_id}", response_model=s.ExpenseOut)
async def get_expense(period_id: Id, expense_id: Id, treasury: Reader) -> Any:
    await treasury.period(period_id)
    row = await treasury.repo.get_entry("expense", period_id, expense_id)
    if row is None:
        raise NotFound("Expense not found")
    return _expense_out(row, (await treasury.repo.allocations_of([expense_id]))[expense_id])


# Service charges
def _charge_out(row: Any) -> s.ChargeOut:
    return s.ChargeOut(
        id=row.id,
        service_period_id=row.period_id,
        user_id=row.owner_id,
        amount=format_amount(row.amount, row.currency),
        currency=row.currency,
        description=row.description,
        date=row.date,
        kind=row.kind,
        reverses_id=row.reverses_id,
        reason=row.reason,
    )


@router.post("/periods/{period_id}/charges", status_code=201, response_model=s.ChargeOut)
async def record_charge(period_id: Id, body: s.ChargeIn, treasury: Writer) -> Any:
    row = await treasury.record_charge(period_id, body.user_id, body.amount, body.description)
    return _charge_out(row)


@router.post(
    "/communities/{community_id}/charges", status_code=201, response_model=list[s.ChargeOut]
)
async def charge_owners(community_id: Id, body: s.ChargeOwnersIn, treasury: Writer) -> Any:
    rows = await treasury.charge_owners(
        community_id, body.on_date, body.amount, body.description, body.owner_ids
    )
    return [_charge_out(r) for r in rows]


@router.get("/periods/{period_id}/charges", response_model=list[s.ChargeOut])
async def list_charges(period_id: Id, treasury: Reader, owner_id: Id | None = None) -> Any:
    period = await treasury.period(period_id)
    whose = await treasury.owner_filter(period.community_id, owner_id)
    return [_charge_out(r) for r in await treasury.repo.list_charges(period_id, whose)]


# Balances
def _entry(e: OwnerTotals, currency: str) -> dict[str, Any]:
    return {
        "owner_id": e.owner_id,
        "total_contributions": format_amount(e.total_contributions, currency),
        "total_expenses": format_amount(e.total_expenses, currency),
        "total_charges": format_amount(e.total_charges, currency),
        "total_paid_expenses": format_amount(e.total_paid_expenses, currency),
        "balance": format_amount(e.balance, currency),
    }


@router.get("/periods/{period_id}/balance-sheet", response_model=s.BalanceSheetOut)
async def balance_sheet(period_id: Id, treasury: Reader) -> Any:
    period, currency, entries = await treasury.period_balances(period_id)
    total = sum((e.balance for e in entries), Decimal(0))
    return s.BalanceSheetOut(
        period_id=period.id,
        currency=currency,
        entries=[s.BalanceEntryOut(username=e.username, **_entry(e, currency)) for e in entries],
        total_period_balance=format_amount(total, currency),
    )


@router.get("/periods/{period_id}/owner-balance/{owner_id}", response_model=s.OwnerBalanceOut)
async def owner_balance(period_id: Id, owner_id: Id, treasury: Reader) -> Any:
    currency, entry = await treasury.owner_balance(period_id, owner_id)
    return s.OwnerBalanceOut(period_id=period_id, **_entry(entry, currency))


@router.get("/periods/{period_id}/fund-summary", response_model=s.FundSummaryOut)
async def fund_summary(period_id: Id, treasury: Reader) -> Any:
    currency, contributed, spent = await treasury.fund_summary(period_id)
    return s.FundSummaryOut(
        period_id=period_id,
        currency=currency,
        total_contributions=format_amount(contributed, currency),
        total_fund_expenses=format_amount(spent, currency),
        fund_balance=format_amount(contributed - spent, currency),
    )


# Period transitions
@router.post("/periods/{period_id}/reopen", response_model=s.PeriodOut)
async def reopen_period(period_id: Id, treasury: Writer) -> Any:
    return _period_out(await treasury.reopen_period(period_id))


@router.post("/periods/carry-forward", response_model=s.CarryForwardOut)
async def carry_forward(body: s.CarryForwardIn, treasury: Writer) -> Any:
    plan, currency = await treasury.carry_forward(body.from_period_id, body.to_period_id)
    count = len(plan.balances)
    return s.CarryForwardOut(
        from_period_id=body.from_period_id,
        to_period_id=body.to_period_id,
        carried_forward_owners={
            str(o): format_amount(b, currency) for o, b in plan.balances.items()
        },
        total_carried=format_amount(plan.total, currency),
        message=f"Successfully carried forward {count} owner balance{'s' if count != 1 else ''}",
    )


@router.get("/periods/{period_id}/opening-transactions", response_model=s.OpeningTransactionsOut)
async def opening_transactions(period_id: Id, treasury: Reader) -> Any:
    period = await treasury.period(period_id)
    currency = await treasury.currency_of(period)
    whose = await treasury.owner_filter(period.community_id, None)
    contributions = await treasury.repo.list_contributions(period_id, whose, kind="opening")
    charges = await treasury.repo.list_charges(period_id, whose, kind="opening")
    return s.OpeningTransactionsOut(
        period_id=period_id,
        opening_contributions=[
            s.OpeningContributionOut(
                id=r.id,
                user_id=r.owner_id,
                amount=format_amount(r.amount, r.currency),
                date=r.date,
                comment=r.comment,
            )
            for r in contributions
        ],
        opening_charges=[
            s.OpeningChargeOut(
                id=r.id,
                user_id=r.owner_id,
                amount=format_amount(r.amount, r.currency),
                description=r.description,
            )
            for r in charges
        ],
        total_opening_contributions=format_amount(
            sum((Decimal(r.amount) for r in contributions), Decimal(0)), currency
        ),
        total_opening_charges=format_amount(
            sum((Decimal(r.amount) for r in charges), Decimal(0)), currency
        ),
    )


# Corrections: a reversal is a new entry; nothing posted is ever changed.
@router.post(
    "/periods/{period_id}/contributions/{entry_id}/reverse",
    status_code=201,
    response_model=s.ContributionOut,
)
async def reverse_contribution(
    period_id: Id, entry_id: Id, body: s.ReversalIn, treasury: Writer
) -> Any:
    return _contribution_out(
        await treasury.reverse("contribution", period_id, entry_id, body.reason)
    )


@router.post(
    "/periods/{period_id}/expenses/{entry_id}/reverse", status_code=201, response_model=s.ExpenseOut
)
async def reverse_expense(period_id: Id, entry_id: Id, body: s.ReversalIn, treasury: Writer) -> Any:
    row = await treasury.reverse("expense", period_id, entry_id, body.reason)
    return _expense_out(row, (await treasury.repo.allocations_of([row.id]))[row.id])


@router.post(
    "/periods/{period_id}/charges/{entry_id}/reverse", status_code=201, response_model=s.ChargeOut
)
async def reverse_charge(period_id: Id, entry_id: Id, body: s.ReversalIn, treasury: Writer) -> Any:
    return _charge_out(await treasury.reverse("charge", period_id, entry_id, body.reason))


# Meters and readings
def _decimal_text(value: Any) -> str:
    return format(Decimal(value).normalize(), "f")


def _meter_out(row: Any) -> s.MeterOut:
    return s.MeterOut(
        id=row.id,
        community_id=row.community_id,
        owner_id=row.owner_id,
        meter_type=row.meter_type,
        name=row.name,
        tariff=None if row.tariff is None else _decimal_text(row.tariff),
    )


@router.post("/communities/{community_id}/meters", status_code=201, response_model=s.MeterOut)
async def register_meter(community_id: Id, body: s.MeterIn, treasury: Writer) -> Any:
    row = await treasury.register_meter(
        community_id, body.owner_id, body.meter_type, body.name, body.tariff
    )
    return _meter_out(row)


@router.get("/communities/{community_id}/meters", response_model=list[s.MeterOut])
async def list_meters(community_id: Id, treasury: Reader, owner_id: Id | None = None) -> Any:
    await treasury.require_reader(community_id)
    whose = await treasury.owner_filter(community_id, owner_id)
    return [_meter_out(m) for m in await treasury.repo.list_meters(community_id, owner_id=whose)]


def _reading_out(row: Any) -> s.ReadingOut:
    return s.ReadingOut(
        id=row.id,
        meter_id=row.meter_id,
        reading_date=row.reading_date,
        value=_decimal_text(row.value),
        is_replacement=row.is_replacement,
    )


@router.post("/meters/{meter_id}/readings", status_code=201, response_model=s.ReadingOut)
async def record_reading(meter_id: Id, body: s.ReadingIn, treasury: Writer) -> Any:
    row = await treasury.record_reading(
        meter_id, body.reading_date, body.value, body.is_replacement
    )
    return _reading_out(row)


@router.get("/meters/{meter_id}/readings", response_model=list[s.ReadingOut])
async def list_readings(meter_id: Id, treasury: Reader) -> Any:
    meter = await treasury.meter(meter_id)
    await treasury.owner_filter(meter.community_id, meter.owner_id)
    return [_reading_out(r) for r in await treasury.repo.reading_rows(meter.id)]


@router.get("/periods/{period_id}/consumption", response_model=s.ConsumptionOut)
async def period_consumption(
    period_id: Id, treasury: Reader, meter_type: MeterType | None = None
) -> Any:
    period = await treasury.period(period_id)
    whose = await treasury.owner_filter(period.community_id, None)
    used = await treasury.consumption(period, meter_type.value if meter_type else None)
    used = [(m, c) for m, c in used if whose is None or m.owner_id == whose]
    return s.ConsumptionOut(
        period_id=period_id,
        meters=[
            s.MeterConsumptionOut(
                meter_id=m.id,
                owner_id=m.owner_id,
                meter_type=m.meter_type,
                consumption=_decimal_text(c),
            )
            for m, c in used
        ],
    )


@router.post(
    "/periods/{period_id}/usage-billing", status_code=201, response_model=list[s.ChargeOut]
)
async def bill_usage(period_id: Id, body: s.UsageBillingIn, treasury: Writer) -> Any:
    return [_charge_out(c) for c in await treasury.bill_usage(period_id, body.meter_type)]


# Budgets
def _budget_item_out(row: Any) -> s.BudgetItemOut:
    return s.BudgetItemOut(
        id=row.id,
        service_period_id=row.period_id,
        category=row.category,
        planned_amount=format_amount(row.planned_amount, row.currency),
        currency=row.currency,
        allocation_strategy=row.allocation_strategy,
        meter_type=row.meter_type,
        description=row.description,
        applied_at=row.applied_at,
    )


@router.post("/periods/{period_id}/budget-items", status_code=201, response_model=s.BudgetItemOut)
async def create_budget_item(period_id: Id, body: s.BudgetItemIn, treasury: Writer) -> Any:
    row = await treasury.create_budget_item(
        period_id,
        body.category,
        body.planned_amount,
        body.allocation_strategy,
        body.meter_type,
        body.description,
    )
    return _budget_item_out(row)


@router.get("/periods/{period_id}/budget-items", response_model=list[s.BudgetItemOut])
async def list_budget_items(period_id: Id, treasury: Reader) -> Any:
    await treasury.period(period_id)
    return [_budget_item_out(r) for r in await treasury.repo.list_budget_items(period_id)]


@router.post(
    "/periods/{period_id}/budget-items/{item_id}/apply",
    status_code=201,
    response_model=list[s.ChargeOut],
)
async def apply_budget_item(period_id: Id, item_id: Id, treasury: Writer) -> Any:
    return [_charge_out(c) for c in await treasury.apply_budget_item(period_id, item_id)]


@router.get("/periods/{period_id}/budget-vs-actual", response_model=s.BudgetVsActualOut)
async def budget_vs_actual(period_id: Id, treasury: Reader) -> Any:
    currency, rows = await treasury.budget_vs_actual(period_id)
    return s.BudgetVsActualOut(
        period_id=period_id,
        currency=currency,
        categories=[
            s.BudgetLineOut(
                category=category,
                planned=format_amount(planned, currency),
                actual=format_amount(actual, currency),
                remaining=format_amount(planned - actual, currency),
            )
            for category, planned, actual in rows
        ],
    )
