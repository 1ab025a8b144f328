"""What Telegram's answer to a sending call means for the message (the README's "Delivery"
table): sent, failed for good (with a reason), tried again (after how long), or moved to the
supergroup the chat became."""

from __future__ import annotations

from dataclasses import dataclass

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

from bot_gateway.domain.limits import retry_delay


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt."""

    kind: str  # sent | failed | retry | migrated
    reason: str = ""  # a word for metrics and the ``failure`` column
    detail: str = ""  # what Telegram said
    delay: float = 0.0  # retry: seconds to wait
    message_id: int | None = None  # sent: Telegram's id of the message
    new_chat_id: int | None = None  # migrated: the supergroup's id


def classify(exc: Exception, attempts: int) -> Outcome:
    """Telegram's answer (an aiogram exception) as an outcome; ``attempts`` made so far."""
    detail = str(exc)[:500]
    if isinstance(exc, TelegramRetryAfter):
        return Outcome("retry", "rate_limited", detail, delay=float(exc.retry_after))
    if isinstance(exc, TelegramMigrateToChat):
        return Outcome("migrated", "migrated", detail, new_chat_id=exc.migrate_to_chat_id)
    if isinstance(exc, TelegramEntityTooLarge):  # before network errors: it is one in aiogram
        return Outcome("failed", "too_large", detail)
    if isinstance(exc, TelegramForbiddenError):
        return Outcome("failed", "blocked" if "blocked" in detail.lower() else "forbidden", detail)
    if isinstance(exc, TelegramNotFound):
        return Outcome("failed", "not_found", detail)
    if isinstance(exc, TelegramConflictError):
        return Outcome("failed", "conflict", detail)
    if isinstance(exc, TelegramBadRequest):
        lowered = detail.lower()
        if "message is not modified" in lowered:  # an edit to what the message already says
            return Outcome("sent", "not_modified", detail)
        if "chat not found" in lowered:
            return Outcome("failed", "chat_not_found", detail)
        if "too long" in lowered:
            return Outcome("failed", "too_large", detail)
        return Outcome("failed", "bad_request", detail)
    # Passing: the bot's token (fixed by an operator, then everything goes), Telegram's servers,
    # the network, an answer that is not Telegram's (a proxy's error page).
    if isinstance(exc, TelegramUnauthorizedError):
        reason = "unauthorized"
    elif isinstance(exc, TelegramServerError):
        reason = "server_error"
    elif isinstance(exc, TelegramNetworkError):
        reason = "network"
    else:
        reason = "unexpected"
    return Outcome("retry", reason, repr(exc)[:500], delay=retry_delay(attempts))
