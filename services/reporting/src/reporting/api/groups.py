"""Groups that share costs over REST (``reporting.queries.groups``): a group's balances and
settle-up plan, each user's net position across their groups, a group's expenses as CSV and its
balances as a PNG chart."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sosenki_contracts.bounds import Id
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_contracts.views.splits import GroupBalanceSummaryOut
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession
from starlette.concurrency import run_in_threadpool

from reporting.api.exports import Language
from reporting.exports import charts
from reporting.exports.csv_export import to_csv
from reporting.exports.words import word
from reporting.queries import groups as q
from reporting.views import NetPositionOut

router = APIRouter(prefix="/costs", tags=["groups"])


@router.get("/groups/{group_id}/balance-summary", openapi_extra=raises(E.GROUP_NOT_FOUND))
async def balance_summary(
    group_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> GroupBalanceSummaryOut:
    """The group's balances and the settle-up plan with the fewest transfers (members only)."""
    return await q.balance_summary(session, principal, group_id)


@router.get("/users/{user_id}/net-position")
async def net_position(
    user_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> NetPositionOut:
    """Where a user stands in every group they are in (users see their own)."""
    return await q.net_position(session, principal, user_id)


@router.get(
    "/groups/{group_id}/expenses.csv",
    response_class=Response,
    openapi_extra=raises(E.GROUP_NOT_FOUND),
)
async def group_expenses_csv(
    group_id: Id, principal: CurrentPrincipal, session: ReadSession, lang: Language
) -> Response:
    """The group's expenses as CSV (members only)."""
    report = await q.expenses_report(session, principal, group_id, lang)
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="group-{group_id}-expenses.csv"'},
    )


@router.get(
    "/groups/{group_id}/charts/balances.png",
    response_class=Response,
    openapi_extra=raises(E.GROUP_NOT_FOUND),
)
async def group_balances_chart(
    group_id: Id, principal: CurrentPrincipal, session: ReadSession, lang: Language
) -> Response:
    """A PNG bar chart of the group's balances (members only)."""
    group, named = await q.balances_for_chart(session, principal, group_id, lang)
    png = await run_in_threadpool(
        charts.balances_chart,
        word("group_balances", lang, group=group.name),
        [name for name, _ in named],
        [b.net_balance for _, b in named],
        group.base_currency,
        lang,
    )
    return Response(png, media_type="image/png")
