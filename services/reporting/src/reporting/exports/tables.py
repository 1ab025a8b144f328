"""Reports as rows: the one shape that CSV and PDF exports (and tests) share.

A report here is a title, a header row, body rows and a totals row, all strings, so a CSV and a
PDF of the same report always say the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sosenki_contracts.money import format_amount


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    header: list[str]
    rows: list[list[str]]
    totals: list[str] = field(default_factory=list)


def total(column: list[str], currency: str) -> str:
    return format_amount(sum((Decimal(v) for v in column), Decimal(0)), currency)
