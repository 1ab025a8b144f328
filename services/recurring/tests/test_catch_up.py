"""The catch-up batch rule (``domain/catch_up.py``) over random backlogs: batches of at most the
limit that, taken one after another, send every due occurrence once in order (``all``) or skip
all but the latest and send it (``latest``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings, strategies as st
from recurring.domain.catch_up import next_batch
from recurring.domain.schedule import CatchUp, Occurrence

pytestmark = pytest.mark.unit


def _backlog(n: int) -> list[Occurrence]:
    start = datetime.combine(datetime(2026, 1, 1).date(), time(9), tzinfo=UTC)
    return [
        Occurrence(i + 1, start + timedelta(days=i), start + timedelta(days=i)) for i in range(n)
    ]


@settings(max_examples=200, deadline=None)
@given(backlog=st.integers(1, 700), limit=st.integers(1, 150), mode=st.sampled_from(list(CatchUp)))
def test_batches_cover_the_backlog_in_order_within_the_limit(
    backlog: int, limit: int, mode: CatchUp
) -> None:
    due = _backlog(backlog)
    sent: list[int] = []
    skipped: list[int] = []
    position = 0
    while position < len(due):
        batch = next_batch(due[position : position + limit + 1], mode, limit)
        assert 0 < len(batch.skip) + len(batch.send) <= limit
        skipped += [o.number for o in batch.skip]
        sent += [o.number for o in batch.send]
        position += len(batch.skip) + len(batch.send)
    if mode is CatchUp.ALL:
        assert sent == list(range(1, backlog + 1)) and skipped == []
    else:
        assert sent == [backlog] and skipped == list(range(1, backlog))
