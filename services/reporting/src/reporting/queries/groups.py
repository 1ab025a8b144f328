"""A group's questions, answered from read models built from splits' events: its balances and
settle-up plan (splits' shape), each user's net position across their groups, its expenses as a
report and its balances for a chart. Members see a group; to anyone else it is not found."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sosenki_contracts.balances import MemberBalance
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.formatting import format_money
from sosenki_contracts.money import format_amount
from sosenki_contracts.settle_up import Transfer
from sosenki_contracts.views.splits import (
    GroupBalanceSummaryOut,
    SuggestedSettlementOut,
    UserBalanceOut,
)
from sosenki_platform.access_policy import Asker
from sosenki_platform.auth import Principal
from sosenki_platform.errors import NotFound
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters.group_reads import GroupReads
from reporting.domain.groups import settle_up
from reporting.exports.tables import Cell, Report
from reporting.exports.words import day, word, word_or
from reporting.queries.access import require_group
from reporting.views import CurrencyTotalOut, GroupPositionOut, NetPositionOut


async def visible_group(session: AsyncSession, principal: Principal, group_id: int) -> Row[Any]:
    group = await GroupReads(session).group(group_id)
    if group is None:
        raise NotFound("Group not found", ErrorCode.GROUP_NOT_FOUND)
    await require_group(session, principal, group_id)
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


async def balance_summary(
    session: AsyncSession, principal: Principal, group_id: int
) -> GroupBalanceSummaryOut:
    group = await visible_group(session, principal, group_id)
    balances = await GroupReads(session).balances(group_id)
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


async def net_position(session: AsyncSession, principal: Principal, user_id: int) -> NetPositionOut:
    """Where a user stands in every group they are in (users see their own)."""
    if not principal.is_privileged and principal.user_id != user_id:
        raise NotFound("User not found", ErrorCode.USER_NOT_FOUND)
    reads = GroupReads(session)
    asker = Asker.from_principal(principal)
    groups = [g for g in await reads.groups_of(user_id) if asker.within_group(g.group_id)]
    positions: list[GroupPositionOut] = []
    totals: dict[str, Decimal] = {}
    for g in groups:
        balances = await reads.balances(g.group_id)
        mine = next((b for b in balances if b.user_id == user_id), None)
        net = mine.net_balance if mine else Decimal(0)
        totals[g.base_currency] = totals.get(g.base_currency, Decimal(0)) + net
        plan = [t for t in settle_up(balances) if user_id in (t.from_user_id, t.to_user_id)]
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


def _lines(
    lines: list[dict[str, Any]], key: str, currency: str, names: dict[int, str | None], lang: str
) -> str:
    """``Anna 30,00 ₾; Boris 10,00 ₾``: who paid (or owes) how much, by name."""
    return "; ".join(
        f"{names.get(int(line['user_id'])) or word('user_number', lang, number=line['user_id'])} "
        f"{format_money(Decimal(line[key]), currency, lang)}"
        for line in sorted(lines, key=lambda line: int(line["user_id"]))
    )


def group_expenses_report(
    group: Row[Any], expenses: list[Row[Any]], names: dict[int, str | None], lang: str
) -> Report:
    cur = group.base_currency
    rows: list[list[Cell]] = [
        [
            day(e.expense_date, lang),
            e.description,
            e.category or "",
            word_or(f"split_{e.split_type}", lang, e.split_type),
            format_money(Decimal(e.total_amount), e.currency, lang),
            Decimal(format_amount(e.base_total_amount, cur)),
            _lines(e.payers, "base_amount", cur, names, lang),
            _lines(e.splits, "base_owed_amount", cur, names, lang),
            word_or(f"expense_{e.status}", lang, e.status),
        ]
        for e in expenses
    ]
    header = [
        word(w, lang, currency=cur)
        for w in (
            "date",
            "description",
            "category",
            "split_type",
            "amount",
            "amount_in",
            "paid_by",
            "owed_by",
            "status",
        )
    ]
    base = sum((Decimal(format_amount(e.base_total_amount, cur)) for e in expenses), Decimal(0))
    totals: list[Cell] = [word("total", lang), "", "", "", "", base, "", "", ""]
    return Report(
        title=word("group_expenses", lang, group=group.name),
        community=group.name,
        period="",
        lang=lang,
        currency=cur,
        header=header,
        rows=rows,
        totals=totals,
    )


async def expenses_report(
    session: AsyncSession, principal: Principal, group_id: int, lang: str = "en"
) -> Report:
    group = await visible_group(session, principal, group_id)
    reads = GroupReads(session)
    return group_expenses_report(
        group, await reads.expenses(group_id), await reads.members(group_id), lang
    )


async def balances_for_chart(
    session: AsyncSession, principal: Principal, group_id: int, lang: str = "en"
) -> tuple[Row[Any], list[tuple[str, MemberBalance]]]:
    """(the group, each member's display name and balance)."""
    group = await visible_group(session, principal, group_id)
    reads = GroupReads(session)
    balances = await reads.balances(group_id)
    names = await reads.members(group_id)
    return group, [
        (names.get(b.user_id) or word("user_number", lang, number=b.user_id), b) for b in balances
    ]
