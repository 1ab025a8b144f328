"""Reporting's REST API for communities: the same paths and shapes as the ledger's seed document,
answered from read models built from events (``reporting.queries.communities``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sosenki_contracts.bounds import MAX_INT32, Id
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_contracts.views.ledger import (
    BalanceSheetOut,
    BudgetVsActualOut,
    ConsumptionOut,
    FundSummaryOut,
    OwnerBalanceOut,
    PeriodList,
    PeriodOut,
)
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession

from reporting.queries import communities as q
from reporting.views import FundHistory, StatementOut

router = APIRouter(prefix="/api/payments", tags=["reporting"])


@router.get("/periods", openapi_extra=raises(E.COMMUNITY_NOT_FOUND))
async def list_periods(
    principal: CurrentPrincipal,
    session: ReadSession,
    status: str | None = None,
    community_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> PeriodList:
    """The periods of the caller's communities (or of one), optionally by status OPEN or CLOSED."""
    return await q.list_periods(session, principal, status, community_id, limit, offset)


@router.get("/periods/{period_id}", openapi_extra=raises(E.PERIOD_NOT_FOUND))
async def get_period(period_id: Id, principal: CurrentPrincipal, session: ReadSession) -> PeriodOut:
    """One period as the read model knows it."""
    return await q.get_period(session, principal, period_id)


@router.get(
    "/periods/{period_id}/balance-sheet",
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.BALANCE_SHEET_TREASURERS_ONLY),
)
async def balance_sheet(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> BalanceSheetOut:
    """Every owner's balance in the period, from the read model."""
    _, sheet = await q.named_balance_sheet(session, principal, period_id)
    return sheet


@router.get(
    "/periods/{period_id}/owner-balance/{owner_id}",
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.OWNER_NOT_FOUND, E.OWN_RECORDS_ONLY),
)
async def owner_balance(
    period_id: Id, owner_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> OwnerBalanceOut:
    """One owner's balance in the period (an owner sees their own only)."""
    return await q.owner_balance(session, principal, period_id, owner_id)


@router.get("/periods/{period_id}/fund-summary", openapi_extra=raises(E.PERIOD_NOT_FOUND))
async def fund_summary(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> FundSummaryOut:
    """The community fund in the period: contributions minus expenses paid from the fund."""
    return await q.fund_summary(session, principal, period_id)


@router.get("/communities/{community_id}/fund", openapi_extra=raises(E.COMMUNITY_NOT_FOUND))
async def fund_over_time(
    community_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> FundHistory:
    """The community fund period by period."""
    return await q.fund_history(session, principal, community_id)


@router.get(
    "/communities/{community_id}/owners/{owner_id}/statement",
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.OWNER_NOT_FOUND, E.OWN_RECORDS_ONLY),
)
async def statement_across_periods(
    community_id: Id, owner_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> StatementOut:
    """An owner's statement across all periods: opening, movements, closing (the owner or a
    treasurer)."""
    return await q.owner_statement(session, principal, community_id, owner_id)


@router.get("/periods/{period_id}/budget-vs-actual")
async def budget_vs_actual(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> BudgetVsActualOut:
    """Planned (budget items) against actually spent (expenses by payment type), per category."""
    return await q.budget_vs_actual(session, principal, period_id)


@router.get("/periods/{period_id}/consumption")
async def period_consumption(
    period_id: Id,
    principal: CurrentPrincipal,
    session: ReadSession,
    meter_type: Annotated[str | None, Query(description="electricity, water or gas")] = None,
) -> ConsumptionOut:
    """Each of the community's meters and its consumption in the period, from the readings."""
    return await q.consumption(session, principal, period_id, meter_type)
