"""Russian and English through the webhook, against the fake Bot API and the real splits service:
the sender's Telegram language picks the reply's language (languages without a catalogue get
English), ``/language`` overrides it (the user's own choice in private; in a group only an
administrator who owns what the chat is linked to), plural forms follow CLDR (1 число, 2 числа,
5 чисел, 21 число) and money is written as each language writes it (``1 234,56 ₽``,
``₽1,234.56``)."""

from __future__ import annotations

from typing import Any

import pytest
from bot_gateway.testing import Person, World, callback_update, group_chat, private_chat

pytestmark = pytest.mark.integration

ANYA = Person(770001, "Аня", "anya_ru", "ru")
BORIS = Person(770002, "Борис", "boris_ru", "ru")
VERA = Person(770003, "Вера", "vera_ru", "ru")
AMY = Person(771001, "Amy", "amy_en", "en")
BILL = Person(771002, "Bill", "bill_en", "en")
OKSANA = Person(772001, "Оксана", "oksana_uk", "uk")  # Ukrainian: no catalogue, so English
DACHA = -100770000
FLAT = -100771000


async def _group(world: World, chat_id: int, owner: Person, *others: Person) -> int:
    """``owner``'s splits group with ``others`` in it, linked to the group chat ``chat_id``."""
    token = world.make_token(owner.telegram_id)
    group = await world.ok(world.splits, "POST", "/groups", token, {"name": "Дача"})
    for person in others:
        await world.ok(
            world.splits,
            "POST",
            f"/groups/{group['id']}/members",
            token,
            {"user_id": person.telegram_id, "display_name": person.first_name},
        )
    for person in (owner, *others):
        await world.become(person, person.telegram_id)
    world.telegram.set_admins(chat_id, [owner.telegram_id])
    after = len(world.telegram.sent())
    await world.say(owner, group_chat(chat_id), f"/link group {group['id']}")
    await world.reply(chat_id, "Дача", after=after)
    return int(group["id"])


def _button(question: dict[str, Any], label: str) -> str:
    for row in question["reply_markup"]["inline_keyboard"]:
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {question['reply_markup']}")


async def _ask(world: World, person: Person, chat_id: int, text: str, expect: str) -> str:
    """``person`` says ``text`` in the group chat; the bot's answer containing ``expect``."""
    return str((await _answer(world, person, chat_id, text, expect))["text"])


async def _answer(
    world: World, person: Person, chat_id: int, text: str, expect: str
) -> dict[str, Any]:
    after = len(world.telegram.sent())
    await world.say(person, group_chat(chat_id), text)
    return await world.reply(chat_id, expect, after=after)


async def _exact_amounts(
    world: World, person: Person, chat_id: int, command: str, ask: str
) -> None:
    """``/split`` by ``person``, switched to exact amounts, up to the bot asking for them."""
    after = len(world.telegram.sent())
    await world.say(person, group_chat(chat_id), command)
    question = await world.reply(chat_id, "\n", after=after)
    amounts, go = ("Суммы", "Далее") if person.language_code == "ru" else ("Amounts", "Next")
    edits = len(world.telegram.sent("editMessageText"))
    message = world.sent_message(question)
    await world.post(callback_update(person, message, _button(question, amounts)))
    edit = await world.reply(chat_id, "\n", after=edits, method="editMessageText")
    after = len(world.telegram.sent())
    await world.post(callback_update(person, message, _button(edit, go)))
    await world.reply(chat_id, ask, after=after)


