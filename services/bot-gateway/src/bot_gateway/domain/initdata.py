"""Telegram Mini App ``initData``: the signed query string a Mini App receives from Telegram.

Valid when hex(HMAC-SHA256(secret, data_check_string)) equals its ``hash``, where
secret = HMAC-SHA256(key="WebAppData", message=bot token) and data_check_string is every other
``key=value`` pair, sorted, joined with newlines; and ``auth_date`` is not too old.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


class InvalidInitData(ValueError):
    """The initData is not from Telegram for this bot, or too old."""


@dataclass(frozen=True)
class MiniAppUser:
    telegram_user_id: int
    first_name: str
    username: str | None
    language_code: str | None
    auth_date: int


def data_check_string(pairs: dict[str, str]) -> str:
    return "\n".join(f"{key}={pairs[key]}" for key in sorted(pairs) if key != "hash")


def sign(pairs: dict[str, str], bot_token: str) -> str:
    """The ``hash`` Telegram puts in initData with these fields (tests use it to make samples)."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return hmac.new(secret, data_check_string(pairs).encode(), hashlib.sha256).hexdigest()


def validate_init_data(
    init_data: str, bot_token: str, max_age_seconds: int, now: float | None = None
) -> MiniAppUser:
    if not bot_token:
        raise InvalidInitData("the bot has no token")
    pairs = dict(parse_qsl(init_data, keep_blank_values=True, strict_parsing=False))
    received = pairs.get("hash", "")
    if not received:
        raise InvalidInitData("initData has no hash")
    if not hmac.compare_digest(sign(pairs, bot_token), received):
        raise InvalidInitData("initData signature does not match")
    try:
        auth_date = int(pairs.get("auth_date", ""))
    except ValueError:
        raise InvalidInitData("initData has no auth_date") from None
    current = time.time() if now is None else now
    if current - auth_date > max_age_seconds:
        raise InvalidInitData("initData is too old")
    try:
        user: dict[str, Any] = json.loads(pairs.get("user", ""))
        return MiniAppUser(
            telegram_user_id=int(user["id"]),
            first_name=str(user.get("first_name", "")),
            username=user.get("username"),
            language_code=user.get("language_code"),
            auth_date=auth_date,
        )
    except (ValueError, KeyError, TypeError):
        raise InvalidInitData("initData has no user") from None
