"""CSV: a header in the reader's language, one line per row, then the totals line, then the notes
(what to pay). Amounts are plain decimal strings with a point (``1234.50``), what spreadsheet
programs and scripts read as numbers; the header names the currency."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sosenki_contracts.formatting import currency_symbol

from reporting.exports.tables import Cell, Report


def _cell(cell: Cell) -> str:
    return format(cell, "f") if isinstance(cell, Decimal) else cell


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    symbol = currency_symbol(report.currency, report.lang) if report.currency else ""
    header = [
        f"{name}, {symbol}" if symbol and report.numeric(i) else name
        for i, name in enumerate(report.header)
    ]
    writer.writerow(header)
    writer.writerows([_cell(c) for c in row] for row in report.rows)
    if report.totals:
        writer.writerow([_cell(c) for c in report.totals])
    for note in report.notes:
        writer.writerow([note])
    # With a BOM, spreadsheet programs read non-Latin names (most owners' names) correctly.
    return ("\ufeff" + buffer.getvalue()).encode()
