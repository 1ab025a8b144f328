"""Who hears of an event. A chat hears of it only while it is younger than
``SOSENKI_NOTIFY_MAX_AGE_HOURS`` (24), so a fresh gateway reading old history stays quiet;
chats linked to the community or group hear when money moves or a period closes; an owner hears
in private when they are charged or an entry about them is reversed. Balances carried in
("opening" entries) are not news: the statement at the close said so.

>>> from datetime import UTC, datetime, timedelta
>>> now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
>>> still_news(now - timedelta(hours=23), now, max_age_hours=24)
True
>>> still_news(now - timedelta(hours=25), now, max_age_hours=24)
False
>>> owner_hears_in_private("ledger.charge_recorded", "regular")
True
>>> owner_hears_in_private("ledger.contribution_recorded", "regular")  # they know they paid
False
"""

from __future__ import annotations

from datetime import datetime, timedelta


def still_news(occurred_at: datetime, now: datetime, max_age_hours: float) -> bool:
    return now - occurred_at <= timedelta(hours=max_age_hours)


#: Events a linked chat hears of: money moving, and a period closing.
CHAT_EVENTS = frozenset(
    {
        "ledger.contribution_recorded",
        "ledger.expense_recorded",
        "ledger.charge_recorded",
        "splits.expense_recorded",
        "splits.settlement_recorded",
        "ledger.period_closed",
    }
)


def chat_hears_of(event_type: str) -> bool:
    return event_type in CHAT_EVENTS


def owner_hears_in_private(event_type: str, entry_kind: str) -> bool:
    """An owner hears in private when they are charged, and when a contribution or charge of
    theirs is reversed; never of a carried-in opening."""
    if entry_kind == "opening":
        return False
    if event_type == "ledger.charge_recorded":
        return True
    return event_type == "ledger.contribution_recorded" and entry_kind == "reversal"
