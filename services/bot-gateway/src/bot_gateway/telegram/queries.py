"""Answers that only read: balances, periods and the balance sheet (from reporting's REST API,
the community's name and currency from the ledger), asked as the user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot_gateway.adapters.services import Refused
from bot_gateway.domain.texts import money
from bot_gateway.gateway import Turn


async def community_of(turn: Turn) -> int | None:
    """The chat's community, or in private chat the first community the user belongs to."""
    if turn.community_id is not None:
        return turn.community_id
    if turn.user_id is None:
        return None
    mine = sorted((await turn.memberships()).communities)
    return mine[0] if mine else None


async def communities_of(turn: Turn) -> list[int]:
    if turn.community_id is not None:
        return [turn.community_id]
    if turn.user_id is None:
        return []
    return sorted((await turn.memberships()).communities)


async def _community(turn: Turn, community_id: int) -> dict[str, Any]:
    assert turn.user_id is not None
    try:
        token = await turn.token(communities=[community_id])
        return await turn.gateway.services.community(token, community_id)
    except Refused:
        return {"id": community_id, "name": f"#{community_id}", "base_currency": "RUB"}


async def currency(turn: Turn, community_id: int) -> str:
    return str((await _community(turn, community_id)).get("base_currency") or "RUB")


async def reporting_periods(turn: Turn, community_id: int) -> list[dict[str, Any]]:
    assert turn.user_id is not None
    services = turn.gateway.services
    body = await services.get(
        services.reporting("/api/payments/periods"),
        await turn.token(communities=[community_id]),
        {"community_id": community_id, "limit": 100},
    )
    periods: list[dict[str, Any]] = body["periods"]
    return sorted(periods, key=lambda p: (str(p["start_date"]), int(p["id"])))


def current(periods: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The latest open period, else the latest one."""
    open_ = [p for p in periods if p["status"] == "OPEN"]
    candidates = open_ or periods
    return candidates[-1] if candidates else None


async def balance(turn: Turn) -> None:
    assert turn.user_id is not None
    communities = await communities_of(turn)
    if not communities:
        await turn.say("no_community")
        return
    services = turn.gateway.services
    lines = []
    for community_id in communities:
        community = await _community(turn, community_id)
        cur = str(community.get("base_currency") or "RUB")
        period = current(await reporting_periods(turn, community_id))
        if period is None:
            lines.append(turn.t("balance_none", community=community["name"]))
            continue
        try:
            entry = await services.get(
                services.reporting(
                    f"/api/payments/periods/{period['id']}/owner-balance/{turn.user_id}"
                ),
                await turn.token(communities=[community_id]),
            )
        except Refused:
            lines.append(turn.t("balance_none", community=community["name"]))
            continue
        lines.append(
            turn.t(
                "balance_line",
                community=community["name"],
                period=period["name"],
                balance=money(entry["balance"], cur, turn.lang),
                paid=money(entry["total_contributions"], cur, turn.lang),
                expenses=money(entry["total_expenses"], cur, turn.lang),
                charges=money(entry["total_charges"], cur, turn.lang),
            )
        )
        # A closed period's balance not carried forward yet is still owed (or owed to them).
        try:
            statement = await services.get(
                services.reporting(
                    f"/api/payments/communities/{community_id}/owners/{turn.user_id}/statement"
                ),
                services.token(turn.user_id, communities=[community_id]),
            )
        except Refused:
            continue
        total = str(statement.get("current_balance") or entry["balance"])
        if Decimal(total) != Decimal(str(entry["balance"])):
            lines.append(
                turn.t(
                    "balance_uncarried",
                    community=community["name"],
                    total=money(total, cur, turn.lang),
                )
            )
    await turn.reply("\n".join(lines))


async def periods(turn: Turn) -> None:
    community_id = await community_of(turn)
    if community_id is None:
        await turn.say("no_community")
        return
    assert turn.user_id is not None
    token = await turn.token(communities=[community_id])
    found = await turn.gateway.services.periods(token, community_id)
    if not found:
        await turn.say("periods_none")
        return
    await turn.reply(
        "\n".join(
            turn.t("periods_line", id=p["id"], name=p["name"], status=p["status"]) for p in found
        )
    )


async def report(turn: Turn) -> None:
    community_id = await community_of(turn)
    if community_id is None:
        await turn.say("no_community")
        return
    assert turn.user_id is not None
    services = turn.gateway.services
    token = await turn.token(communities=[community_id])
    period = current(await reporting_periods(turn, community_id))
    if period is None:
        await turn.say("periods_none")
        return
    cur = await currency(turn, community_id)
    sheet = await services.get(
        services.reporting(f"/api/payments/periods/{period['id']}/balance-sheet"), token
    )
    lines = [turn.t("report_head", period=period["name"])]
    for entry in sheet["entries"]:
        owner = entry.get("username") or await turn.repo.name_of(
            int(entry["owner_id"]), community_id
        )
        lines.append(
            turn.t("report_line", owner=owner, balance=money(entry["balance"], cur, turn.lang))
        )
    total = Decimal(sheet.get("total_period_balance") or "0")
    lines.append(turn.t("report_total", total=money(total, cur, turn.lang)))
    await turn.reply("\n".join(lines))
    try:
        chart = await services.get_bytes(
            services.reporting(f"/api/payments/periods/{period['id']}/charts/balances.png"), token
        )
    except Refused:
        return
    await turn.repo.enqueue(turn.chat_id, "sendPhoto", {"caption": lines[0]}, photo=chart)


async def group(turn: Turn, group_id: int) -> dict[str, Any]:
    """A splits group as the user sees it: its name, currency and members (with the names the
    bot calls them by), from the splits service."""
    assert turn.user_id is not None
    services = turn.gateway.services
    found: dict[str, Any] = await services.get(
        services.splits(f"/groups/{group_id}"), await turn.token(groups=[group_id])
    )
    for member in found.get("members", []):
        member["name"] = str(
            member.get("display_name") or await turn.repo.name_of(int(member["user_id"]))
        )
    return found
