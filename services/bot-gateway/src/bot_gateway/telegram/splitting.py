"""``/split``: a shared expense of the chat's splits group, in a few taps.

``/split <amount> <description> [@users…]`` shows who shares it (the whole group, or the sender
and the people mentioned) and how: equally, by shares, by percentages or in exact amounts.
Tapping a name adds or removes that person; tapping a way chooses it. When the way needs numbers,
the next tap asks for them in a reply (``2 1 1``), then the whole split is shown again to
confirm; the ``splits.create_expense`` command goes out once it is confirmed.

The choices live in the pending action's payload: ``split_type`` and ``splits_in`` exactly as
the command takes them, plus the gateway's notes (keys starting with ``_``: the names shown, the
group's currency, whether the bot waits for the user's numbers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot_gateway.domain import parsing
from bot_gateway.domain.confirmations import needs_numbers
from bot_gateway.domain.texts import money, number, plain_number, say
from bot_gateway.gateway import Turn


def new_split(
    group: dict[str, Any],
    description: str,
    amount: Decimal,
    paid_by: int,
    chosen: list[int],
    names: dict[int, str],
) -> dict[str, Any]:
    """An equal split between ``chosen``, paid by ``paid_by``; ``names`` are the people the
    keyboard offers (in its order)."""
    order = list(names)
    return {
        "group_id": int(group["id"]),
        "description": description,
        "total_amount": str(amount),
        "paid_by_user_id": paid_by,
        "split_type": "EQUAL",
        "splits_in": [{"user_id": u} for u in _in_order(chosen, order)],
        "_names": {str(k): v for k, v in names.items()},
        "_currency": str(group.get("base_currency") or ""),
        "_awaiting": False,
    }


def _in_order(chosen: list[int], order: list[int]) -> list[int]:
    """Each chosen person once, in the keyboard's order (the order the numbers are asked in)."""
    unique = list(dict.fromkeys(chosen))
    return sorted(unique, key=lambda u: order.index(u) if u in order else len(order))


def _name(payload: dict[str, Any], user_id: int, lang: str) -> str:
    """The one name the bot calls them by; never a number."""
    return str(payload.get("_names", {}).get(str(user_id)) or say("someone", lang))


def _people(payload: dict[str, Any], lang: str, with_numbers: bool = True) -> str:
    split_type = str(payload["split_type"])
    field = parsing.SPLIT_FIELDS.get(split_type)
    parts = []
    for person in payload["splits_in"]:
        name = _name(payload, int(person["user_id"]), lang)
        value = person.get(field) if field and with_numbers else None
        if value is None:
            parts.append(name)
        elif split_type == "PERCENTAGE":
            parts.append(f"{name} {number(value, lang)}%")
        elif split_type == "EXACT_AMOUNTS":
            parts.append(f"{name} {money(value, payload['_currency'], lang)}")
        else:
            parts.append(f"{name} ×{value}")
    return ", ".join(parts) or "—"


def summary(payload: dict[str, Any], lang: str) -> str:
    return say(
        "summary_split",
        lang,
        amount=money(payload["total_amount"], payload.get("_currency", ""), lang),
        description=payload["description"],
        how=say(f"split_how_{payload['split_type']}", lang),
        people=_people(payload, lang),
    )


