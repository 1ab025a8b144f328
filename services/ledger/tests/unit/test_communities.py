"""Communities: the creator is the first treasurer; treasurers appoint others and decide what
owners see."""

from __future__ import annotations

from typing import Any

import pytest
from sosenki_contracts.bank_details import BankDetails, BankDetailsInput
from sosenki_contracts.commands import ledger as c
from sosenki_contracts.events import ledger as ev
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound

pytestmark = pytest.mark.unit


async def test_the_creator_is_the_first_treasurer_and_the_event_says_so(ledger: Any) -> None:
    row = await ledger.do(c.CreateCommunity(name="  Village  ", base_currency="EUR"), as_user=7)
    assert row.name == "Village" and row.base_currency == "EUR"
    assert await ledger.store.is_treasurer(row.id, 7)
    (created,) = ledger.published(ev.CommunityCreated)
    assert created == ev.CommunityCreated(
        community_id=row.id, name="Village", base_currency="EUR", timezone="Europe/Moscow"
    )
    assert ledger.events.published[0].aggregate_id == str(row.id)


async def test_a_blank_name_is_refused(ledger: Any) -> None:
    with pytest.raises(BadRequest, match="must not be empty"):
        await ledger.do(c.CreateCommunity(name="   "))
    assert ledger.store.communities == {}


async def test_a_treasurer_appoints_another_once(ledger: Any) -> None:
    await ledger.village()
    await ledger.do(c.AppointTreasurer(community_id=ledger.community_id, user_id=5))
    assert await ledger.store.is_treasurer(ledger.community_id, 5)
    assert ledger.published(ev.TreasurerAppointed) == [
        ev.TreasurerAppointed(community_id=ledger.community_id, user_id=5)
    ]
    with pytest.raises(Conflict, match="already a treasurer"):
        await ledger.do(c.AppointTreasurer(community_id=ledger.community_id, user_id=5))


async def test_an_owner_may_not_appoint_and_a_stranger_does_not_see_the_community(
    ledger: Any,
) -> None:
    await ledger.village()
    appoint = c.AppointTreasurer(community_id=ledger.community_id, user_id=2)
    with pytest.raises(Forbidden):
        await ledger.do(appoint, as_user=2)
    with pytest.raises(NotFound):
        await ledger.do(appoint, as_user=99)
    assert not await ledger.store.is_treasurer(ledger.community_id, 2)


async def test_a_treasurer_hides_the_balance_sheet_from_owners(ledger: Any) -> None:
    await ledger.village()
    command = c.ChangeCommunitySettings(
        community_id=ledger.community_id, owners_see_balance_sheet=False
    )
    row = await ledger.do(command)
    assert row.owners_see_balance_sheet is False
    assert ledger.published(ev.CommunitySettingsChanged)[-1].owners_see_balance_sheet is False
    with pytest.raises(Forbidden):
        await ledger.do(command, as_user=2)


async def test_a_treasurer_sets_changes_and_removes_the_bank_details(ledger: Any) -> None:
    await ledger.village()
    details = BankDetailsInput.model_validate(BankDetails.example())
    row = await ledger.do(
        c.ChangeCommunitySettings(community_id=ledger.community_id, bank_details=details)
    )
    assert row.bank_details == BankDetails.example()
    event = ledger.published(ev.CommunitySettingsChanged)[-1]
    assert event.bank_details is not None
    assert event.bank_details.model_dump() == BankDetails.example()
    assert event.owners_see_balance_sheet is True
    # Changing what owners see keeps the bank details, and the event still carries them.
    await ledger.do(
        c.ChangeCommunitySettings(community_id=ledger.community_id, owners_see_balance_sheet=False)
    )
    event = ledger.published(ev.CommunitySettingsChanged)[-1]
    assert event.owners_see_balance_sheet is False
    assert event.bank_details is not None
    assert event.bank_details.model_dump() == BankDetails.example()
    row = await ledger.do(
        c.ChangeCommunitySettings(community_id=ledger.community_id, remove_bank_details=True)
    )
    assert row.bank_details is None
    assert ledger.published(ev.CommunitySettingsChanged)[-1].bank_details is None
    assert row.owners_see_balance_sheet is False


async def test_bank_details_are_a_treasurers_and_a_change_must_change_something(
    ledger: Any,
) -> None:
    await ledger.village()
    details = BankDetailsInput.model_validate(BankDetails.example())
    set_details = c.ChangeCommunitySettings(community_id=ledger.community_id, bank_details=details)
    with pytest.raises(Forbidden):
        await ledger.do(set_details, as_user=2)
    with pytest.raises(BadRequest, match="Nothing to change"):
        await ledger.do(c.ChangeCommunitySettings(community_id=ledger.community_id))
    both = c.ChangeCommunitySettings(
        community_id=ledger.community_id, bank_details=details, remove_bank_details=True
    )
    with pytest.raises(BadRequest, match="not both"):
        await ledger.do(both)
    wrong = BankDetailsInput.model_validate({**BankDetails.example(), "inn": "7707083894"})
    with pytest.raises(BadRequest) as refused:
        await ledger.do(
            c.ChangeCommunitySettings(community_id=ledger.community_id, bank_details=wrong)
        )
    assert refused.value.detail == "bank_details: INN 7707083894 has a wrong check digit"
    assert ledger.published(ev.CommunitySettingsChanged) == []
