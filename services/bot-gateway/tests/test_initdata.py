"""Mini App initData: signed by Telegram with the bot's token, checked in constant time, fresh."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest
from bot_gateway.domain.initdata import InvalidInitData, sign, validate_init_data

pytestmark = pytest.mark.unit

TOKEN = "123456:ABC-real-looking-token"


def sample(token: str = TOKEN, auth_date: int | None = None, **changes: str) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {
                "id": 279058397,
                "first_name": "Vladislav",
                "username": "vdkfrost",
                "language_code": "ru",
            },
            separators=(",", ":"),
            ensure_ascii=False,
        ),
        "auth_date": str(auth_date if auth_date is not None else int(time.time())),
    }
    fields["hash"] = sign(fields, token)
    fields.update(changes)
    return urlencode(fields)


def test_a_valid_sample_passes() -> None:
    user = validate_init_data(sample(), TOKEN, max_age_seconds=3600)
    assert user.telegram_user_id == 279058397
    assert user.username == "vdkfrost" and user.language_code == "ru"


def test_a_changed_field_fails() -> None:
    forged_user = json.dumps({"id": 1, "first_name": "Mallory"})
    with pytest.raises(InvalidInitData, match="signature"):
        validate_init_data(sample(user=forged_user), TOKEN, 3600)


def test_a_wrong_token_fails() -> None:
    with pytest.raises(InvalidInitData, match="signature"):
        validate_init_data(sample(token="999:other"), TOKEN, 3600)


def test_an_expired_auth_date_fails() -> None:
    old = int(time.time()) - 7200
    with pytest.raises(InvalidInitData, match="too old"):
        validate_init_data(sample(auth_date=old), TOKEN, 3600)


def test_no_hash_fails() -> None:
    with pytest.raises(InvalidInitData):
        validate_init_data("auth_date=1&user=%7B%7D", TOKEN, 3600)


@pytest.mark.parametrize(
    "hostile",
    [
        sample(hash="é" * 64),  # non-ASCII: compare_digest on str would raise TypeError
        sample().rpartition("hash=")[0] + "hash=\ud800",  # a lone surrogate (JSON allows it)
        "hash=%FF%FE&auth_date=1",  # undecodable bytes
        "auth_date=1&user=%7B%7D",  # no hash
        sample(hash=""),
        sample() + "&x=" + "a" * 5000,  # huge
        "&".join(f"k{i}=v" for i in range(500)),  # many fields
        "\ud800=1&hash=ab",
    ],
    ids=[
        "non-ascii hash",
        "surrogate hash",
        "bad bytes",
        "no hash",
        "empty hash",
        "huge",
        "many fields",
        "surrogate key",
    ],
)
def test_hostile_input_is_refused_never_crashes(hostile: str) -> None:
    with pytest.raises(InvalidInitData):
        validate_init_data(hostile, TOKEN, 3600)


@pytest.mark.parametrize(
    "user",
    [
        json.dumps({"id": "42", "first_name": "Str"}),
        json.dumps({"id": 2**63, "first_name": "Huge"}),
        json.dumps({"id": -5, "first_name": "Negative"}),
        json.dumps([1, 2]),
        "not json",
    ],
)
def test_a_signed_but_unusable_user_is_refused(user: str) -> None:
    """Even correctly signed, a user the gateway could not store is refused."""
    fields = {"user": user, "auth_date": str(int(time.time()))}
    fields["hash"] = sign(fields, TOKEN)
    with pytest.raises(InvalidInitData, match="user"):
        validate_init_data(urlencode(fields), TOKEN, 3600)


def test_text_fields_a_database_cannot_hold_are_dropped() -> None:
    fields = {
        "user": json.dumps({"id": 7, "first_name": "A\u0000B", "username": {"x": 1}}),
        "auth_date": str(int(time.time())),
    }
    fields["hash"] = sign(fields, TOKEN)
    user = validate_init_data(urlencode(fields), TOKEN, 3600)
    assert user.telegram_user_id == 7 and user.first_name == "" and user.username is None
