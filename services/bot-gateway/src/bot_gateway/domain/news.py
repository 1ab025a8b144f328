"""When an event is still news: a chat hears of it only while it is younger than
``SOSENKI_NOTIFY_MAX_AGE_HOURS`` (24), so a fresh gateway reading old history stays quiet.

>>> from datetime import UTC, datetime, timedelta
>>> now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
>>> still_news(now - timedelta(hours=23), now, max_age_hours=24)
True
>>> still_news(now - timedelta(hours=25), now, max_age_hours=24)
False
"""

from __future__ import annotations

from datetime import datetime, timedelta


def still_news(occurred_at: datetime, now: datetime, max_age_hours: float) -> bool:
    return now - occurred_at <= timedelta(hours=max_age_hours)
