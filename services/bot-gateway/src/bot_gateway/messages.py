"""What the bot says about an event: to the user who waited for its result (``result_text``)
and to the chats linked to its community or group (``chat_text``). Every amount carries its
currency (the event's); people are named as the bot calls them, never by number; no audit hash
in a chat (``/audit`` gives it to whoever asks)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sosenki_contracts.envelope import EventEnvelope

from bot_gateway.adapters.repository import Repository
from bot_gateway.domain.refusals import refusal_text
from bot_gateway.domain.texts import day, money, number, say
from bot_gateway.gateway import Gateway
from bot_gateway.telegram import follow_ups


async def result_text(gateway: Gateway, repo: Repository, event: EventEnvelope, lang: str) -> str:
    """What the user who waited for this result is told: done, or the refusal's words."""
    p, kind = event.payload, event.event_type
    if kind.endswith(".command_rejected"):
        reason = refusal_text(p.get("code"), p.get("status_code"), lang)
        return say("refused", lang, detail=reason)
    if p.get("kind") == "reversal" and kind.startswith("ledger."):
        entry = kind.removeprefix("ledger.").removesuffix("_recorded")
        return say(
            "done_reversal",
            lang,
            entry=say(f"entry_{entry}", lang),
            amount=money(abs(Decimal(str(p["amount"]))), p["currency"], lang),
        )
    if kind == "ledger.community_created":
        return say("done_community", lang, name=p["name"])
    if kind == "splits.group_created":
        return say("done_group", lang, name=p["name"])
    if kind == "ledger.owner_added":
        return say(
            "done_owner",
            lang,
            name=p["display_name"],
            share=number(str(p["ownership_share"]), lang),
        )
    if kind == "splits.member_added":
        return say("done_member", lang, name=p.get("display_name") or "")
    if kind == "ledger.community_settings_changed":
        return say(
            "done_sheet_shown" if p["owners_see_balance_sheet"] else "done_sheet_hidden", lang
        )
    if kind == "ledger.period_created":
        return say(
            "done_period_created",
            lang,
            name=p["name"],
            start=day(p["start_date"], lang),
            end=day(p["end_date"], lang),
        )
    if kind == "ledger.contribution_recorded":
        owner = await repo.name_of(int(p["owner_id"]), p["community_id"])
        comment = f" ({p['comment']})" if p.get("comment") else ""
        return say(
            "done_contribution",
            lang,
            amount=money(p["amount"], p["currency"], lang),
            owner=owner,
            comment=comment,
        )
    if kind == "ledger.expense_recorded":
        return say(
            "done_expense",
            lang,
            amount=money(p["amount"], p["currency"], lang),
            category=p.get("payment_type", ""),
        )
    if kind == "ledger.charge_recorded":
        owner = await repo.name_of(int(p["owner_id"]), p["community_id"])
        return say("done_charge", lang, amount=money(p["amount"], p["currency"], lang), owner=owner)
    if kind == "ledger.period_closed":
        # No audit hash in a chat: /audit gives it to whoever asks.
        name = await follow_ups.period_name(gateway, int(p["period_id"]))
        return say("done_period_closed", lang, name=name)
    if kind == "ledger.balances_carried_forward":
        return say(
            "done_carried",
            lang,
            total=money(p["total_carried"], p["currency"], lang),
            from_name=await follow_ups.period_name(gateway, int(p["from_period_id"])),
            to_name=await follow_ups.period_name(gateway, int(p["to_period_id"])),
        )
    if kind == "ledger.meter_reading_recorded":
        return say("done_reading", lang, value=number(str(p["value"]), lang))
    if kind == "splits.expense_recorded":
        group_id = p.get("group_id")
        shares = [
            f"{await repo.name_of(int(line['user_id']), group_id=group_id)} "
            f"{money(line['owed_amount'], p['currency'], lang)}"
            for line in p.get("splits", [])
        ]
        return say(
            "done_split",
            lang,
            description=p["description"],
            amount=money(p["total_amount"], p["currency"], lang),
            payer=await payers(repo, p),
            shares=", ".join(shares),
        )
    if kind == "splits.settlement_recorded":
        group_id = p.get("group_id")
        return say(
            "done_settlement",
            lang,
            payer=await repo.name_of(int(p["paid_by_user_id"]), group_id=group_id),
            payee=await repo.name_of(int(p["paid_to_user_id"]), group_id=group_id),
            amount=money(p["amount"], p["currency"], lang),
        )
    return say("done_other", lang)


async def chat_text(
    gateway: Gateway, repo: Repository, event: EventEnvelope, lang: str
) -> str | None:
    """What a chat linked to the community or group hears when money moves (None: nothing)."""
    p, kind = event.payload, event.event_type
    actor = await actor_name(repo, event)
    community_id = p.get("community_id")
    if kind == "ledger.period_closed":
        name = await follow_ups.period_name(gateway, int(p["period_id"]))
        return say("notify_period_closed", lang, name=name)
    if p.get("kind") == "reversal":
        entry = kind.removeprefix("ledger.").removesuffix("_recorded")
        return say(
            "notify_reversal",
            lang,
            actor=actor,
            entry=say(f"entry_{entry}", lang),
            amount=money(abs(Decimal(str(p["amount"]))), p["currency"], lang),
            reason=p.get("reason") or "",
        )
    if kind == "ledger.contribution_recorded":
        if p.get("kind") == "opening":
            return None
        owner = await repo.name_of(int(p["owner_id"]), community_id)
        comment = f" ({p['comment']})" if p.get("comment") else ""
        return say(
            "notify_contribution",
            lang,
            actor=actor,
            owner=owner,
            comment=comment,
            amount=money(p["amount"], p["currency"], lang),
        )
    if kind == "ledger.expense_recorded":
        return say(
            "notify_expense",
            lang,
            actor=actor,
            amount=money(p["amount"], p["currency"], lang),
            category=p.get("payment_type") or p.get("description") or "",
        )
    if kind == "ledger.charge_recorded":
        if p.get("kind") == "opening":
            return None
        owner = await repo.name_of(int(p["owner_id"]), community_id)
        return say(
            "notify_charge",
            lang,
            actor=actor,
            owner=owner,
            amount=money(p["amount"], p["currency"], lang),
            description=p.get("description", ""),
        )
    if kind == "splits.expense_recorded":
        return say(
            "notify_split_expense",
            lang,
            actor=actor,
            description=p["description"],
            amount=money(p["total_amount"], p["currency"], lang),
            payer=await payers(repo, p),
        )
    if kind == "splits.settlement_recorded":
        group_id = p.get("group_id")
        return say(
            "notify_settlement",
            lang,
            payer=await repo.name_of(int(p["paid_by_user_id"]), group_id=group_id),
            payee=await repo.name_of(int(p["paid_to_user_id"]), group_id=group_id),
            amount=money(p["amount"], p["currency"], lang),
        )
    return None


async def payers(repo: Repository, p: dict[str, Any]) -> str:
    """Who paid a group expense, by name."""
    group_id = p.get("group_id")
    ids = [int(line["user_id"]) for line in p.get("payers", []) if line.get("user_id")]
    if not ids and p.get("paid_by_user_id") is not None:
        ids = [int(p["paid_by_user_id"])]
    return ", ".join([await repo.name_of(i, group_id=group_id) for i in ids]) or "—"


async def actor_name(repo: Repository, event: EventEnvelope) -> str:
    """Who did it, by the one name the bot calls them (a service by its name)."""
    if event.actor.id.isdigit():
        return await repo.name_of(int(event.actor.id), event.payload.get("community_id"))
    return event.actor.display_name or event.actor.id
