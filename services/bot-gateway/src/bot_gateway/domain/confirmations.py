"""Who may tap Confirm, and when a Confirm/Cancel keyboard stops working.

>>> from datetime import UTC, datetime, timedelta
>>> asked = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
>>> expired(asked, asked + timedelta(hours=7), ttl_seconds=6 * 3600)
True
>>> split = {"split_type": "EQUAL", "splits_in": [{"user_id": 1}, {"user_id": 2}]}
>>> may_confirm_for(SPLIT_COMMAND, split, "ok", 2)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot_gateway.domain.parsing import SPLIT_FIELDS

#: The command a group split becomes (the one write others than the asker may confirm).
SPLIT_COMMAND = "splits.create_expense"


def needs_numbers(payload: Mapping[str, Any]) -> bool:
    """Whether a split still lacks someone's number (a share, a percentage, an amount)."""
    field = SPLIT_FIELDS.get(str(payload["split_type"]))
    return field is not None and any(s.get(field) is None for s in payload["splits_in"])


def may_confirm_for(
    command_type: str, payload: Mapping[str, Any], verb: str, user_id: int | None
) -> bool:
    """Whether someone other than the asker may press this button: in a group split, anyone who
    shares it may confirm it once its numbers are complete (the asker's choices stand);
    everything else only the person who asked."""
    if verb != "ok" or command_type != SPLIT_COMMAND or user_id is None:
        return False
    if needs_numbers(payload):
        return False
    return user_id in {int(s["user_id"]) for s in payload.get("splits_in", [])}


def expired(created_at: datetime | None, now: datetime, ttl_seconds: float) -> bool:
    """An unanswered keyboard stops working after ``ttl_seconds``: yesterday's question is not a
    decision today."""
    if created_at is None:
        return False
    return (now - created_at).total_seconds() > ttl_seconds
