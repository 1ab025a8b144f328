"""Groups that share costs, answered from events: a group's balances and settle-up plan (the
splits service's shape), each user's net position across their groups, a group's expenses as CSV
and its balances as a PNG chart."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sosenki_contracts.bounds import Id
from sosenki_contracts.money import format_amount
from sosenki_contracts.settle_up import Transfer
from sosenki_platform.access_policy import Asker
from sosenki_platform.auth import Principal
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import NotFound
from sosenki_platform.service import Runtime
from sqlalchemy import Row
from starlette.concurrency import run_in_threadpool

from reporting.adapters.group_reads import GroupReads
from reporting.api.access import require_group
from reporting.domain.groups import MemberBalance, settle_up
from reporting.exports import charts
from reporting.exports.csv_export import to_csv
from reporting.exports.tables import Report, total

router = APIRouter(prefix="/costs", tags=["groups"])


class UserBalanceOut(BaseModel):
    user_id: int
    total_paid_for_expenses: str
    total_share_of_expenses: str
    total_settlements_paid: str
    total_settlements_received: str
    net_balance: str


class SuggestedSettlementOut(BaseModel):
    from_user_id: int
    to_user_id: int
    amount: str


class GroupBalanceSummaryOut(BaseModel):
    group_id: int
    group_name: str
    currency: str
    user_balances: list[UserBalanceOut]
    suggested_settlements: list[SuggestedSettlementOut]


class GroupPositionOut(BaseModel):
    group_id: int
    group_name: str
    currency: str
    net_balance: str = Field(description="Positive: the group owes the user")
    settle_up: list[SuggestedSettlementOut] = Field(
        description="The transfers of the group's settle-up plan that the user makes or gets"
    )


class CurrencyTotalOut(BaseModel):
    currency: str
    net_balance: str


class NetPositionOut(BaseModel):
    user_id: int
    groups: list[GroupPositionOut]
    totals: list[CurrencyTotalOut] = Field(
        description="Net balance per currency over all the user's groups"
    )


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def visible_group(request: Request, principal: Principal, group_id: int) -> Row[Any]:
    """Members (and admins and services) see a group; to anyone else it is not found."""
    async with _runtime(request).db.session() as session:
        group = await GroupReads(session).group(group_id)
    if group is None:
        raise NotFound("Group not found")
    await require_group(request, principal, group_id)
    return group


def _transfers(plan: Iterable[Transfer], currency: str) -> list[SuggestedSettlementOut]:
    return [
        SuggestedSettlementOut(
            from_user_id=t.from_user_id,
            to_user_id=t.to_user_id,
            amount=format_amount(t.amount, currency),
        )
        for t in plan
    ]


async def _balances(request: Request, group_id: int) -> list[MemberBalance]:
    async with _runtime(request).db.session() as session:
        return await GroupReads(session).balances(group_id)


@router.get("/groups/{group_id}/balance-summary", response_model=GroupBalanceSummaryOut)
async def balance_summary(group_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    group = await visible_group(request, principal, group_id)
    balances = await _balances(request, group_id)
    cur = group.base_currency

    def money(amount: Decimal) -> str:
        return format_amount(amount, cur)

    return GroupBalanceSummaryOut(
        group_id=group.group_id,
        group_name=group.name,
        currency=cur,
        user_balances=[
            UserBalanceOut(
                user_id=b.user_id,
                total_paid_for_expenses=money(b.total_paid_for_expenses),
                total_share_of_expenses=money(b.total_share_of_expenses),
                total_settlements_paid=money(b.total_settlements_paid),
                total_settlements_received=money(b.total_settlements_received),
                net_balance=money(b.net_balance),
            )
            for b in balances
        ],
        suggested_settlements=_transfers(settle_up(balances), cur),
    )


@router.get("/users/{user_id}/net-position", response_model=NetPositionOut)
async def net_position(user_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    """Where a user stands in every group they are in (users see their own)."""
    if not principal.is_privileged and principal.user_id != user_id:
        raise NotFound("User not found")
    async with _runtime(request).db.session() as session:
        reads = GroupReads(session)
        asker = Asker.from_principal(principal)
        groups = [g for g in await reads.groups_of(user_id) if asker.within_group(g.group_id)]
        balances = {g.group_id: await reads.balances(g.group_id) for g in groups}
    positions: list[GroupPositionOut] = []
    totals: dict[str, Decimal] = {}
    for g in groups:
        mine = next((b for b in balances[g.group_id] if b.user_id == user_id), None)
        net = mine.net_balance if mine else Decimal(0)
        totals[g.base_currency] = totals.get(g.base_currency, Decimal(0)) + net
        plan = [
            t for t in settle_up(balances[g.group_id]) if user_id in (t.from_user_id, t.to_user_id)
        ]
        positions.append(
            GroupPositionOut(
                group_id=g.group_id,
                group_name=g.name,
                currency=g.base_currency,
                net_balance=format_amount(net, g.base_currency),
                settle_up=_transfers(plan, g.base_currency),
            )
        )
    return NetPositionOut(
        user_id=user_id,
        groups=positions,
        totals=[
            CurrencyTotalOut(currency=c, net_balance=format_amount(v, c))
            for c, v in sorted(totals.items())
        ],
    )


def _lines(lines: list[dict[str, Any]], key: str, currency: str) -> str:
    """``1=30.00; 2=10.00``: who paid (or owes) how much, by user id."""
    return "; ".join(
        f"{line['user_id']}={format_amount(Decimal(line[key]), currency)}"
        for line in sorted(lines, key=lambda line: int(line["user_id"]))
    )


def group_expenses_report(group: Row[Any], expenses: list[Row[Any]]) -> Report:
    cur = group.base_currency
    rows = [
        [
            str(e.expense_id),
            e.expense_date.isoformat(),
            e.description,
            e.category or "",
            e.split_type,
            format_amount(e.total_amount, e.currency),
            e.currency,
            format_amount(e.base_total_amount, cur),
            _lines(e.payers, "base_amount", cur),
            _lines(e.splits, "base_owed_amount", cur),
            e.status,
        ]
        for e in expenses
    ]
    header = [
        "expense_id",
        "date",
        "description",
        "category",
        "split_type",
        "amount",
        "currency",
        f"amount_{cur}",
        "paid_by",
        "owed_by",
        "status",
    ]
    totals = ["TOTAL", "", "", "", "", "", "", total([r[7] for r in rows], cur), "", "", ""]
    return Report(
        title=f"Expenses of {group.name}",
        subtitle=f"Group {group.group_id}, amounts in {cur} unless the currency says otherwise",
        header=header,
        rows=rows,
        totals=totals,
    )


@router.get("/groups/{group_id}/expenses.csv", response_class=Response)
async def group_expenses_csv(group_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    group = await visible_group(request, principal, group_id)
    async with _runtime(request).db.session() as session:
        expenses = await GroupReads(session).expenses(group_id)
    return Response(
        to_csv(group_expenses_report(group, expenses)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="group-{group_id}-expenses.csv"'},
    )


@router.get("/groups/{group_id}/charts/balances.png", response_class=Response)
async def group_balances_chart(group_id: Id, request: Request, principal: CurrentPrincipal) -> Any:
    group = await visible_group(request, principal, group_id)
    async with _runtime(request).db.session() as session:
        reads = GroupReads(session)
        balances = await reads.balances(group_id)
        names = await reads.members(group_id)
    png = await run_in_threadpool(
        charts.balances_chart,
        f"Balances: {group.name}",
        [names.get(b.user_id) or f"user {b.user_id}" for b in balances],
        [b.net_balance for b in balances],
        group.base_currency,
    )
    return Response(png, media_type="image/png")
