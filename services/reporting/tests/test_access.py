"""Reporting shows what the ledger would: membership from the ledger's events decides, a token's
``communities`` claim never grants, and a treasurer may hide the balance sheet from owners."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

P = "/api/payments"


async def test_a_token_naming_the_community_is_not_membership(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    nov, _ = await ledger.two_months()
    await reporting.caught_up(ledger)
    cid, api = ledger.community_id, reporting.client
    stranger = {"Authorization": f"Bearer {make_token(99, communities=[cid])}"}
    for path in (
        f"{P}/periods/{nov}",
        f"{P}/periods/{nov}/balance-sheet",
        f"{P}/periods/{nov}/balance-sheet.csv",
        f"{P}/periods/{nov}/fund-summary",
        f"{P}/communities/{cid}/owners/11/statement",
        f"{P}/communities/{cid}/owners/11/statement.pdf",
        f"{P}/communities/{cid}/charts/fund.png",
        f"/api/audit/head?community_id={cid}",
    ):
        assert (await api.get(path, headers=stranger)).status_code == 404, path
    assert (await api.get(f"{P}/periods", headers=stranger)).json()["periods"] == []
    assert (await api.get("/api/audit", headers=stranger)).json()["entries"] == []
    # An owner with a token naming no community: membership alone decides.
    owner = {"Authorization": f"Bearer {make_token(12)}"}
    assert (await api.get(f"/api/audit/head?community_id={cid}", headers=owner)).status_code == 200
    assert (await api.get(f"{P}/periods/{nov}/balance-sheet", headers=owner)).status_code == 200


async def test_a_treasurer_may_hide_the_balance_sheet_from_owners(
    reporting: Any, ledger: Any, make_token: Any
) -> None:
    nov, _ = await ledger.two_months()
    await ledger.publish(
        "ledger.community_settings_changed", ledger.community_id, owners_see_balance_sheet=False
    )
    await reporting.caught_up(ledger)
    api = reporting.client
    owner = {"Authorization": f"Bearer {make_token(12)}"}
    treasurer = {"Authorization": f"Bearer {make_token(1)}"}
    for what in ("balance-sheet", "balance-sheet.csv", "balance-sheet.pdf", "charts/balances.png"):
        hidden = await api.get(f"{P}/periods/{nov}/{what}", headers=owner)
        assert hidden.status_code == 403, what
        assert (await api.get(f"{P}/periods/{nov}/{what}", headers=treasurer)).status_code == 200
    # Their own balance and the fund stay theirs to see.
    assert (await api.get(f"{P}/periods/{nov}/owner-balance/12", headers=owner)).status_code == 200
    assert (await api.get(f"{P}/periods/{nov}/fund-summary", headers=owner)).status_code == 200
