"""Owners: added once with a positive share; a share change applies from its date; a deactivated
owner stays in history and leaves new allocations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from ledger.queries import owners
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import Conflict, Forbidden, NotFound

pytestmark = pytest.mark.unit


async def test_an_owner_is_added_once(ledger: Any) -> None:
    await ledger.village()
    (first, _) = ledger.published(ev.OwnerAdded)
    assert first.model_dump(mode="json")["ownership_share"] == "1"
    again = c.AddOwner(
        community_id=ledger.community_id, user_id=2, display_name="B", ownership_share=Decimal(1)
    )
    with pytest.raises(Conflict, match="already an owner"):
        await ledger.do(again)
    with pytest.raises(Forbidden):
        await ledger.do(again.model_copy(update={"user_id": 3}), as_user=2)


async def test_a_share_change_is_current_from_its_day_and_scheduled_before(ledger: Any) -> None:
    await ledger.village()
    later = c.ChangeShare(
        community_id=ledger.community_id,
        owner_id=2,
        ownership_share=Decimal("3"),
        effective_from=date(2025, 12, 1),
    )
    row = await ledger.do(later)
    assert row.ownership_share == Decimal(1)  # the clock says November 15
    (view,) = [o for o in await owners.owners(ledger.ctx(), ledger.community_id) if o.user_id == 2]
    assert view.ownership_share == "1"
    assert [(s.effective_from, s.ownership_share) for s in view.scheduled_shares] == [
        (date(2025, 12, 1), "3")
    ]
    assert ledger.published(ev.OwnershipShareChanged)[-1].effective_from == date(2025, 12, 1)
    ledger.clock.set(ledger.clock.now().replace(month=12, day=2))
    (view,) = [o for o in await owners.owners(ledger.ctx(), ledger.community_id) if o.user_id == 2]
    assert view.ownership_share == "3" and view.scheduled_shares == []


async def test_changing_the_share_of_a_stranger_is_404(ledger: Any) -> None:
    await ledger.village()
    with pytest.raises(NotFound, match="Owner 9 not found"):
        await ledger.do(
            c.ChangeShare(
                community_id=ledger.community_id,
                owner_id=9,
                ownership_share=Decimal(1),
                effective_from=date(2025, 11, 1),
            )
        )


async def test_a_deactivated_owner_is_deactivated_once(ledger: Any) -> None:
    await ledger.village()
    command = c.DeactivateOwner(community_id=ledger.community_id, owner_id=2)
    row = await ledger.do(command)
    assert row.active is False
    assert ledger.published(ev.OwnerDeactivated) == [
        ev.OwnerDeactivated(community_id=ledger.community_id, owner_id=2)
    ]
    with pytest.raises(Conflict, match="already inactive"):
        await ledger.do(command)
