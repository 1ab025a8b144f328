"""Telegram's sending limits: about one message a second per chat, twenty a minute per group."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta


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
