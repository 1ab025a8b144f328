"""The sender's rules without Telegram or a database: the global window, the turn of chats, the
pause between attempts, and which of Telegram's answers fail a message for good."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage
from bot_gateway.domain.limits import MAX_BACKOFF, Send, SendWindow, retry_delay, waiting_since
from bot_gateway.telegram.sender import classify
from hypothesis import given, settings, strategies as st

pytestmark = pytest.mark.unit

METHOD = SendMessage(chat_id=1, text="hi")


@settings(max_examples=60, deadline=None)
@given(
    limit=st.integers(1, 8),
    seed=st.integers(0, 2**32),
    calls=st.integers(1, 60),
)
def test_the_window_never_lets_more_than_the_limit_arrive_in_a_period(
    limit: int, seed: int, calls: int
) -> None:
    """Calls start whenever the window allows (several in flight), take random times, and
    arrive at Telegram at a random moment within their call: any period holds at most
    ``limit`` arrivals."""
    rng = random.Random(seed)
    window, now = SendWindow(limit, period=1.0), 0.0
    in_flight: list[tuple[float, Send]] = []  # (when it will be answered, the call)
    arrivals: list[float] = []
    while len(arrivals) < calls:
        wait = window.wait(now)
        if wait == 0.0:
            send = window.start(now)
            end = now + rng.uniform(0.0, 0.7)
            arrivals.append(rng.uniform(now, end))
            in_flight.append((end, send))
            now += rng.choice([0.0, 0.0, rng.uniform(0.0, 0.2)])
            continue
        # Time passes to the next answer or to when the window opens.
        ends = [end for end, _ in in_flight]
        now = min([*ends, now + wait] if wait is not None else ends)
        for end, send in [f for f in in_flight if f[0] <= now]:
            send.end = end
            in_flight.remove((end, send))
    arrivals.sort()
    assert all(b - a >= 1.0 for a, b in zip(arrivals, arrivals[limit:], strict=False))


def test_the_window_lets_a_burst_up_to_the_limit_go_at_once() -> None:
    window = SendWindow(3, period=1.0)
    sends = [window.start(0.0) for _ in range(3)]
    assert window.wait(0.0) is None  # the oldest is still in flight
    for send in sends:
        send.end = 0.1
    assert window.wait(0.5) == pytest.approx(0.6)
    assert window.wait(1.1) == 0.0
    with pytest.raises(ValueError):
        SendWindow(0)


def test_the_chat_served_last_waits_behind_the_others() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    fresh = waiting_since(t0, None)
    served = waiting_since(t0, t0 + timedelta(seconds=1))
    long_served = waiting_since(t0 + timedelta(seconds=5), t0)
    assert fresh == t0 < served < long_served


def test_pauses_between_attempts_grow_to_a_minute() -> None:
    delays = [retry_delay(n) for n in range(1, 15)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert delays == sorted(delays) and max(delays) == MAX_BACKOFF
    assert retry_delay(0) == 0.5


@pytest.mark.parametrize(
    ("error", "kind", "reason"),
    [
        (
            TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"),
            "failed",
            "blocked",
        ),
        (TelegramForbiddenError(METHOD, "Forbidden: bot was kicked"), "failed", "forbidden"),
        (TelegramBadRequest(METHOD, "Bad Request: chat not found"), "failed", "chat_not_found"),
        (TelegramBadRequest(METHOD, "Bad Request: message is too long"), "failed", "too_large"),
        (TelegramBadRequest(METHOD, "Bad Request: can't parse entities"), "failed", "bad_request"),
        (TelegramEntityTooLarge(METHOD, "Request Entity Too Large"), "failed", "too_large"),
        (
            TelegramBadRequest(METHOD, "Bad Request: message is not modified"),
            "sent",
            "not_modified",
        ),
        (TelegramNotFound(METHOD, "Not Found"), "failed", "not_found"),
        (TelegramConflictError(METHOD, "Conflict"), "failed", "conflict"),
        (TelegramMigrateToChat(METHOD, "upgraded", -1001), "migrated", "migrated"),
        (TelegramRetryAfter(METHOD, "Too Many Requests", 7), "retry", "rate_limited"),
        (TelegramServerError(METHOD, "Bad Gateway"), "retry", "server_error"),
        (TelegramNetworkError(METHOD, "timeout"), "retry", "network"),
        (TelegramUnauthorizedError(METHOD, "Unauthorized"), "retry", "unauthorized"),
        (ValueError("not JSON"), "retry", "unexpected"),
    ],
)
def test_telegram_answers_are_classified(error: Exception, kind: str, reason: str) -> None:
    outcome = classify(error, attempts=3)
    assert (outcome.kind, outcome.reason) == (kind, reason)
    if isinstance(error, TelegramRetryAfter):
        assert outcome.delay == 7.0
    elif kind == "retry":
        assert outcome.delay == retry_delay(3)
    if isinstance(error, TelegramMigrateToChat):
        assert outcome.new_chat_id == -1001
