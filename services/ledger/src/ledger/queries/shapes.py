"""Rows as the views the API answers with (amounts with the currency's minor units)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sosenki_contracts.money import format_amount

from ledger import views as v
from ledger.domain import shares as share_rules
from ledger.domain.balances import OwnerTotals
from ledger.domain.carry_forward import CarryForwardPlan
from ledger.domain.periods import Period


def decimal_text(value: Any) -> str:
    return format(Decimal(value).normalize(), "f")


def community(row: Any, my_role: str | None = None) -> v.CommunityOut:
    return v.CommunityOut(
        id=row.id,
        name=row.name,
        base_currency=row.base_currency,
        timezone=row.timezone,
        my_role=my_role,
        owners_see_balance_sheet=row.owners_see_balance_sheet,
        bank_details=row.bank_details,
    )


def owner(row: Any, history: list[tuple[date, Decimal]], today: date) -> v.OwnerOut:
    current = share_rules.share_on(history, today)
    return v.OwnerOut(
        owner_id=row.user_id,
        user_id=row.user_id,
        display_name=row.display_name,
        username=row.username,
        ownership_share=decimal_text(row.ownership_share if current is None else current),
        active=row.active,
        scheduled_shares=[
            v.ScheduledShareOut(effective_from=day, ownership_share=decimal_text(share))
            for day, share in share_rules.scheduled(history, today)
        ],
    )


def period(p: Period) -> v.PeriodOut:
    return v.PeriodOut(
        id=p.id,
        community_id=p.community_id,
        name=p.name,
        start_date=p.start_date,
        end_date=p.end_date,
        status=p.status.value,
        description=p.description,
        closed_at=p.closed_at,
    )


def contribution(row: Any) -> v.ContributionOut:
    return v.ContributionOut(
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


def expense(row: Any, lines: dict[int, Decimal]) -> v.ExpenseOut:
    return v.ExpenseOut(
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
            v.AllocationLineOut(owner_id=o, amount=format_amount(a, row.currency))
            for o, a in lines.items()
        ],
    )


def charge(row: Any) -> v.ChargeOut:
    return v.ChargeOut(
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


def totals(e: OwnerTotals, currency: str) -> dict[str, Any]:
    return {
        "owner_id": e.owner_id,
        "total_contributions": format_amount(e.total_contributions, currency),
        "total_expenses": format_amount(e.total_expenses, currency),
        "total_charges": format_amount(e.total_charges, currency),
        "total_paid_expenses": format_amount(e.total_paid_expenses, currency),
        "balance": format_amount(e.balance, currency),
    }


def meter(row: Any) -> v.MeterOut:
    return v.MeterOut(
        id=row.id,
        community_id=row.community_id,
        owner_id=row.owner_id,
        meter_type=row.meter_type,
        name=row.name,
        tariff=None if row.tariff is None else decimal_text(row.tariff),
    )


def reading(row: Any) -> v.ReadingOut:
    return v.ReadingOut(
        id=row.id,
        meter_id=row.meter_id,
        reading_date=row.reading_date,
        value=decimal_text(row.value),
        is_replacement=row.is_replacement,
    )


def budget_item(row: Any) -> v.BudgetItemOut:
    return v.BudgetItemOut(
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


def carried(
    from_period_id: int, to_period_id: int, plan: CarryForwardPlan, currency: str
) -> v.CarryForwardOut:
    count = len(plan.balances)
    return v.CarryForwardOut(
        from_period_id=from_period_id,
        to_period_id=to_period_id,
        carried_forward_owners={
            str(o): format_amount(b, currency) for o, b in plan.balances.items()
        },
        total_carried=format_amount(plan.total, currency),
        message=f"Successfully carried forward {count} owner balance{'s' if count != 1 else ''}",
    )
