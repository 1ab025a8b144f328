"""How many commands one Telegram account may send (``SOSENKI_COMMAND_RATE_PER_SECOND``,
``SOSENKI_COMMAND_BURST``): a token bucket per account; a flood gets one polite reply, not one per
message."""

from __future__ import annotations

import time

from sosenki_platform.rate_limit import TokenBuckets


class CommandLimit:
    """Per-Telegram-user command buckets. ``check`` gives None when the command may run; else the
    seconds to wait, or 0.0 when the user was already told in the last ``notice_every`` seconds
    (a flood gets one polite reply, not one per message)."""

    def __init__(self, rate: float, burst: int, notice_every: float = 30.0) -> None:
        self.buckets = TokenBuckets(rate, burst)
        self.notice_every = notice_every
        self._told: dict[int, float] = {}

    def check(self, telegram_user_id: int) -> float | None:
        wait = self.buckets.take(str(telegram_user_id))
        if wait == 0:
            return None
        now = time.monotonic()
        if now - self._told.get(telegram_user_id, -1e9) < self.notice_every:
            return 0.0
        if len(self._told) > 10_000:
            self._told.clear()
        self._told[telegram_user_id] = now
        return wait