def keyboard(payload: dict[str, Any], lang: str, action_id: str) -> InlineKeyboardMarkup:
    """A row per person (✓ shares it), the ways to split (✓ the chosen one), then Confirm (or
    Next, when numbers are still needed) and Cancel."""
    chosen = {int(s["user_id"]) for s in payload["splits_in"]}
    rows = [
        [
            InlineKeyboardButton(
                text=("✓ " if int(user_id) in chosen else "· ") + str(name),
                callback_data=f"sp:{action_id}:{user_id}",
            )
        ]
        for user_id, name in payload.get("_names", {}).items()
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=("✓ " if kind == payload["split_type"] else "")
                + say(f"split_type_{kind}", lang),
                callback_data=f"st:{action_id}:{kind}",
            )
            for kind in parsing.SPLIT_TYPES
        ]
    )
    go = "split_next" if needs_numbers(payload) else "confirm_yes"
    rows.append(
        [
            InlineKeyboardButton(text=say(go, lang), callback_data=f"ok:{action_id}"),
            InlineKeyboardButton(text=say("confirm_no", lang), callback_data=f"no:{action_id}"),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


# Taps on the keyboard -----------------------------------------------------------------------


async def _my_pending(callback: CallbackQuery, turn: Turn) -> Any:
    """The split this tap is about, when it is still open and the tapper started it."""
    action_id = str(callback.data).split(":")[1]
    action = await turn.repo.pending(action_id)
    if action is None or action.status != "pending":
        await turn.answer(callback, turn.t("already_decided"))
        return None
    if callback.from_user.id != action.telegram_user_id:
        await turn.answer(callback, turn.t("not_yours"))
        return None
    turn.lang = action.language
    return action


async def toggle_participant(callback: CallbackQuery, turn: Turn) -> None:
    action = await _my_pending(callback, turn)
    if action is None:
        return
    user_id = int(str(callback.data).split(":")[2])
    payload = dict(action.payload)
    chosen = [int(s["user_id"]) for s in payload["splits_in"]]
    chosen = [u for u in chosen if u != user_id] if user_id in chosen else [*chosen, user_id]
    order = [int(u) for u in payload.get("_names", {})]
    payload["splits_in"] = [{"user_id": u} for u in _in_order(chosen, order)]
    await _changed(callback, turn, action.id, payload)


async def choose_type(callback: CallbackQuery, turn: Turn) -> None:
    action = await _my_pending(callback, turn)
    if action is None:
        return
    split_type = str(callback.data).split(":")[2]
    if split_type not in parsing.SPLIT_TYPES:
        await turn.answer(callback)
        return
    payload = dict(action.payload)
    payload["split_type"] = split_type
    payload["splits_in"] = [{"user_id": s["user_id"]} for s in payload["splits_in"]]
    await _changed(callback, turn, action.id, payload)


async def _changed(
    callback: CallbackQuery, turn: Turn, action_id: str, payload: dict[str, Any]
) -> None:
    """Other people or another way: the numbers given before no longer fit, so they are asked
    again when needed."""
    payload["_awaiting"] = False
    text = summary(payload, turn.lang)
    await turn.repo.update_pending_payload(action_id, payload, text)
    await turn.answer(callback)
    if callback.message is not None:
        await turn.edit(
            callback.message.message_id,
            turn.t("confirm_question", summary=text),
            keyboard(payload, turn.lang, action_id),
        )


async def before_confirming(callback: CallbackQuery, turn: Turn, action: Any) -> bool:
    """What a Confirm tap does first; True when it went elsewhere (nobody chosen, or the numbers
    are still needed: then the bot asks for them)."""
    payload = dict(action.payload)
    turn.lang = action.language
    if not payload["splits_in"]:
        await turn.answer(callback, turn.t("split_nobody"))
        return True
    if not needs_numbers(payload):
        return False
    payload["_awaiting"] = True
    await turn.repo.update_pending_payload(action.id, payload, action.summary)
    await turn.answer(callback)
    split_type = str(payload["split_type"])
    total = Decimal(payload["total_amount"])
    example = " ".join(
        plain_number(Decimal(word), turn.lang)
        for word in parsing.split_example(split_type, len(payload["splits_in"]), total).split()
    )
    user = callback.from_user
    await turn.reply(
        turn.t(
            f"split_ask_{split_type}",
            who=f"@{user.username}" if user.username else user.first_name,
            people=_people(payload, turn.lang, with_numbers=False),
            amount=money(total, payload["_currency"], turn.lang),
            example=example,
        ),
        ForceReply(force_reply=True, selective=True, input_field_placeholder=example),
    )
    return True


# The numbers, in a reply ----------------------------------------------------------------------


async def numbers(message: Message, turn: Turn) -> None:
    """A plain message: the numbers of the sender's split in this chat, if the bot asked for
    them; anything else is not for the bot and gets no answer."""
    if turn.telegram_user is None or not message.text:
        return
    action = await turn.repo.split_awaiting_numbers(turn.chat_id, turn.telegram_user.id)
    if action is None:
        if turn.is_private:  # "How do I create a village?": in private, everything is for the bot
            await turn.say("private_hint")
        return
    turn.lang = action.language
    payload = dict(action.payload)
    split_type = str(payload["split_type"])
    try:
        values = parsing.parse_split_numbers(
            split_type,
            message.text,
            len(payload["splits_in"]),
            Decimal(payload["total_amount"]),
        )
    except parsing.Unreadable as unreadable:
        await turn.reply(
            turn.t(unreadable.key, **unreadable.values),
            ForceReply(force_reply=True, selective=True),
        )
        return
    field = parsing.SPLIT_FIELDS[split_type]
    payload["splits_in"] = [
        {"user_id": person["user_id"], field: value}
        for person, value in zip(payload["splits_in"], values, strict=True)
    ]
    payload["_awaiting"] = False
    text = summary(payload, turn.lang)
    await turn.repo.update_pending_payload(action.id, payload, text)
    await turn.reply(
        turn.t("confirm_question", summary=text), keyboard(payload, turn.lang, action.id)
    )
