"""Exports and charts: a period's balance sheet and an owner's statement as CSV and PDF, and PNG
charts for the bot, in the reader's language (``lang``, else ``Accept-Language``). They are
drawn from the same answers as the JSON endpoints."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from sosenki_contracts.bounds import Id
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_contracts.formatting import language_of
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession
from starlette.concurrency import run_in_threadpool

from reporting.exports import charts, payment_qr
from reporting.exports.csv_export import to_csv
from reporting.exports.pdf_export import balance_sheet_pdf as sheet_pdf, statement_pdf as owner_pdf
from reporting.exports.words import negotiate, word
from reporting.queries import communities as q, documents, payment

router = APIRouter(prefix="/api/payments", tags=["exports"])

CSV, PDF, PNG = "text/csv; charset=utf-8", "application/pdf", "image/png"


def reader_language(
    lang: Annotated[
        str | None,
        Query(
            max_length=35,
            pattern=r"^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*$",
            description="The reader's language (`ru`, `en`, `ru-RU`…); languages without a "
            "catalogue read English. Without it, `Accept-Language` decides.",
        ),
    ] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    return language_of(lang) if lang else negotiate(accept_language)


Language = Annotated[str, Depends(reader_language)]


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
    period_id: Id, principal: CurrentPrincipal, session: ReadSession, lang: Language
) -> Response:
    """The period's balance sheet as CSV."""
    report = await documents.balance_sheet(session, principal, period_id, lang)
    return _download(to_csv(report), CSV, f"balance-sheet-{period_id}.csv")


@router.get(
    "/periods/{period_id}/balance-sheet.pdf",
    response_class=Response,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.BALANCE_SHEET_TREASURERS_ONLY),
)
async def balance_sheet_pdf(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession, lang: Language
) -> Response:
    """The period's balance sheet as a PDF document."""
    report = await documents.balance_sheet(session, principal, period_id, lang)
    body = await run_in_threadpool(sheet_pdf, report)
    return _download(body, PDF, f"balance-sheet-{period_id}.pdf")


@router.get(
    "/communities/{community_id}/owners/{owner_id}/statement.csv",
    response_class=Response,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.OWNER_NOT_FOUND, E.OWN_RECORDS_ONLY),
)
async def statement_csv(
    community_id: Id,
    owner_id: Id,
    principal: CurrentPrincipal,
    session: ReadSession,
    lang: Language,
) -> Response:
    """An owner's statement across periods as CSV (the owner or a treasurer)."""
    report = await documents.statement(session, principal, community_id, owner_id, lang)
    return _download(to_csv(report), CSV, f"statement-{community_id}-{owner_id}.csv")


@router.get(
    "/communities/{community_id}/owners/{owner_id}/statement.pdf",
    response_class=Response,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.OWNER_NOT_FOUND, E.OWN_RECORDS_ONLY),
)
async def statement_pdf(
    community_id: Id,
    owner_id: Id,
    principal: CurrentPrincipal,
    session: ReadSession,
    lang: Language,
) -> Response:
    """An owner's statement across periods as a PDF document, with the payment QR code when the
    community has bank details and something is due (the owner or a treasurer)."""
    s = await q.owner_statement(session, principal, community_id, owner_id)
    report = await documents.statement_of(session, community_id, s, lang)
    order = await payment.payment_order_or_none(session, community_id, owner_id, s)
    qr = payment_qr.pdf_block(order, lang) if order is not None else []
    body = await run_in_threadpool(owner_pdf, report, qr)
    return _download(body, PDF, f"statement-{community_id}-{owner_id}.pdf")


@router.get(
    "/communities/{community_id}/owners/{owner_id}/payment-qr.png",
    response_class=Response,
    responses={
        200: {"content": {PNG: {}}, "description": "The payment QR code (GOST R 56042-2014)"},
    },
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND,
        E.OWNER_NOT_FOUND,
        E.OWN_RECORDS_ONLY,
        (409, E.NO_BANK_DETAILS),
        (409, E.NOTHING_TO_PAY),
        (409, E.CURRENCY_MISMATCH),
    ),
)
async def payment_qr_png(
    community_id: Id, owner_id: Id, principal: CurrentPrincipal, session: ReadSession
) -> Response:
    """The QR code an owner scans in any Russian banking app to pay what they owe: the
    community's bank details, the amount due in kopecks and a purpose naming the owner and the
    period. The owner sees their own; treasurers anyone's."""
    order = await payment.payment_order(session, principal, community_id, owner_id)
    png = await run_in_threadpool(payment_qr.payment_png, order)
    return Response(png, media_type=PNG, headers={"Cache-Control": "private, no-store"})


@router.get(
    "/periods/{period_id}/charts/balances.png",
    response_class=Response,
    openapi_extra=raises(E.PERIOD_NOT_FOUND, E.BALANCE_SHEET_TREASURERS_ONLY),
)
async def balances_chart(
    period_id: Id, principal: CurrentPrincipal, session: ReadSession, lang: Language
) -> Response:
    """A PNG bar chart of the owners' balances in the period."""
    report = await documents.balance_sheet(session, principal, period_id, lang)
    period = await q.get_period(session, principal, period_id)
    png = await run_in_threadpool(
        charts.balances_chart,
        f"{report.community}: {word('balances_chart', lang, period=period.name)}",
        [str(row[0]) for row in report.rows],
        [Decimal(row[-1]) for row in report.rows],
        report.currency,
        lang,
    )
    return Response(png, media_type=PNG)


@router.get(
    "/communities/{community_id}/charts/fund.png",
    response_class=Response,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND),
)
async def fund_chart(
    community_id: Id, principal: CurrentPrincipal, session: ReadSession, lang: Language
) -> Response:
    """A PNG chart of the community fund over its periods."""
    history = await q.fund_history(session, principal, community_id)
    png = await run_in_threadpool(
        charts.fund_chart,
        [p.name for p in history.periods],
        [Decimal(p.fund_balance) for p in history.periods],
        [Decimal(p.cumulative_fund_balance) for p in history.periods],
        history.currency,
        lang,
    )
    return Response(png, media_type=PNG)
