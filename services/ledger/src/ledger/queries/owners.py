"""Owners with the share in force today and the changes scheduled after it
(``domain/shares.py``)."""

from __future__ import annotations

from typing import Any

from ledger import views as v
from ledger.ports import Ctx
from ledger.queries import shapes
from ledger.use_cases import access


async def owner_view(ctx: Ctx, row: Any) -> v.OwnerOut:
    history = await ctx.repo.share_history(row.community_id)
    return shapes.owner(row, history.get(row.user_id, []), ctx.today())


async def owners(ctx: Ctx, community_id: int) -> list[v.OwnerOut]:
    await access.require_reader(ctx, community_id)
    history = await ctx.repo.share_history(community_id)
    today = ctx.today()
    return [
        shapes.owner(row, history.get(row.user_id, []), today)
        for row in await ctx.repo.list_owners(community_id)
    ]
