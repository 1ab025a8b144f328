"""Telegram Mini App ``initData``: the signed query string a Mini App receives from Telegram.

Valid when hex(HMAC-SHA256(secret, data_check_string)) equals its ``hash``, where
secret = HMAC-SHA256(key="WebAppData", message=bot token) and data_check_string is every other
``key=value`` pair, sorted, joined with newlines; and ``auth_date`` is not too old.

The input comes from anyone: whatever it holds (non-ASCII, a missing or huge field, a repeated
key) it is refused with :class:`InvalidInitData`, never an unexpected error. Hashes are compared
as bytes, since ``hmac.compare_digest`` raises ``TypeError`` on non-ASCII ``str``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

#: Longer initData is refused unread (Telegram's is well under a kilobyte or two).
MAX_LENGTH = 4096


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
    if len(init_data) > MAX_LENGTH:
        raise InvalidInitData(f"initData is longer than {MAX_LENGTH} characters")
    try:
        init_data.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800")
        raise InvalidInitData("initData is not valid text") from None
    try:
        pairs = dict(
            parse_qsl(init_data, keep_blank_values=True, strict_parsing=False, max_num_fields=64)
        )
    except ValueError:
        raise InvalidInitData("initData has too many fields") from None
    received = pairs.get("hash", "")
    if not received:
        raise InvalidInitData("initData has no hash")
    expected = sign(pairs, bot_token).encode()
    # Bytes on both sides: a hostile hash may hold any character (surrogates included).
    if not hmac.compare_digest(expected, received.encode("utf-8", "replace")):
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
        telegram_user_id = user["id"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInitData("initData has no user") from None
    if type(telegram_user_id) is not int or not 0 < telegram_user_id < 2**63:
        raise InvalidInitData("initData's user has no valid id")
    return MiniAppUser(
        telegram_user_id=telegram_user_id,
        first_name=_text(user.get("first_name")) or "",
        username=_text(user.get("username")),
        language_code=_text(user.get("language_code")),
        auth_date=auth_date,
    )


def _text(value: Any) -> str | None:
    """A short text field as it can be stored (no NUL), or None for anything else."""
    if not isinstance(value, str) or not value or "\x00" in value:
        return None
    return value[:256]