async def test_russian_plurals_and_money_in_a_group(world: World) -> None:
    await _group(world, DACHA, ANYA, BORIS, VERA)
    question = await _ask(
        world, ANYA, DACHA, "/split 1 234,56 ужин", "Разделить 1\u00a0234,56\u00a0₽ за ужин"
    )
    assert question == (
        "Разделить 1\u00a0234,56\u00a0₽ за ужин поровну между: Аня, Борис, Вера\nПодтвердить?"
    )
    await _exact_amounts(
        world,
        ANYA,
        DACHA,
        "/split 1 000 такси",
        "в сумме 1\u00a0000,00\u00a0₽ (например, 333,34 333,33 333,33)",
    )
    # The count of numbers sent, in each Russian plural form.
    for numbers, said in (
        ("1", "вы прислали 1 число."),
        ("1 1", "вы прислали 2 числа."),
        ("1 1 1 1 1", "вы прислали 5 чисел."),
        (" ".join(["1"] * 21), "вы прислали 21 число."),
    ):
        hint = await _ask(world, ANYA, DACHA, numbers, said)
        assert hint.startswith("Нужно по одному числу на участника, всего 3;"), hint
    hint = await _ask(world, ANYA, DACHA, "500 300 201", "Суммы в итоге дают")
    assert hint == "Суммы в итоге дают 1\u00a0001,00, а не 1\u00a0000,00. Ответьте ещё раз."
    final = await _answer(world, ANYA, DACHA, "500 299,50 200,50", "Подтвердить?")
    assert "Аня 500,00\u00a0₽, Борис 299,50\u00a0₽, Вера 200,50\u00a0₽" in final["text"]
    after = len(world.telegram.sent())
    confirm = _button(final, "Подтвердить")
    await world.post(callback_update(ANYA, world.sent_message(final), confirm))
    done = await world.reply(DACHA, "Записано: такси", after=after, timeout=30)
    assert done["text"] == (
        "Записано: такси, 1\u00a0000,00\u00a0₽, заплатил(а) Аня (Аня 500,00\u00a0₽, "
        "Борис 299,50\u00a0₽, Вера 200,50\u00a0₽)."
    )
    everything = "\n".join(world.telegram.texts(DACHA))
    for english in ("Split", "Confirm", "Recorded", "RUB", "numbers", "Please"):
        assert english not in everything, english


async def test_english_plurals_and_money_in_a_group(world: World) -> None:
    group_id = await _group(world, FLAT, AMY, BILL)
    question = await _ask(world, AMY, FLAT, "/split 1,234.56 taxi", "Split ₽1,234.56 for taxi")
    assert question == "Split ₽1,234.56 for taxi equally between Amy, Bill\nConfirm?"
    await _exact_amounts(
        world, AMY, FLAT, "/split 100 snacks", "adding up to ₽100.00 (e.g. 50.00 50.00)"
    )
    for numbers, said in (("7", "you sent 1 number."), ("1 2 3 4 5", "you sent 5 numbers.")):
        hint = await _ask(world, AMY, FLAT, numbers, said)
        assert hint.startswith("I need one number per person, 2 in all;"), hint
    final = await _ask(world, AMY, FLAT, "60.5 39.5", "Confirm?")
    assert "Amy ₽60.50, Bill ₽39.50" in final
    # News the chat hears with nobody in it being answered (an expense Bill added in another
    # app): in the language of whoever linked the chat, Amy's English.
    token = world.make_token(BILL.telegram_id, groups=[group_id])
    body = {"description": "pizza", "total_amount": "1042.5", "group_id": group_id}
    await world.ok(world.splits, "POST", "/financials/expenses", token, body)
    await world.reply(FLAT, "Bill added pizza: ₽1,042.50 paid by Bill", timeout=30)
    everything = "\n".join(world.telegram.texts(FLAT))
    for russian in ("Разделить", "Подтвердить", "Записано", "₽\u00a0", ",00"):
        assert russian not in everything, russian


async def test_telegram_language_picks_and_language_overrides(world: World) -> None:
    # Ukrainian has no catalogue: English, not Russian.
    await world.say(OKSANA, private_chat(OKSANA), "/start")
    await world.reply(OKSANA.telegram_id, "Hello, Оксана!")
    await world.say(OKSANA, private_chat(OKSANA), "/language")
    await world.reply(OKSANA.telegram_id, "This chat speaks English. To change it: /language ru")
    await world.say(OKSANA, private_chat(OKSANA), "/language de")
    await world.reply(OKSANA.telegram_id, "I speak Russian and English only")
    # In private, /language is the user's own choice, kept for what follows.
    await world.say(OKSANA, private_chat(OKSANA), "/language русский")
    await world.reply(OKSANA.telegram_id, "Теперь в этом чате русский язык.")
    await world.say(OKSANA, private_chat(OKSANA), "/help")
    await world.reply(OKSANA.telegram_id, "/language ru|en — язык чата")
    await world.say(OKSANA, private_chat(OKSANA), "/lang en")
    await world.reply(OKSANA.telegram_id, "This chat now speaks English.")

    # In a group, each sender is answered in their language until an administrator who owns
    # the chat's group sets the chat's; a member who is not an administrator may not.
    await _group(world, FLAT, ANYA, AMY)
    await _ask(world, AMY, FLAT, "/split 10 tea", "Split ₽10.00 for tea")
    await _ask(world, ANYA, FLAT, "/split 10 чай", "Разделить 10,00\u00a0₽ за чай")
    await _ask(world, AMY, FLAT, "/language en", "Only an administrator of this chat")
    await _ask(world, ANYA, FLAT, "/language en", "This chat now speaks English.")
    await _ask(world, ANYA, FLAT, "/split 20 чай", "Split ₽20.00 for чай")
