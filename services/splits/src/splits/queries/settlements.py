"""Settlements between members of a group."""

from __future__ import annotations

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import NotFound
from sosenki_platform.use_case import Caller

from splits import access, views
from splits.repository import Repository


async def get_settlement(
    repo: Repository, caller: Caller, settlement_id: int
) -> views.SettlementOut:
    row = await repo.get_settlement(settlement_id)
    if row is None:
        raise NotFound("Settlement not found", ErrorCode.SETTLEMENT_NOT_FOUND)
    await access.require_group(repo, caller, row.group_id, hidden="Settlement not found")
    return views.settlement_out(row)


async def list_settlements(
    repo: Repository, caller: Caller, group_id: int, include_deleted: bool
) -> list[views.SettlementOut]:
    await access.require_group(repo, caller, group_id)
    rows = await repo.list_settlements(group_id, include_deleted)
    return [views.settlement_out(r) for r in rows]
