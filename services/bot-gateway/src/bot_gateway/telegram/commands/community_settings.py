"""What a community's owners may see, decided by its treasurer in the chat: ``/sheet hide`` keeps
the balance sheet (``/report`` and its chart) to treasurers, ``/sheet show`` opens it to owners
again. Each owner always sees their own balance. Moves no money, so it goes out at once."""

from __future__ import annotations

from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries
from bot_gateway.telegram.setup import Stop, treasurer_community

_CHOICES = {"hide": False, "show": True, "скрыть": False, "показать": True}


async def sheet(turn: Turn, args: str) -> None:
    choice = args.strip().lower()
    if choice not in _CHOICES:
        await turn.say("usage_sheet")
        raise Stop
    community_id = await treasurer_community(turn)
    visible = _CHOICES[choice]
    await turn.send_now(
        "ledger.change_community_settings",
        {"community_id": community_id, "owners_see_balance_sheet": visible},
        turn.t(
            "summary_sheet_shown" if visible else "summary_sheet_hidden",
            community=await queries.community_name(turn, community_id),
        ),
        f"community:{community_id}",
    )
