"""Groups and their members: an owner runs the group, members record and settle."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.money import format_amount
from sosenki_platform.errors import BadRequest, Conflict


class Role(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


def check_group_name(name: str) -> str:
    if not name.strip():
        raise BadRequest("Group name must not be empty", ErrorCode.NAME_EMPTY)
    return name.strip()


def check_removal(
    group_id: int, user_id: int, role: Role, owners: int, balance: Decimal, currency: str
) -> None:
    """A member leaves only with a settled balance, and a group always keeps an owner."""
    if role is Role.OWNER and owners <= 1:
        raise Conflict(
            f"User {user_id} is the last owner of group {group_id}", ErrorCode.LAST_OWNER
        )
    if balance != 0:
        shown = format_amount(balance, currency)
        raise Conflict(
            f"User {user_id} has a non-zero balance of {shown} {currency} in group {group_id}; "
            "settle up first",
            ErrorCode.BALANCE_NOT_ZERO,
        )
