"""Shopping lists and their items."""

from __future__ import annotations

from sosenki_platform.use_case import Caller

from splits import access, views
from splits.repository import Repository


async def list_lists(repo: Repository, caller: Caller, group_id: int | None) -> list[views.ListOut]:
    """A group's lists, or every list the caller sees: their groups' and their personal ones."""
    if group_id is not None:
        await access.require_group(repo, caller, group_id)
        rows = await repo.list_lists([group_id], None)
    else:
        groups = await repo.list_groups(await access.visible_group_ids(repo, caller))
        rows = await repo.list_lists([g.id for g in groups], caller.user_id)
    return [views.list_out(r) for r in rows]


async def get_list(repo: Repository, caller: Caller, list_id: int) -> views.ListOut:
    row = await access.shopping_list(repo, caller, list_id)
    return views.list_out(row, list(await repo.list_items(list_id)))
