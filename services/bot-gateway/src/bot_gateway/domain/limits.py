"""Telegram's sending limits and the sender's rules of turn: about one message a second per chat,
twenty a minute per group, thirty a second overall; the chat that has waited longest goes first;
a failed attempt is retried after a growing pause."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

#: The longest pause between two attempts of a message that failed for a passing reason.
MAX_BACKOFF = 60.0


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; private chats positive ones."""
    return chat_id < 0


def earliest_send(
    chat_id: int,
    not_before: datetime,
    last_sent: datetime | None,
    sent_last_minute: Sequence[datetime],
    *,
    per_chat_interval: timedelta = timedelta(seconds=1),
    per_group_per_minute: int = 20,
    group_window: timedelta = timedelta(minutes=1),
) -> datetime:
    """When the next queued message of this chat may go, given what was sent to it lately
    (``sent_last_minute``: in the last ``group_window``, a minute unless tests shorten it)."""
    at = not_before
    if last_sent is not None:
        at = max(at, last_sent + per_chat_interval)
    if is_group(chat_id) and len(sent_last_minute) >= per_group_per_minute:
        window = sorted(sent_last_minute)
        at = max(at, window[-per_group_per_minute] + group_window)
    return at


def waiting_since(queued_at: datetime, last_sent: datetime | None) -> datetime:
    """Since when a chat has been waiting for its next message: since that message was queued,
    or since the chat's last message went, whichever is later. Serving the longest-waiting chat
    first is a round robin: a chat just served waits behind every chat that was not."""
    if last_sent is None:
        return queued_at
    return max(queued_at, last_sent)


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones (0.5, 1, 2, … up to a minute)."""
    return min(MAX_BACKOFF, 0.5 * 2.0 ** min(max(attempts, 1) - 1, 10))


@dataclass
class Send:
    """One call to Telegram as the global limit sees it: it arrives there between its start and
    its ``end`` (the answer; None while in flight)."""

    start: float
    end: float | None = None


class SendWindow:
    """At most ``limit`` messages reach Telegram in any ``period`` seconds, however long each
    call takes: a call may start once the ``limit``-th latest call has been answered ``period``
    ago. (Counting starts alone is not enough: a slow call can arrive late, next to later ones.)
    """

    def __init__(self, limit: int, period: float = 1.0) -> None:
        if limit < 1:
            raise ValueError("the limit must be at least 1")
        self.limit = limit
        self.period = period
        self._sends: deque[Send] = deque(maxlen=limit)

    def wait(self, now: float) -> float | None:
        """Seconds to wait from ``now`` before the next call may start; None: until a call in
        flight is answered."""
        if len(self._sends) < self.limit:
            return 0.0
        oldest = self._sends[0]
        if oldest.end is None:
            return None
        return max(0.0, oldest.end + self.period - now)

    def start(self, now: float) -> Send:
        send = Send(now)
        self._sends.append(send)
        return send
