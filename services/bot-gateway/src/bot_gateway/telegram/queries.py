"""Answers that only read: balances, periods and the balance sheet (from reporting's REST API,
the community's name and currency from the ledger), asked as the user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot_gateway.adapters.services import Refused
from bot_gateway.domain import reads
from bot_gateway.domain.refusals import refusal_text
from bot_gateway.domain.texts import money
from bot_gateway.gateway import Turn
from bot_gateway.telegram import documents


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
    """The community as the ledger shows it to the user; when the ledger refuses, only its id
    (no name, no currency: amounts are then shown without one, never in a guessed currency)."""
    assert turn.user_id is not None
    try:
        token = await turn.token(communities=[community_id])
        return await turn.gateway.services.community(token, community_id)
    except Refused:
        return {"id": community_id, "name": ""}


async def ledger_owners(turn: Turn, community_id: int) -> list[tuple[int, str]]:
    """The community's active owners as the ledger lists them now; none when it refuses."""
    try:
        token = await turn.token(communities=[community_id])
        owners = await turn.gateway.services.owners(token, community_id)
    except Refused:
        return []
    return [(int(o["user_id"]), str(o["display_name"])) for o in owners if o["active"]]


async def community_name(turn: Turn, community_id: int) -> str:
    return str((await _community(turn, community_id)).get("name") or "")


async def currency(turn: Turn, community_id: int) -> str:
    """The community's base currency; ``""`` when the ledger does not say."""
    return str((await _community(turn, community_id)).get("base_currency") or "")


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


async def balance(turn: Turn) -> None:
    """In a chat linked to a splits group: the group's balances and who owes whom. Elsewhere:
    the user's balance in each of their communities, what was carried in shown as carried."""
    if turn.splits_group_id is not None and turn.community_id is None:
        await group_balances(turn, turn.splits_group_id, plan_only=False)
        return
    assert turn.user_id is not None
    communities = await communities_of(turn)
    if not communities:
        await turn.say("no_community")
        return
    lines = []
    for community_id in communities:
        lines.extend(await _community_balance(turn, community_id))
    await turn.reply("\n".join(lines))


async def _community_balance(turn: Turn, community_id: int) -> list[str]:
    assert turn.user_id is not None
    services = turn.gateway.services
    community = await _community(turn, community_id)
    cur = str(community.get("base_currency") or "")
    name = str(community.get("name") or "")
    try:
        statement = await services.get(
            services.reporting(
                f"/api/payments/communities/{community_id}/owners/{turn.user_id}/statement"
            ),
            await turn.token(communities=[community_id]),
        )
    except Refused:
        return [turn.t("balance_none", community=name)]
    lines_in: list[dict[str, Any]] = statement.get("periods") or []
    if not lines_in:
        return [turn.t("balance_none", community=name)]
    open_ = [p for p in lines_in if p["status"] == "OPEN"]
    line = (open_ or lines_in)[-1]
    opening = Decimal(str(line.get("opening_balance") or "0"))
    # Carried balances are shown as carried, never as paid or charged in this period.
    paid, charges = reads.paid_and_charged(
        Decimal(str(line["total_contributions"])), Decimal(str(line["total_charges"])), opening
    )
    out = [
        turn.t(
            "balance_line",
            community=name,
            period=line["name"],
            balance=money(line["balance"], cur, turn.lang),
            paid=money(paid, cur, turn.lang),
            expenses=money(line["total_expenses"], cur, turn.lang),
            charges=money(charges, cur, turn.lang),
        )
    ]
    if opening != 0:
        index = lines_in.index(line)
        before = lines_in[index - 1]["name"] if index > 0 else ""
        out.append(turn.t("balance_carried", amount=money(opening, cur, turn.lang), period=before))
    total = Decimal(str(statement.get("current_balance") or line["balance"]))
    if total != Decimal(str(line["balance"])):
        out.append(turn.t("balance_uncarried", community=name, total=money(total, cur, turn.lang)))
    return out


async def group_balances(turn: Turn, group_id: int, *, plan_only: bool) -> None:
    """A group's balances (from the splits service: no lag) and its settle-up plan, every amount
    with its currency and every person by the one name the bot calls them."""
    services = turn.gateway.services
    found = await group(turn, group_id)
    names = {int(m["user_id"]): str(m["name"]) for m in found.get("members", [])}
    summary = await services.get(
        services.splits(f"/costs/groups/{group_id}/balance-summary"),
        await turn.token(groups=[group_id]),
    )
    cur = str(summary.get("currency") or found.get("base_currency") or "")

    def name(user_id: int) -> str:
        return names.get(user_id, turn.t("someone"))

    lines = [] if plan_only else [turn.t("group_balances_head", group=found.get("name", ""))]
    if not plan_only:
        for b in summary.get("user_balances", []):
            net = Decimal(str(b["net_balance"]))
            key = "group_owed" if net > 0 else "group_owes" if net < 0 else "group_even"
            lines.append(
                turn.t(key, name=name(int(b["user_id"])), amount=money(abs(net), cur, turn.lang))
            )
    plan = summary.get("suggested_settlements", [])
    if not plan:
        lines.append(turn.t("owe_nobody"))
    else:
        lines.append(turn.t("owe_head"))
        for t in plan:
            lines.append(
                turn.t(
                    "owe_line",
                    payer=name(int(t["from_user_id"])),
                    payee=name(int(t["to_user_id"])),
                    amount=money(t["amount"], cur, turn.lang),
                )
            )
    await turn.reply("\n".join(lines))


