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
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot_gateway.adapters.services import Refused, Unavailable
from bot_gateway.domain import parsing
from bot_gateway.domain.texts import money
from bot_gateway.gateway import Turn, confirm_keyboard
from bot_gateway.telegram import queries, setup, splitting
from bot_gateway.telegram.setup import Stop


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
    if not turn.is_private and (turn.community_id or turn.splits_group_id):
        # In a linked group chat, /unlink is about the chat (guarded like linking).
        await _guard(turn, setup.unlink_chat(turn))
        return
    if not turn.is_private:
        await turn.say("unlink_in_private")
        return
    if turn.telegram_user is None:
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
    refusal = await setup.may_change_language(turn)
    if refusal is not None:
        await turn.say(refusal)
        return
    await turn.repo.save_chat(turn.chat_id, turn.chat_type, language=choice)
    turn.lang = choice
    await turn.say("lang_set")


async def link(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _link(command, turn))


async def _link(command: CommandObject, turn: Turn) -> None:
    """``/link``: choose from a keyboard; ``/link community|group <id>`` still works, under the
    same rules (``domain/chats.py``)."""
    words = (command.args or "").split()
    if not words:
        await setup.link_menu(turn)
        return
    if len(words) != 2 or words[0] not in ("community", "group") or not words[1].isdigit():
        raise parsing.Unreadable("usage_link")
    refusal = await setup.link_to(turn, words[0][0], int(words[1]))
    if refusal is not None:
        await turn.say(refusal)


async def migrated_to(message: Message, turn: Turn) -> None:
    assert message.migrate_to_chat_id is not None
    await turn.repo.migrate_chat(message.chat.id, message.migrate_to_chat_id)


async def migrated_from(message: Message, turn: Turn) -> None:
    assert message.migrate_from_chat_id is not None
    await turn.repo.migrate_chat(message.migrate_from_chat_id, message.chat.id)


# Setting up ---------------------------------------------------------------------------------


async def new_community(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, setup.new_community(turn, command.args or ""))


async def new_group(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, setup.new_group(turn, command.args or ""))


async def owner(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, setup.add_owner(turn, message, command.args or ""))


async def member(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, setup.add_member(turn, message, command.args or ""))


async def invite(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, setup.invite(turn, command.args or ""))


async def period(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, setup.open_period(turn, command.args or ""))


# Queries ----------------------------------------------------------------------------------


async def owe(message: Message, turn: Turn) -> None:
    await _guard(turn, queries.owe(turn))


async def audit(message: Message, turn: Turn) -> None:
    await _guard(turn, queries.audit(turn))


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
            "no_open_period" if status == "OPEN" else "no_closed_period",
            community=await queries.community_name(turn, community_id),
        )
        raise Stop
    return found[-1]


async def _user_named(turn: Turn, username: str, group_id: int | None = None) -> tuple[int, str]:
    row = await turn.repo.user_by_username(username)
    if row is None:
        await turn.say("unknown_user", username=username)
        raise Stop
    return int(row.user_id), await turn.repo.name_of(int(row.user_id), group_id=group_id)


async def _owner_of(
    turn: Turn,
    message: Message,
    community_id: int,
    username: str | None,
    name: str | None,
    comment: str | None,
) -> tuple[int | None, str, str | None]:
    """Whom a payment or charge is about: (the owner, their name, the comment left), or None
    for the owner when the treasurer is to pick from a keyboard. By a reply to their message,
    @username, their name before the amount, or their name starting the comment."""
    owners = await turn.repo.members_of("community", community_id, "owner")

    def named(text: str) -> Any:
        return next(
            (o for o in owners if str(o.display_name or "").casefold() == text.casefold()), None
        )

    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        user = replied.from_user
        user_id = await turn.gateway.identity.meet(
            turn.repo, user.id, user.username, user.first_name, user.language_code
        )
        return user_id, await turn.repo.name_of(user_id, community_id), comment
    if username:
        row = await turn.repo.user_by_username(username)
        if row is not None:
            user_id = int(row.user_id)
            return user_id, await turn.repo.name_of(user_id, community_id), comment
        found = named(f"@{username}")
        if found is None:
            await turn.say("unknown_user", username=username)
            raise Stop
        return int(found.user_id), str(found.display_name), comment
    if name:
        found = named(name)
        if found is None:
            await turn.say("nobody_named", name=name)
            raise Stop
        return int(found.user_id), str(found.display_name), comment
    if comment:
        for o in sorted(owners, key=lambda o: -len(str(o.display_name or ""))):
            display = str(o.display_name or "")
            if display and (comment + " ").casefold().startswith(display.casefold() + " "):
                return int(o.user_id), display, comment[len(display) :].strip() or None
    assert turn.user_id is not None
    if any(int(o.user_id) == turn.user_id for o in owners) or not (
        await turn.memberships()
    ).treasurer_of(community_id):
        return turn.user_id, await turn.repo.name_of(turn.user_id, community_id), comment
    return None, "", comment


