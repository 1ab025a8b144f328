"""The bot's commands: thin translators from Telegram messages into queries, confirmations and
commands. Everything they say goes through ``turn`` (queued in the update's transaction).

Only ``message`` handlers are registered, so an edited message never runs a command again;
aiogram's ``Command`` filter accepts ``/cmd@thisbot`` and ignores ``/cmd@otherbot``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from bot_gateway.adapters.services import Refused, Unavailable
from bot_gateway.domain import parsing
from bot_gateway.domain.texts import money
from bot_gateway.gateway import Turn
from bot_gateway.telegram import queries, splitting


class Stop(Exception):
    """The command cannot go on; the user was already told why."""


async def _guard(turn: Turn, action: Any) -> None:
    try:
        await action
    except Stop:
        pass
    except parsing.Unreadable as unreadable:
        await turn.say(unreadable.key, **unreadable.values)
    except Unavailable:
        await turn.say("unavailable")
    except Refused as refusal:
        await turn.say("refused", detail=refusal.detail)


# Start, help, language, linking --------------------------------------------------------------


async def start(message: Message, command: CommandObject, turn: Turn) -> None:
    payload = (command.args or "").strip()
    if payload.startswith("join_") and turn.telegram_user is not None:
        if not turn.is_private:  # an invitation is claimed in private, where only its user sees
            await turn.say("join_in_private")
            return
        await _guard(turn, _claim(payload.removeprefix("join_"), turn))
        return
    await turn.say("start", name=turn.name, user_id=turn.user_id)


async def _claim(token: str, turn: Turn) -> None:
    assert turn.telegram_user is not None
    user = turn.telegram_user
    claimed = await turn.gateway.identity.claim(turn.repo, token, user.id, user.first_name)
    if claimed.key == "joined" and claimed.user_id is not None:
        turn.become(claimed.user_id)
    await turn.say(claimed.key, name=turn.name, user_id=claimed.user_id, detail=claimed.detail)


async def unlink(message: Message, turn: Turn) -> None:
    """The account stops being its user (e.g. before the person moves to another account)."""
    if not turn.is_private or turn.telegram_user is None:
        await turn.say("unlink_in_private")
        return
    old, new = await turn.gateway.identity.unlink(
        turn.repo, turn.telegram_user.id, turn.telegram_user.first_name
    )
    turn.become(new)
    await turn.say("unlinked", old=old, new=new)


async def help_(message: Message, turn: Turn) -> None:
    await turn.say("help")


async def lang(message: Message, command: CommandObject, turn: Turn) -> None:
    choice = (command.args or "").strip().lower()
    if choice not in ("ru", "en"):
        await turn.say("usage_lang")
        return
    await turn.repo.save_chat(turn.chat_id, turn.chat_type, language=choice)
    turn.lang = choice
    await turn.say("lang_set")


async def link(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _link(command, turn))


async def _link(command: CommandObject, turn: Turn) -> None:
    words = (command.args or "").split()
    if len(words) != 2 or words[0] not in ("community", "group") or not words[1].isdigit():
        raise parsing.Unreadable("usage_link")
    assert turn.user_id is not None
    kind, scope_id = words[0], int(words[1])
    services = turn.gateway.services
    if kind == "community":
        try:
            community = await services.community(await turn.token(communities=[scope_id]), scope_id)
        except Refused:
            community = {}
        if community.get("my_role") != "treasurer":
            await turn.say("link_refused_community", id=scope_id)
            return
        await turn.repo.save_chat(
            turn.chat_id, turn.chat_type, community_id=scope_id, linked_by=turn.user_id
        )
        await turn.say("linked_community", name=community.get("name", ""), id=scope_id)
        return
    token = await turn.token(groups=[scope_id])
    try:
        group = await services.get(services.splits(f"/groups/{scope_id}"), token)
    except Refused:
        group = {}
    owners = {m["user_id"] for m in group.get("members", []) if m.get("role") == "owner"}
    if turn.user_id not in owners:
        await turn.say("link_refused_group", id=scope_id)
        return
    await turn.repo.save_chat(
        turn.chat_id, turn.chat_type, splits_group_id=scope_id, linked_by=turn.user_id
    )
    await turn.say("linked_group", name=group.get("name", ""), id=scope_id)


async def migrated_to(message: Message, turn: Turn) -> None:
    assert message.migrate_to_chat_id is not None
    await turn.repo.migrate_chat(message.chat.id, message.migrate_to_chat_id)


async def migrated_from(message: Message, turn: Turn) -> None:
    assert message.migrate_from_chat_id is not None
    await turn.repo.migrate_chat(message.migrate_from_chat_id, message.chat.id)


# Queries ----------------------------------------------------------------------------------


async def balance(message: Message, turn: Turn) -> None:
    await _guard(turn, queries.balance(turn))


async def periods(message: Message, turn: Turn) -> None:
    await _guard(turn, queries.periods(turn))


async def report(message: Message, turn: Turn) -> None:
    await _guard(turn, queries.report(turn))


# Writes that change money: confirmed first ------------------------------------------------


async def _community(turn: Turn) -> int:
    community_id = await queries.community_of(turn)
    if community_id is None:
        await turn.say("no_community")
        raise Stop
    return community_id


async def _period(turn: Turn, community_id: int, status: str = "OPEN") -> dict[str, Any]:
    assert turn.user_id is not None
    token = await turn.token(communities=[community_id])
    found = await turn.gateway.services.periods(token, community_id, status)
    if not found:
        await turn.say(
            "no_open_period" if status == "OPEN" else "no_closed_period", id=community_id
        )
        raise Stop
    return found[-1]


async def _user_named(turn: Turn, username: str) -> tuple[int, str]:
    row = await turn.repo.user_by_username(username)
    if row is None:
        await turn.say("unknown_user", username=username)
        raise Stop
    return int(row.user_id), str(row.first_name or f"@{username}")


def _amount(turn: Turn, amount: Decimal, currency: str = "RUB") -> str:
    return money(amount, currency, turn.lang)


async def pay(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _pay(command, turn))


async def _pay(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    pay = parsing.parse_pay(command.args or "")
    community_id = await _community(turn)
    period = await _period(turn, community_id)
    owner_id, owner_name = turn.user_id, turn.name
    if pay.owner:
        owner_id, owner_name = await _user_named(turn, pay.owner)
    currency = await queries.currency(turn, community_id)
    summary = turn.t(
        "summary_pay",
        amount=_amount(turn, pay.amount, currency),
        owner=owner_name,
        period=period["name"],
        comment=f" ({pay.comment})" if pay.comment else "",
    )
    payload = {
        "period_id": period["id"],
        "owner_id": owner_id,
        "amount": str(pay.amount),
        "comment": pay.comment,
    }
    await turn.ask_to_confirm(
        "ledger.record_contribution", payload, summary, f"community:{community_id}"
    )


async def expense(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _expense(command, turn))


async def _expense(command: CommandObject, turn: Turn) -> None:
    parsed = parsing.parse_expense(command.args or "")
    community_id = await _community(turn)
    period = await _period(turn, community_id)
    currency = await queries.currency(turn, community_id)
    summary = turn.t(
        "summary_expense",
        amount=_amount(turn, parsed.amount, currency),
        category=parsed.category,
        vendor=f", {parsed.vendor}" if parsed.vendor else "",
        description=f" — {parsed.description}" if parsed.description else "",
        period=period["name"],
    )
    payload = {
        "period_id": period["id"],
        "amount": str(parsed.amount),
        "payment_type": parsed.category,
        "vendor": parsed.vendor,
        "description": parsed.description,
        "allocation_strategy": "PROPORTIONAL",
    }
    await turn.ask_to_confirm(
        "ledger.record_expense", payload, summary, f"community:{community_id}"
    )


async def charge(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _charge(command, turn))


async def _charge(command: CommandObject, turn: Turn) -> None:
    parsed = parsing.parse_charge(command.args or "")
    community_id = await _community(turn)
    period = await _period(turn, community_id)
    owner_id, owner_name = await _user_named(turn, parsed.owner)
    currency = await queries.currency(turn, community_id)
    summary = turn.t(
        "summary_charge",
        amount=_amount(turn, parsed.amount, currency),
        owner=owner_name,
        description=parsed.description,
        period=period["name"],
    )
    payload = {
        "period_id": period["id"],
        "owner_id": owner_id,
        "amount": str(parsed.amount),
        "description": parsed.description,
    }
    await turn.ask_to_confirm("ledger.record_charge", payload, summary, f"community:{community_id}")


async def close(message: Message, turn: Turn) -> None:
    await _guard(turn, _close(turn))


async def _close(turn: Turn) -> None:
    community_id = await _community(turn)
    period = await _period(turn, community_id)
    await turn.ask_to_confirm(
        "ledger.close_period",
        {"period_id": period["id"]},
        turn.t("summary_close", period=period["name"]),
        f"community:{community_id}",
    )


async def carry(message: Message, turn: Turn) -> None:
    await _guard(turn, _carry(turn))


async def _carry(turn: Turn) -> None:
    community_id = await _community(turn)
    source = await _period(turn, community_id, "CLOSED")
    target = await _period(turn, community_id, "OPEN")
    await turn.ask_to_confirm(
        "ledger.carry_forward",
        {"from_period_id": source["id"], "to_period_id": target["id"]},
        turn.t("summary_carry", from_period=source["name"], to_period=target["name"]),
        f"community:{community_id}",
    )


async def meter(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _meter(command, turn))


async def _meter(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    value = parsing.parse_meter(command.args or "")
    community_id = await _community(turn)
    services = turn.gateway.services
    meters = await services.get(
        services.ledger(f"/communities/{community_id}/meters"),
        await turn.token(communities=[community_id]),
        {"owner_id": turn.user_id},
    )
    if not meters:
        await turn.say("no_meter", id=community_id)
        return
    found = meters[0]
    today = dt.date.today().isoformat()
    await turn.ask_to_confirm(
        "ledger.record_meter_reading",
        {"meter_id": found["id"], "reading_date": today, "value": str(value)},
        turn.t("summary_meter", value=value, meter=found.get("meter_type", ""), date=today),
        f"community:{community_id}",
    )


async def undo(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _undo(command, turn))


async def _undo(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    reason = (command.args or "").strip()
    if not reason:
        raise parsing.Unreadable("usage_undo")
    entry = await turn.repo.last_entry(turn.user_id)
    if entry is None:
        await turn.say("nothing_to_undo")
        return
    await turn.ask_to_confirm(
        "ledger.reverse_entry",
        {
            "entry": entry.entry,
            "period_id": entry.period_id,
            "entry_id": entry.entry_id,
            "reason": reason,
        },
        turn.t(
            "summary_undo",
            entry=turn.t(f"entry_{entry.entry}"),
            entry_id=entry.entry_id,
            amount=money(Decimal(entry.amount), entry.currency, turn.lang),
            reason=reason,
        ),
        f"community:{entry.community_id}",
    )


# Splits -----------------------------------------------------------------------------------


async def _group(turn: Turn) -> int:
    if turn.splits_group_id is None:
        await turn.say("no_group")
        raise Stop
    return turn.splits_group_id


async def settle(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _settle(command, turn))


async def _settle(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    parsed = parsing.parse_settle(command.args or "")
    group_id = await _group(turn)
    payee_id, payee_name = await _user_named(turn, parsed.user)
    await turn.ask_to_confirm(
        "splits.record_settlement",
        {
            "group_id": group_id,
            "paid_by_user_id": turn.user_id,
            "paid_to_user_id": payee_id,
            "amount": str(parsed.amount),
        },
        turn.t("summary_settle", user=payee_name, amount=f"{parsed.amount:,.2f}"),
        f"group:{group_id}",
    )


async def split(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _split(command, turn))


async def _split(command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    parsed = parsing.parse_split(command.args or "")
    group_id = await _group(turn)
    group = await queries.group(turn, group_id)
    names = {int(m["user_id"]): str(m["name"]) for m in group.get("members", [])}
    chosen = list(names)
    if parsed.users:
        chosen = [turn.user_id]
        for username in parsed.users:
            user_id, name = await _user_named(turn, username)
            names.setdefault(user_id, name)
            chosen.append(user_id)
    payload = splitting.new_split(
        group, parsed.description, parsed.amount, turn.user_id, chosen, names
    )
    await turn.ask_to_confirm(
        splitting.COMMAND,
        payload,
        splitting.summary(payload, turn.lang),
        f"group:{group_id}",
        keyboard=lambda action_id: splitting.keyboard(payload, turn.lang, action_id),
    )


# Callback queries: answered at once ---------------------------------------------------------


async def decide(callback: CallbackQuery, turn: Turn) -> None:
    verb, _, action_id = str(callback.data).partition(":")
    action = await turn.repo.pending(action_id)
    if action is None:
        await turn.answer(callback, turn.t("already_decided"))
        return
    if callback.from_user.id != action.telegram_user_id:
        await turn.answer(callback, turn.t("not_yours"))
        return
    if verb == "ok" and action.command_type == splitting.COMMAND and action.status == "pending":
        if await splitting.before_confirming(callback, turn, action):
            return
    status = "confirmed" if verb == "ok" else "cancelled"
    if not await turn.repo.decide(action_id, status):
        await turn.answer(callback, turn.t("already_decided"))
        return
    turn.lang = action.language
    await turn.answer(callback)
    if status == "confirmed":
        await turn.send_confirmed(action)
    if callback.message is not None:
        await turn.edit(
            callback.message.message_id,
            turn.t("confirmed" if status == "confirmed" else "cancelled", summary=action.summary),
        )


def build_router() -> Router:
    """The bot's handlers on a new router (one per app: a router joins one dispatcher)."""
    router = Router(name="sosenki")
    router.message(CommandStart())(start)
    router.message(Command("help"))(help_)
    router.message(Command("lang"))(lang)
    router.message(Command("link"))(link)
    router.message(Command("unlink"))(unlink)
    router.message(F.migrate_to_chat_id)(migrated_to)
    router.message(F.migrate_from_chat_id)(migrated_from)
    router.message(Command("balance"))(balance)
    router.message(Command("periods"))(periods)
    router.message(Command("report"))(report)
    router.message(Command("pay"))(pay)
    router.message(Command("expense"))(expense)
    router.message(Command("charge"))(charge)
    router.message(Command("close"))(close)
    router.message(Command("carry"))(carry)
    router.message(Command("meter"))(meter)
    router.message(Command("undo"))(undo)
    router.message(Command("settle"))(settle)
    router.message(Command("split"))(split)
    router.callback_query(F.data.startswith("sp:"))(splitting.toggle_participant)
    router.callback_query(F.data.startswith("st:"))(splitting.choose_type)
    router.callback_query(F.data.startswith("ok:") | F.data.startswith("no:"))(decide)
    # Last: a plain message is only for the bot when it asked the sender for a split's numbers.
    router.message(F.text & ~F.text.startswith("/"))(splitting.numbers)
    return router
