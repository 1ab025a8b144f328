"""Reads and writes of the ledger's rows, in the caller's transaction (``ports.LedgerStore``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from ledger.adapters.entry_rows import EntryRows
from ledger.adapters.meter_rows import MeterRows
from ledger.adapters.people import CommunityRows
from ledger.adapters.period_rows import PeriodRows


class LedgerRepository(CommunityRows, PeriodRows, EntryRows, MeterRows):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