def _picker(
    turn: Turn, owners: list[Any], action_id: str
) -> InlineKeyboardMarkup:  # the treasurer picks whom
    rows = [
        [
            InlineKeyboardButton(
                text=str(o.display_name), callback_data=f"pk:{action_id}:{o.user_id}"
            )
        ]
        for o in owners[:40]
        if o.display_name
    ]
    rows.append([InlineKeyboardButton(text=turn.t("confirm_no"), callback_data=f"no:{action_id}")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def picked(callback: CallbackQuery, turn: Turn) -> None:
    """The treasurer picked whom a payment or charge is about: now it can be confirmed."""
    _, action_id, raw = str(callback.data).split(":", 2)
    action = await turn.repo.pending(action_id)
    if action is None or action.status != "pending" or not raw.isdigit():
        await turn.answer(callback, turn.t("already_decided"))
        return
    if callback.from_user.id != action.telegram_user_id:
        await turn.answer(callback, turn.t("not_yours"))
        return
    turn.lang = action.language
    payload = dict(action.payload)
    community_id = int(str(payload["_key"]).split(":")[1])
    owners = {
        int(o.user_id): o for o in await turn.repo.members_of("community", community_id, "owner")
    }
    if int(raw) not in owners:
        await turn.answer(callback, turn.t("already_decided"))
        return
    payload["owner_id"] = int(raw)
    summary = turn.t(
        str(payload.pop("_summary_key")),
        owner=str(owners[int(raw)].display_name),
        **payload.pop("_summary_values"),
    )
    await turn.repo.update_pending_payload(action_id, payload, summary)
    await turn.answer(callback)
    if callback.message is not None:
        await turn.edit(
            callback.message.message_id,
            turn.t("confirm_question", summary=summary),
            confirm_keyboard(action_id, turn.lang),
        )


async def _ask_about_owner(
    turn: Turn,
    command_type: str,
    payload: dict[str, Any],
    key: str,
    community_id: int,
    summary_key: str,
    values: dict[str, Any],
) -> None:
    """Confirm a write about an owner, or first let the treasurer pick the owner."""
    if payload.get("owner_id") is not None:
        await turn.ask_to_confirm(command_type, payload, turn.t(summary_key, **values), key)
        return
    owners = await turn.repo.members_of("community", community_id, "owner")
    if not owners:
        await turn.say("no_owners_yet")
        raise Stop
    await turn.ask_to_confirm(
        command_type,
        {**payload, "_summary_key": summary_key, "_summary_values": values},
        turn.t(summary_key, owner="…", **values),
        key,
        keyboard=lambda action_id: _picker(turn, owners, action_id),
        question="pick_owner",
    )


def _amount(turn: Turn, amount: Decimal, currency: str = "RUB") -> str:
    return money(amount, currency, turn.lang)


async def pay(message: Message, command: CommandObject, turn: Turn) -> None:
    await _guard(turn, _pay(message, command, turn))


async def _pay(message: Message, command: CommandObject, turn: Turn) -> None:
    assert turn.user_id is not None
    pay = parsing.parse_pay(command.args or "")
    community_id = await _community(turn)
    period = await _period(turn, community_id)
    owner_id, owner_name, comment = await _owner_of(
        turn, message, community_id, pay.owner, pay.name, pay.comment
    )
    currency = await queries.currency(turn, community_id)
    values = {
        "amount": _amount(turn, pay.amount, currency),
        "period": period["name"],
        "comment": f" ({comment})" if comment else "",
    }
    payload = {
        "period_id": period["id"],
        "owner_id": owner_id,
        "amount": str(pay.amount),
        "comment": comment,
    }
    if owner_id is not None:
        values["owner"] = owner_name
    await _ask_about_owner(
        turn,
        "ledger.record_contribution",
        payload,
        f"community:{community_id}",
        community_id,
        "summary_pay",
        values,
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
    await _guard(turn, _charge(message, command, turn))


async def _charge(message: Message, command: CommandObject, turn: Turn) -> None:
    parsed = parsing.parse_charge(command.args or "")
    community_id = await _community(turn)
    period = await _period(turn, community_id)
    owner_id, owner_name, _ = await _owner_of(
        turn, message, community_id, parsed.owner, parsed.name, None
    )
    if owner_id == turn.user_id and not (parsed.owner or parsed.name):
        owner_id = None  # a charge names whom, else the treasurer picks
    currency = await queries.currency(turn, community_id)
    values = {
        "amount": _amount(turn, parsed.amount, currency),
        "description": parsed.description,
        "period": period["name"],
    }
    if owner_id is not None:
        values["owner"] = owner_name
    payload = {
        "period_id": period["id"],
        "owner_id": owner_id,
        "amount": str(parsed.amount),
        "description": parsed.description,
    }
    await _ask_about_owner(
        turn,
        "ledger.record_charge",
        payload,
        f"community:{community_id}",
        community_id,
        "summary_charge",
        values,
    )


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
    payee_id, payee_name = await _user_named(turn, parsed.user, group_id)
    try:
        group = await queries.group(turn, group_id)
        amount = _amount(turn, parsed.amount, str(group.get("base_currency") or "RUB"))
    except Unavailable:  # splits is away: the command waits in Kafka; the currency can too
        amount = money(parsed.amount, "", turn.lang).strip()
    await turn.ask_to_confirm(
        "splits.record_settlement",
        {
            "group_id": group_id,
            "paid_by_user_id": turn.user_id,
            "paid_to_user_id": payee_id,
            "amount": str(parsed.amount),
        },
        turn.t(
            "summary_settle",
            payer=await turn.repo.name_of(turn.user_id, group_id=group_id),
            user=payee_name,
            amount=amount,
        ),
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
            user_id, name = await _user_named(turn, username, group_id)
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
    if callback.from_user.id != action.telegram_user_id and not _may_confirm_for(
        action, verb, turn.user_id
    ):
        await turn.answer(callback, turn.t("not_yours"))
        return
    if action.status == "pending" and _expired(turn, action):
        await turn.repo.decide(action_id, "expired")
        await turn.answer(callback, turn.t("keyboard_expired"))
        if callback.message is not None:
            await turn.edit(callback.message.message_id, turn.t("keyboard_expired"))
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
        # The edit carries no keyboard: once used, the buttons are gone.
        await turn.edit(
            callback.message.message_id,
            turn.t("confirmed" if status == "confirmed" else "cancelled", summary=action.summary),
        )


def _may_confirm_for(action: Any, verb: str, user_id: int | None) -> bool:
    """In a group split, anyone who shares it may confirm it (its numbers are complete: the
    asker's choices stand); everything else only the person who asked."""
    if verb != "ok" or action.command_type != splitting.COMMAND or user_id is None:
        return False
    if splitting.needs_numbers(dict(action.payload)):
        return False
    return user_id in {int(s["user_id"]) for s in action.payload.get("splits_in", [])}


def _expired(turn: Turn, action: Any) -> bool:
    created = action.created_at
    if created is None:
        return False
    age: dt.timedelta = dt.datetime.now(dt.UTC) - created
    return age.total_seconds() > turn.gateway.settings.confirmation_ttl_seconds


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
    router.message(Command("newcommunity"))(new_community)
    router.message(Command("newgroup"))(new_group)
    router.message(Command("create", "new"))(setup.create)
    router.message(Command("owner"))(owner)
    router.message(Command("member"))(member)
    router.message(Command("invite"))(invite)
    router.message(Command("period"))(period)
    router.message(Command("owe"))(owe)
    router.message(Command("audit"))(audit)
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
    router.callback_query(F.data.startswith("ln:"))(setup.chose_link)
    router.callback_query(F.data.startswith("pk:"))(picked)
    router.callback_query(F.data.startswith("sp:"))(splitting.toggle_participant)
    router.callback_query(F.data.startswith("st:"))(splitting.choose_type)
    router.callback_query(F.data.startswith("ok:") | F.data.startswith("no:"))(decide)
    # Last: a plain message is only for the bot when it asked the sender for a split's numbers.
    router.message(F.text & ~F.text.startswith("/"))(splitting.numbers)
    return router
