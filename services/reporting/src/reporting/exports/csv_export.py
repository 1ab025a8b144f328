"""CSV: a header, one line per row, then the totals line; amounts as plain decimal strings."""

from __future__ import annotations

import csv
import io

from reporting.exports.tables import Report


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(report.header)
    writer.writerows(report.rows)
    if report.totals:
        writer.writerow(report.totals)
    # With a BOM, spreadsheet programs read non-Latin names (most owners' names) correctly.
    return ("\ufeff" + buffer.getvalue()).encode()
