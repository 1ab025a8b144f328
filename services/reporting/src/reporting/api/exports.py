"""Exports and charts: a period's balance sheet and an owner's statement as CSV and PDF, and PNG
charts for the bot. They are drawn from the same answers as the JSON endpoints."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Response
from sosenki_contracts.bounds import Id
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_contracts.views.ledger import BalanceSheetOut
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession
from starlette.concurrency import run_in_threadpool

from reporting.exports import charts
from reporting.exports.csv_export import to_csv
from reporting.exports.pdf_export import to_pdf
from reporting.exports.tables import Report, total
from reporting.queries import communities as q
from reporting.views import StatementOut

router = APIRouter(prefix="/api/payments", tags=["exports"])

CSV, PDF, PNG = "text/csv; charset=utf-8", "application/pdf", "image/png"

_SHEET_COLUMNS = [
    "total_contributions",
    "total_expenses",
    "total_charges",
    "total_paid_expenses",
    "balance",
]


def balance_sheet_report(period_name: str, sheet: BalanceSheetOut) -> Report:
    currency = sheet.currency
    rows = [
        [str(e.owner_id), e.username or "", *(getattr(e, c) for c in _SHEET_COLUMNS)]
        for e in sheet.entries
    ]
    totals = [
        "TOTAL",
        "",
        *(total([getattr(e, c) for e in sheet.entries], currency) for c in _SHEET_COLUMNS),
    ]
    return Report(
        title=f"Balance sheet: {period_name}",
        subtitle=f"Period {sheet.period_id}, amounts in {currency}",
        header=["owner_id", "username", *_SHEET_COLUMNS],
        rows=rows,
        totals=totals,
    )


_STATEMENT_COLUMNS = ["opening_balance", *_SHEET_COLUMNS]


def statement_report(s: StatementOut) -> Report:
    rows = [
        [
            str(p.period_id),
            p.name,
            p.start_date.isoformat(),
            p.end_date.isoformat(),
            p.status,
            *(getattr(p, c) for c in _STATEMENT_COLUMNS),
        ]
        for p in s.periods
    ]
    # Balances carry forward, so they are not added up: the last line is where the owner stands.
    header = ["period_id", "period", "start_date", "end_date", "status", *_STATEMENT_COLUMNS]
    return Report(
        title=f"Statement of {s.username or f'owner {s.owner_id}'}",
        subtitle=f"Community {s.community_id}, owner {s.owner_id}, amounts in {s.currency}",
        header=header,
        rows=rows,
        totals=["CURRENT BALANCE", *[""] * (len(header) - 2), s.current_balance],
    )


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/periods/{period_id}/balance-sheet.csv",
    response_class=Response,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.BALANCE_SHEET_TREASURERS_ONLY),
)
async def balance_sheet_csv(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> Response:
    """The period's balance sheet as CSV."""
    report = balance_sheet_report(*await q.named_balance_sheet(session, principal, period_id))
    return _download(to_csv(report), CSV, f"balance-sheet-{period_id}.csv")


@router.get(
    "/periods/{period_id}/balance-sheet.pdf",
    response_class=Response,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.BALANCE_SHEET_TREASURERS_ONLY),
)
async def balance_sheet_pdf(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> Response:
    """The period's balance sheet as a PDF document."""
    report = balance_sheet_report(*await q.named_balance_sheet(session, principal, period_id))
    return _download(await run_in_threadpool(to_pdf, report), PDF, f"balance-sheet-{period_id}.pdf")


@router.get(
    "/communities/{community_id}/owners/{owner_id}/statement.csv",
    response_class=Response,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.OWNER_NOT_FOUND, E.OWN_RECORDS_ONLY),
)
async def statement_csv(
    community_id: Id, owner_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> Response:
    """An owner's statement across periods as CSV (the owner or a treasurer)."""
    s = await q.owner_statement(session, principal, community_id, owner_id)
    return _download(to_csv(statement_report(s)), CSV, f"statement-{community_id}-{owner_id}.csv")


@router.get(
    "/communities/{community_id}/owners/{owner_id}/statement.pdf",
    response_class=Response,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.OWNER_NOT_FOUND, E.OWN_RECORDS_ONLY),
)
async def statement_pdf(
    community_id: Id, owner_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> Response:
    """An owner's statement across periods as a PDF document (the owner or a treasurer)."""
    s = await q.owner_statement(session, principal, community_id, owner_id)
    body = await run_in_threadpool(to_pdf, statement_report(s))
    return _download(body, PDF, f"statement-{community_id}-{owner_id}.pdf")


@router.get(
    "/periods/{period_id}/charts/balances.png",
    response_class=Response,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.BALANCE_SHEET_TREASURERS_ONLY),
)
async def balances_chart(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> Response:
    """A PNG bar chart of the owners' balances in the period."""
    name, sheet = await q.named_balance_sheet(session, principal, period_id)
    png = await run_in_threadpool(
        charts.balances_chart,
        f"Owners' balances: {name}",
        [e.username or f"owner {e.owner_id}" for e in sheet.entries],
        [Decimal(e.balance) for e in sheet.entries],
        sheet.currency,
    )
    return Response(png, media_type=PNG)


@router.get(
    "/communities/{community_id}/charts/fund.png",
    response_class=Response,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND),
)
async def fund_chart(
    community_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> Response:
    """A PNG chart of the community fund over its periods."""
    history = await q.fund_history(session, principal, community_id)
    png = await run_in_threadpool(
        charts.fund_chart,
        "The community fund",
        [p.name for p in history.periods],
        [Decimal(p.fund_balance) for p in history.periods],
        [Decimal(p.cumulative_fund_balance) for p in history.periods],
        history.currency,
    )
    return Response(png, media_type=PNG)
