"""Reports as rows: the one shape that CSV and PDF exports (and tests) share.

A report is a title, what it covers (the community and the period, printed on every page), a
header row, body rows and a totals row, and lines under the table. A cell is text or an amount
(``Decimal``): a CSV writes an amount as a plain decimal (``1234.50``, what a spreadsheet reads),
a PDF as the reader writes money (``1 234,50 ₽`` / ``₽1,234.50``), right-aligned. So a CSV and a
PDF of the same report always say the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sosenki_contracts.formatting import format_money, language_of
from sosenki_contracts.views.ledger import BalanceSheetOut, PeriodOut

from reporting.exports.words import day, period_span, word
from reporting.views import StatementOut

Cell = str | Decimal


@dataclass(frozen=True)
class Report:
    title: str
    community: str
    period: str
    lang: str
    currency: str
    header: list[str]
    rows: list[list[Cell]]
    totals: list[Cell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def numeric(self, column: int) -> bool:
        """Whether a column holds amounts (right-aligned)."""
        cells = [row[column] for row in [*self.rows, self.totals] if len(row) > column]
        return any(isinstance(c, Decimal) for c in cells)

    def text(self, cell: Cell) -> str:
        if isinstance(cell, Decimal):
            return format_money(cell, self.currency, self.lang)
        return cell


_SHEET_COLUMNS = [
    "total_contributions",
    "total_expenses",
    "total_charges",
    "total_paid_expenses",
    "balance",
]
_STATEMENT_COLUMNS = ["opening_balance", *_SHEET_COLUMNS]


def owner_name(names: dict[int, str], owner_id: int, username: str | None, lang: str) -> str:
    """The name the owner was added under; else their username; never a bare number."""
    return names.get(owner_id) or username or word("owner_number", lang, number=owner_id)


def balance_sheet_report(
    community: str,
    period: PeriodOut,
    sheet: BalanceSheetOut,
    names: dict[int, str],
    lang: str,
) -> Report:
    lang = language_of(lang)
    rows: list[list[Cell]] = [
        [
            owner_name(names, e.owner_id, e.username, lang),
            *(Decimal(getattr(e, c)) for c in _SHEET_COLUMNS),
        ]
        for e in sheet.entries
    ]
    totals: list[Cell] = [
        word("total", lang),
        *(sum((Decimal(getattr(e, c)) for e in sheet.entries), Decimal(0)) for c in _SHEET_COLUMNS),
    ]
    return Report(
        title=word("balance_sheet", lang, period=period.name),
        community=community,
        period=period_span(period.name, period.start_date, period.end_date, lang),
        lang=lang,
        currency=sheet.currency,
        header=[word("owner", lang), *(word(c, lang) for c in _SHEET_COLUMNS)],
        rows=rows,
        totals=totals,
    )


def amount_due(current_balance: Decimal) -> Decimal:
    """What the owner has to pay: their debt, or nothing when they stand at zero or in credit."""
    return max(-current_balance, Decimal(0))


def to_pay_line(current_balance: Decimal, currency: str, lang: str) -> str:
    due = amount_due(current_balance)
    if due > 0:
        return word("to_pay", lang, amount=format_money(due, currency, lang))
    if current_balance > 0:
        return word("in_credit", lang, amount=format_money(current_balance, currency, lang))
    return word("nothing_to_pay", lang)


def statement_period(s: StatementOut, lang: str) -> str:
    """The periods a statement covers: the first to the last."""
    if not s.periods:
        return word("no_periods", lang)
    first, last = s.periods[0], s.periods[-1]
    if first is last:
        return period_span(first.name, first.start_date, first.end_date, lang)
    span = f"{day(first.start_date, lang)} – {day(last.end_date, lang)}"
    return f"{first.name} – {last.name} ({span})"


def statement_report(community: str, s: StatementOut, names: dict[int, str], lang: str) -> Report:
    lang = language_of(lang)
    rows: list[list[Cell]] = []
    for p in s.periods:
        status = "CARRIED" if p.carried_forward else p.status
        rows.append(
            [
                period_span(p.name, p.start_date, p.end_date, lang),
                word(f"status_{status}", lang),
                *(Decimal(getattr(p, c)) for c in _STATEMENT_COLUMNS),
            ]
        )
    header = [
        word("period", lang),
        word("status", lang),
        *(word(c, lang) for c in _STATEMENT_COLUMNS),
    ]
    current = Decimal(s.current_balance)
    # Balances carry forward, so they are not added up: the last line is where the owner stands.
    totals: list[Cell] = [word("current_balance", lang), *[""] * (len(header) - 2), current]
    owner = owner_name(names, s.owner_id, s.username, lang)
    return Report(
        title=word("statement", lang, owner=owner),
        community=community,
        period=statement_period(s, lang),
        lang=lang,
        currency=s.currency,
        header=header,
        rows=rows,
        totals=totals,
        notes=[to_pay_line(current, s.currency, lang)],
    )