async def owe(turn: Turn) -> None:
    """``/owe``: who owes whom in the chat's group (in private: in each of the user's groups)."""
    if turn.splits_group_id is not None:
        await group_balances(turn, turn.splits_group_id, plan_only=True)
        return
    groups = sorted((await turn.memberships()).groups) if turn.is_private else []
    if not groups:
        await turn.say("no_group")
        return
    for group_id in groups:
        await group_balances(turn, group_id, plan_only=False)


async def audit(turn: Turn) -> None:
    """``/audit``: the community's audit chain head, to whoever asks, with how to verify it."""
    community_id = await community_of(turn)
    if community_id is None:
        await turn.say("no_community")
        return
    mine = await turn.memberships()
    if community_id not in mine.communities:
        await turn.say("not_a_member")
        return
    services = turn.gateway.services
    try:
        head = await services.get(
            services.reporting("/api/audit/head"),
            await turn.token(communities=[community_id]),
            {"community_id": community_id},
        )
    except Refused as refused:
        await turn.say("refused", detail=refusal_text(refused.code, refused.status_code, turn.lang))
        return
    verify = InlineKeyboardButton(
        text=turn.t("audit_verify_button"), callback_data=f"av:{community_id}"
    )
    await turn.reply(
        turn.t(
            "audit",
            community=await community_name(turn, community_id),
            hash=head.get("hash") or "—",
            entries=turn.t("n_entries", count=int(head.get("seq") or 0)),
        ),
        InlineKeyboardMarkup(inline_keyboard=[[verify]]),
    )


async def verify_audit(callback: CallbackQuery, turn: Turn) -> None:
    """The "Verify the chain" button of ``/audit``: reporting rechecks every hash of the
    community's chain for whoever taps it (a member of the community), and the bot says so."""
    raw = str(callback.data).removeprefix("av:")
    mine = await turn.memberships() if turn.user_id is not None else None
    if not raw.isdigit() or mine is None or int(raw) not in mine.communities:
        await turn.answer(callback, turn.t("not_a_member"))
        return
    community_id = int(raw)
    await turn.answer(callback)
    services = turn.gateway.services
    try:
        checked = await services.get(
            services.reporting("/api/audit/verify"),
            await turn.token(communities=[community_id]),
            {"community_id": community_id},
        )
    except Refused as refused:
        await turn.say("refused", detail=refusal_text(refused.code, refused.status_code, turn.lang))
        return
    community = await community_name(turn, community_id)
    if checked.get("ok"):
        entries = turn.t("n_entries", count=int(checked["entries_checked"]))
        await turn.say("audit_verified", community=community, entries=entries)
    else:
        broken = checked.get("first_broken") or {}
        await turn.say("audit_broken", community=community, seq=broken.get("seq", "?"))


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
            turn.t("periods_line", name=p["name"], status=turn.t(f"status_{p['status']}"))
            for p in found
        )
    )


async def report(turn: Turn) -> None:
    community_id = await community_of(turn)
    if community_id is None:
        await turn.say("no_community")
        return
    assert turn.user_id is not None
    roles = (await turn.memberships()).communities.get(community_id, frozenset())
    info = await _community(turn, community_id)
    if not reads.may_see_report(roles, bool(info.get("owners_see_balance_sheet", True))):
        await turn.say("report_not_allowed" if roles else "not_a_member")
        # An owner may still have their own statement.
        await _offer_documents(turn, community_id, None, roles, sheet=False)
        return
    services = turn.gateway.services
    token = await turn.token(communities=[community_id])
    period = reads.current_period(await reporting_periods(turn, community_id))
    if period is None:
        await turn.say("periods_none")
        return
    cur = await currency(turn, community_id)
    sheet = await services.get(
        services.reporting(f"/api/payments/periods/{period['id']}/balance-sheet"), token
    )
    lines = [turn.t("report_head", period=period["name"])]
    for entry in sheet["entries"]:
        owner = await turn.repo.name_of(int(entry["owner_id"]), community_id)
        lines.append(
            turn.t("report_line", owner=owner, balance=money(entry["balance"], cur, turn.lang))
        )
    total = Decimal(sheet.get("total_period_balance") or "0")
    lines.append(turn.t("report_total", total=money(total, cur, turn.lang)))
    await turn.reply("\n".join(lines))
    try:
        chart = await services.get_bytes(
            services.reporting(
                f"/api/payments/periods/{period['id']}/charts/balances.png?lang={turn.lang}"
            ),
            token,
        )
    except Refused:
        await _offer_documents(turn, community_id, int(period["id"]), roles, sheet=True)
        return
    await turn.repo.enqueue(turn.chat_id, "sendPhoto", {"caption": lines[0]}, photo=chart)
    await _offer_documents(turn, community_id, int(period["id"]), roles, sheet=True)


async def _offer_documents(
    turn: Turn, community_id: int, period_id: int | None, roles: frozenset[str], *, sheet: bool
) -> None:
    """The balance sheet and the user's own statement as documents, as far as they may have
    them (``telegram/documents.py``)."""
    keyboard = documents.offer(
        turn.lang, community_id, period_id, sheet=sheet, statement="owner" in roles
    )
    if keyboard is not None:
        await turn.reply(turn.t("documents_offer"), keyboard)


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
