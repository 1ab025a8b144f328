"""Documents (CSV, PDF, charts) as their reader reads them: the same answers as the JSON
endpoints (and the same checks of who may see them), with the community's and owners' names, in
the reader's language."""

from __future__ import annotations

from sosenki_contracts.formatting import language_of
from sosenki_platform.auth import Principal
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters.names import community_name, owner_names
from reporting.exports.tables import Report, balance_sheet_report, statement_report
from reporting.queries import communities as q
from reporting.views import StatementOut


async def balance_sheet(
    session: AsyncSession, principal: Principal, period_id: int, lang: str
) -> Report:
    _, sheet = await q.named_balance_sheet(session, principal, period_id)
    period = await q.get_period(session, principal, period_id)
    return balance_sheet_report(
        await community_name(session, period.community_id),
        period,
        sheet,
        await owner_names(session, period.community_id),
        language_of(lang),
    )


async def statement(
    session: AsyncSession, principal: Principal, community_id: int, owner_id: int, lang: str
) -> Report:
    s = await q.owner_statement(session, principal, community_id, owner_id)
    return await statement_of(session, community_id, s, lang)


async def statement_of(
    session: AsyncSession, community_id: int, s: StatementOut, lang: str
) -> Report:
    """The document of a statement already read (and its reader's rights checked)."""
    return statement_report(
        await community_name(session, community_id),
        s,
        await owner_names(session, community_id),
        language_of(lang),
    )
