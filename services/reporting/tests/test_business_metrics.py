"""Business metrics: the age of a debt, and that the exporter replaces its series whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY, generate_latest
from reporting.business_metrics import EXPORTER, FAMILIES, Snapshot, age_of

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("period_end", "age"),
    [
        (date(2026, 11, 30), "current"),
        (TODAY, "current"),
        (date(2026, 11, 27), "0-30d"),
        (date(2026, 10, 29), "0-30d"),  # 30 days ago
        (date(2026, 10, 28), "31-90d"),
        (date(2026, 8, 30), "31-90d"),  # 90 days ago
        (date(2026, 8, 29), "over-90d"),
    ],
)
def test_the_age_of_a_debt_counts_from_the_end_of_its_period(period_end: date, age: str) -> None:
    assert age_of(period_end, TODAY) == age


def test_a_refresh_replaces_every_series_and_drops_those_that_no_longer_apply() -> None:
    labels = ("7", "42", "Vera", "31-90d", "RUB")
    first = Snapshot()
    first.set("sosenki_owner_arrears_amount", labels, Decimal("100.50"))
    first.set("sosenki_owner_arrears_amount", labels, Decimal("0.25"))  # adds up
    previous = EXPORTER.snapshot
    try:
        EXPORTER.snapshot = first
        text = generate_latest(REGISTRY).decode()
        assert 'owner_name="Vera"' in text and "100.75" in text
        EXPORTER.snapshot = Snapshot()
        text = generate_latest(REGISTRY).decode()
        assert 'owner_name="Vera"' not in text
        for name in FAMILIES:  # the families stay declared, empty
            assert f"# TYPE {name} gauge" in text
    finally:
        EXPORTER.snapshot = previous
