"""What every command needs: the chat's community, period or group, a person by @username, an
amount with its currency, and turning the usual refusals into words."""

from __future__ import annotations

from collections.abc import Awaitable
from decimal import Decimal
from typing import Any

from bot_gateway.adapters.services import Refused, Unavailable
from bot_gateway.domain import parsing
from bot_gateway.domain.refusals import refusal_text
from bot_gateway.domain.texts import money
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries
from bot_gateway.telegram.setup import Stop


async def guard(turn: Turn, action: Awaitable[None]) -> None:
    """Run a command; what stops it (a misread, a refusal, a service away) is said in words."""
    try:
        await action
    except Stop:
        pass
    except parsing.Unreadable as unreadable:
        await turn.say(unreadable.key, **unreadable.values)
    except Unavailable:
        await turn.say("unavailable")
    except Refused as refusal:
        await turn.say("refused", detail=refusal_text(refusal.code, refusal.status_code, turn.lang))


async def community(turn: Turn) -> int:
    community_id = await queries.community_of(turn)
    if community_id is None:
        await turn.say("no_community")
        raise Stop
    return community_id


async def period(turn: Turn, community_id: int, status: str = "OPEN") -> dict[str, Any]:
    """The community's latest period in ``status``; the user is told when there is none."""
    assert turn.user_id is not None
    token = await turn.token(communities=[community_id])
    found = await turn.gateway.services.periods(token, community_id, status)
    if not found:
        await turn.say(
            "no_open_period" if status == "OPEN" else "no_closed_period",
            community=await queries.community_name(turn, community_id),
        )
        raise Stop
    return found[-1]


async def group(turn: Turn) -> int:
    if turn.splits_group_id is None:
        await turn.say("no_group")
        raise Stop
    return turn.splits_group_id


async def user_named(turn: Turn, username: str, group_id: int | None = None) -> tuple[int, str]:
    row = await turn.repo.user_by_username(username)
    if row is None:
        await turn.say("unknown_user", username=username)
        raise Stop
    return int(row.user_id), await turn.repo.name_of(int(row.user_id), group_id=group_id)


def amount(turn: Turn, value: Decimal, currency: str) -> str:
    """An amount in the chat's language with its currency (none when it is not known)."""
    return money(value, currency, turn.lang)
