"""Who sees what through the queries: an owner their own records, the balance sheet unless a
treasurer turned it off; a stranger nothing; a narrowed token only its communities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from ledger.queries import balances, communities, entries
from sosenki_contracts.commands import ledger as c
from sosenki_platform.errors import Forbidden, NotFound

pytestmark = pytest.mark.unit


async def test_an_owner_sees_their_own_and_the_balance_sheet_until_it_is_hidden(
    ledger: Any,
) -> None:
    await ledger.village()
    pid = ledger.period_id
    for owner in (1, 2):
        await ledger.do(c.RecordContribution(period_id=pid, owner_id=owner, amount=Decimal(10)))
    assert [r.user_id for r in await entries.contributions(ledger.ctx(2), pid, None)] == [2]
    with pytest.raises(Forbidden):
        await entries.contributions(ledger.ctx(2), pid, 1)
    assert [r.user_id for r in await entries.contributions(ledger.ctx(), pid, None)] == [1, 2]
    own = await balances.owner_balance(ledger.ctx(2), pid, 2)
    assert own.balance == "10.00"
    with pytest.raises(Forbidden):
        await balances.owner_balance(ledger.ctx(2), pid, 1)
    assert (await balances.balance_sheet(ledger.ctx(2), pid)).total_period_balance == "20.00"
    await ledger.do(
        c.ChangeCommunitySettings(community_id=ledger.community_id, owners_see_balance_sheet=False)
    )
    with pytest.raises(Forbidden):
        await balances.balance_sheet(ledger.ctx(2), pid)
    fund = await balances.fund_summary(ledger.ctx(2), pid)
    assert (fund.total_contributions, fund.fund_balance) == ("20.00", "20.00")


async def test_a_stranger_and_a_token_for_another_community_see_nothing(ledger: Any) -> None:
    await ledger.village()
    with pytest.raises(NotFound):
        await communities.community(ledger.ctx(99), ledger.community_id)
    elsewhere = ledger.ctx(1, communities={ledger.community_id + 1000})
    with pytest.raises(NotFound):
        await communities.community(elsewhere, ledger.community_id)
    mine = await communities.community(ledger.ctx(1), ledger.community_id)
    assert (mine.my_role, mine.base_currency) == ("treasurer", "RUB")
    with pytest.raises(NotFound, match="User not found"):
        await communities.memberships(ledger.ctx(2), 1)
    assert [
        (m.community_id, m.role)
        for m in (await communities.memberships(ledger.ctx(2), 2)).memberships
    ] == [(ledger.community_id, "owner")]


async def test_the_currency_is_the_community_s(ledger: Any) -> None:
    await ledger.village(currency="JPY")
    await ledger.do(c.RecordContribution(period_id=ledger.period_id, owner_id=1, amount=Decimal(5)))
    sheet = await balances.balance_sheet(ledger.ctx(), ledger.period_id)
    assert (sheet.currency, sheet.entries[0].balance) == ("JPY", "5")
