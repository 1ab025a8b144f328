"""The per-user write limit's token bucket, with a clock we control."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from sosenki_platform.rate_limit import TokenBuckets

pytestmark = pytest.mark.unit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_writes_wait_for_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(2.0, 3, clock=clock)
    assert [buckets.take("u1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("u1") == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("u1") == 0.0
    assert buckets.take("u1") > 0


def test_users_have_their_own_buckets() -> None:
    buckets = TokenBuckets(1.0, 1, clock=Clock())
    assert buckets.take("u1") == 0.0
    assert buckets.take("u1") > 0
    assert buckets.take("u2") == 0.0


def test_refused_attempts_do_not_earn_a_later_pass() -> None:
    """Hammering while limited does not push the next allowed write further away."""
    clock = Clock()
    buckets = TokenBuckets(1.0, 1, clock=clock)
    buckets.take("u")
    for _ in range(50):
        assert buckets.take("u") > 0
    clock.now += 1.0
    assert buckets.take("u") == 0.0


def test_only_the_most_recent_users_are_remembered() -> None:
    buckets = TokenBuckets(1.0, 1, clock=Clock(), max_keys=2)
    for user in ("a", "b", "c"):
        buckets.take(user)
    assert buckets.take("a") == 0.0  # forgotten, so a full bucket again
    assert buckets.take("c") > 0


def test_settings_must_make_sense() -> None:
    with pytest.raises(ValueError):
        TokenBuckets(0, 1)
    with pytest.raises(ValueError):
        TokenBuckets(1, 0)


@given(
    rate=st.floats(min_value=0.1, max_value=100),
    burst=st.integers(min_value=1, max_value=50),
    gaps=st.lists(st.floats(min_value=0, max_value=2), min_size=1, max_size=200),
)
def test_never_more_than_burst_plus_rate_times_elapsed(
    rate: float, burst: int, gaps: list[float]
) -> None:
    clock = Clock()
    buckets = TokenBuckets(rate, burst, clock=clock)
    start = clock.now
    allowed = 0
    for gap in gaps:
        clock.now += gap
        wait = buckets.take("u")
        assert wait >= 0
        if wait == 0:
            allowed += 1
        else:
            assert wait <= 1 / rate + 1e-9
    assert allowed <= burst + rate * (clock.now - start) + 1e-6
