"""Telegram first, for real: a Russian-speaking treasurer who has only Telegram sets up a village
of 12 owners (3 without Telegram, 1 who has not written to the bot yet), opens November, records
a month, closes it, carries into December and hands out invitations; three English-speaking
friends create a trip group, split dinners three ways and settle up. No REST call: everything
goes through the webhook, against the fake Bot API and the real ledger, splits and reporting (on
real PostgreSQL and Kafka). On the way, the attacks: a chat member re-linking the chat, a
stranger's ``/report``, and amounts that would be misread."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bot_gateway.testing import (
    Person,
    World,
    callback_update,
    group_chat,
    message_update,
    private_chat,
)
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration

OLGA = Person(761001, "Ольга", "olga_kazna", "ru")
OWNERS = [Person(761010 + i, name, f"owner{i}_v", "ru") for i, name in enumerate(
    ["Павел", "Анна", "Сергей", "Елена", "Дмитрий", "Наталья", "Игорь", "Светлана"]
)]  # fmt: skip
LATE = Person(761030, "Борис", "late_boris", "ru")  # an owner who writes to the bot only later
WITHOUT_TELEGRAM = ["Иван Петров", "Мария Ивановна", "Пётр Сидоров"]
IVANS_GRANDSON = Person(761040, "Ваня", "vanya_helper", "ru")  # opens Ivan's invitation for him
MALLORY = Person(761050, "Mallory", "mallory_x", "en")  # a chat member with a community of her own
STRANGER = Person(761060, "Stranger", "stranger_x", "en")  # in the chat, not an owner
VILLAGE = -100761000

ANN = Person(762001, "Ann", "ann_trip", "en")
BEN = Person(762002, "Ben", "ben_trip", "en")
CAT = Person(762003, "Cat", "cat_trip", "en")
TRIP = -100762000


class Talk:
    """Saying things to the bot and waiting for its answers."""

    def __init__(self, world: World) -> None:
        self.world = world

    def mark(self) -> int:
        return len(self.world.telegram.sent("sendMessage"))

    async def ask(
        self, person: Person, chat: dict[str, Any], text: str, expect: str, **kw: Any
    ) -> dict[str, Any]:
        after = self.mark()
        update = await self.world.say(person, chat, text)
        kw.setdefault("timeout", 30)
        answer = await self.world.reply(int(chat["id"]), expect, after=after, **kw)
        answer["_update"] = update
        return answer

    async def tap(
        self,
        person: Person,
        question: dict[str, Any],
        label: str,
        expect: str,
        chat_id: int,
        *,
        method: str = "sendMessage",
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Tap a button of ``question`` (a message the bot sent, or an edit of ``message``)."""
        after = len(self.world.telegram.sent(method))
        data = button(question, label)
        response = await self.world.post(
            callback_update(person, message or self.world.sent_message(question), data)
        )
        assert response.status_code == 200
        return await self.world.reply(chat_id, expect, after=after, timeout=30, method=method)

    async def confirm(
        self,
        person: Person,
        question: dict[str, Any],
        expect: str,
        chat_id: int,
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        label = "Подтвердить" if person.language_code == "ru" else "Confirm"
        return await self.tap(person, question, label, expect, chat_id, message=message)

    def texts(self, chat_id: int) -> list[str]:
        return self.world.telegram.texts(chat_id)


def button(question: dict[str, Any], label: str) -> str:
    for row in question["reply_markup"]["inline_keyboard"]:
        for b in row:
            if label in b["text"]:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} in {question['reply_markup']}")


def invitation(text: str) -> str:
    found = re.search(r"start=(join_[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


HASH = re.compile(r"\b[0-9a-f]{64}\b")


async def test_a_village_set_up_and_run_in_russian(world: World) -> None:
    talk = Talk(world)
    olga_chat, village = private_chat(OLGA), group_chat(VILLAGE, "supergroup")
    for person in [OLGA, *OWNERS, MALLORY, STRANGER]:
        await world.start(person)

    # Nobody could start before: now "/create" answers, and the community is made in private.
    await talk.ask(OLGA, olga_chat, "/create Сосенки", "/newcommunity Сосенки")
    await talk.ask(OLGA, olga_chat, "/newcommunity Сосенки", "Сообщество Сосенки создано")
    await world.reply(OLGA.telegram_id, "Этот чат привязан к сообществу Сосенки.")

    # Twelve owners: eight who wrote to the bot, one who has not yet, three without Telegram.
    for i, owner in enumerate(OWNERS):
        share = "2" if i == 0 else "1"
        await talk.ask(
            OLGA,
            olga_chat,
            f"/owner @{owner.username} {share}",
            f"Добавлен владелец {owner.first_name}",
        )
    late = await talk.ask(
        OLGA, olga_chat, f"/owner @{LATE.username} 1", "Приглашение для @late_boris"
    )
    invitations = {}
    for name in WITHOUT_TELEGRAM:
        added = await talk.ask(OLGA, olga_chat, f"/owner {name} 1", f"Добавлен владелец {name}")
        assert "Приглашение для" in added["text"]
        invitations[name] = invitation(added["text"])
    await talk.ask(OLGA, olga_chat, "/owner Иван Петров 1", "Иван Петров уже владелец здесь.")

    # November.
    await talk.ask(OLGA, olga_chat, "/period Ноябрь 2026", "Период Ноябрь 2026 открыт")

    # The village chat: Mallory (a member with a community of her own) cannot link it, even
    # once she is an administrator; Olga, an administrator, links it by choosing.
    await talk.ask(
        MALLORY, private_chat(MALLORY), "/newcommunity Mine", "Community Mine is created"
    )
    world.telegram.set_admins(VILLAGE, [OLGA.telegram_id])
    menu = await talk.ask(MALLORY, village, "/link", "Which one should this chat be about?")
    await talk.ask(MALLORY, village, "/lang ru", "Only an administrator of this chat")
    choose = await talk.ask(OLGA, village, "/link", "К чему привязать этот чат?")
    await talk.tap(OLGA, choose, "Сосенки", "Этот чат привязан к сообществу Сосенки.", VILLAGE)
    after = talk.mark()
    # Mallory taps her menu (not an administrator), then becomes one and tries again: refused,
    # the chat was linked by its treasurer.
    await world.post(callback_update(MALLORY, world.sent_message(menu), button(menu, "Mine")))
    world.telegram.set_admins(VILLAGE, [OLGA.telegram_id, MALLORY.telegram_id])
    await world.post(callback_update(MALLORY, world.sent_message(menu), button(menu, "Mine")))
    mine = re.search(r"ln:c:(\d+)", str(menu["reply_markup"]))
    assert mine
    await talk.ask(
        MALLORY, village, f"/link community {mine.group(1)}", "This chat is linked by its treasurer"
    )
    await talk.ask(MALLORY, village, "/unlink", "This chat is linked by its treasurer")
    await talk.ask(MALLORY, village, "/lang en", "This chat is linked by its treasurer")
    assert not any("Mine" in t for t in talk.texts(VILLAGE)[after:])

    # A month, amounts typed as people type them; people named every way.
    pavel = OWNERS[0]
    asked = await talk.ask(
        OLGA, village, f"/pay @{pavel.username} 3 000 взнос", "Взнос 3\u00a0000,00\u00a0₽ от Павел"
    )
    await talk.confirm(OLGA, asked, "Записано: взнос 3\u00a0000,00\u00a0₽ от Павел", VILLAGE)
    asked = await talk.ask(
        OLGA,
        village,
        "/pay 2 000 Иван Петров наличными",
        "Взнос 2\u00a0000,00\u00a0₽ от Иван Петров",
    )
    assert "(наличными)" in asked["text"]
    await talk.confirm(OLGA, asked, "Записано: взнос 2\u00a0000,00\u00a0₽ от Иван Петров", VILLAGE)
    # Olga is no owner: a payment with no name gets a picker; the elderly neighbour is on it.
    asked = await talk.ask(OLGA, village, "/pay 1 500,50", "Чей это?")
    picked = await talk.tap(
        OLGA, asked, "Мария Ивановна", "от Мария Ивановна", VILLAGE, method="editMessageText"
    )
    assert "1\u00a0500,50\u00a0₽" in picked["text"]
    await talk.confirm(
        OLGA,
        picked,
        "Записано: взнос 1\u00a0500,50\u00a0₽ от Мария Ивановна",
        VILLAGE,
        message=world.sent_message(asked),
    )
    # A reply to Anna's message names Anna.
    anna = OWNERS[1]
    said = await world.say(anna, village, "Я перевела 4000")
    after = talk.mark()
    update = _reply(world, OLGA, village, "/pay 4000", said["message"])
    await world.post(update)
    asked = await world.reply(VILLAGE, "от Анна", after=after, timeout=30)
    await talk.confirm(OLGA, asked, "Записано: взнос 4\u00a0000,00\u00a0₽ от Анна", VILLAGE)
    asked = await talk.ask(
        OLGA, village, "/expense 12 000 уборка снега", "Расход 12\u00a0000,00\u00a0₽"
    )
    await talk.confirm(OLGA, asked, "Записано: расход 12\u00a0000,00\u00a0₽", VILLAGE)
    sergey = OWNERS[2]
    asked = await talk.ask(
        OLGA,
        village,
        f"/charge @{sergey.username} 700 вывоз мусора",
        "Начисление 700,00\u00a0₽ владельцу Сергей",
    )
    await talk.confirm(OLGA, asked, "Записано: начисление 700,00\u00a0₽ владельцу Сергей", VILLAGE)
    await world.reply(
        sergey.telegram_id, "Ольга начислил(а) вам 700,00\u00a0₽: вывоз мусора", timeout=30
    )
    # Reversed by mistake-fixing /undo: Sergey hears that too, in private; no numbers in chats.
    asked = await talk.ask(
        OLGA,
        village,
        "/undo ошибка",
        "Отменить вашу последнюю запись (начисление) на 700,00\u00a0₽",
    )
    await talk.confirm(OLGA, asked, "Отменено: начисление 700,00\u00a0₽.", VILLAGE)
    await world.reply(
        sergey.telegram_id,
        "Ольга отменил(а) ваш(е) начисление на 700,00\u00a0₽: ошибка",
        timeout=30,
    )
    # Misread amounts are refused, never recorded.
    await talk.ask(
        OLGA, village, "/pay @owner0_v 3,000 взнос", "Непонятно, что значит 3,000: 3 000 или 3"
    )
    await talk.ask(OLGA, village, "/expense 12 00 снег", "Не могу прочитать сумму")

    # Reads follow the read policy: a stranger in the chat sees nothing of the balance sheet.
    photos = len(world.telegram.sent("sendPhoto"))
    await talk.ask(STRANGER, village, "/report", "You are not a member of this chat's community")
    assert len(world.telegram.sent("sendPhoto")) == photos

    async def full_report() -> dict[str, Any] | None:
        answer = await talk.ask(pavel, village, "/report", "Оборотная ведомость, Ноябрь 2026")
        names = ("Павел", "Иван Петров", "Мария Ивановна", "Сергей", "Анна")
        return answer if all(n in answer["text"] for n in names) else None

    report = await eventually(full_report, timeout=30, what="the whole balance sheet")
    assert not re.search(r"#\d|№\d|\b\d{7,}\b", report["text"]), report["text"]

    # The treasurer keeps the balance sheet to treasurers: an owner's /report shows no sheet and
    # no chart (his own balance stays his); an owner may not change it back; the treasurer may.
    await talk.ask(pavel, village, "/sheet показать", "Это может только казначей")
    await talk.ask(OLGA, village, "/sheet скрыть", "собственники больше не видят")
    photos = len(world.telegram.sent("sendPhoto"))
    hidden = await talk.ask(pavel, village, "/report", "только казначеям")
    assert "Оборотная ведомость" not in hidden["text"]
    await talk.ask(OLGA, village, "/report", "Оборотная ведомость, Ноябрь 2026")

    async def chart() -> bool | None:
        return len(world.telegram.sent("sendPhoto")) > photos or None

    await eventually(chart, timeout=30, what="the treasurer's chart")
    assert len(world.telegram.sent("sendPhoto")) == photos + 1  # the treasurer's chart only
    await talk.ask(OLGA, village, "/sheet показать", "собственники видят оборотную ведомость")

    # Close November; the bot offers December with the carry-forward; one tap does both.
    asked = await talk.ask(OLGA, village, "/close", "Закрыть период Ноябрь 2026")
    await talk.confirm(OLGA, asked, "Период Ноябрь 2026 закрыт.", VILLAGE)
    offer = await world.reply(
        VILLAGE, "Открыть Декабрь 2026 и перенести в него остатки Ноябрь 2026", timeout=30
    )
    await talk.confirm(OLGA, offer, "Период Декабрь 2026 открыт", VILLAGE)
    await world.reply(VILLAGE, "из Ноябрь 2026 в Декабрь 2026", timeout=30)

    # Pavel's balance: what he carried is shown as carried from November, not paid in December.
    async def carried() -> dict[str, Any] | None:
        answer = await talk.ask(pavel, private_chat(pavel), "/balance", "Сосенки")
        return (
            answer if "Декабрь 2026" in answer["text"] and "перенесено" in answer["text"] else None
        )

    balance = await eventually(carried, timeout=30, what="the carried balance")
    assert "из них перенесено из Ноябрь 2026" in balance["text"]
    assert "взносы 0,00\u00a0₽" in balance["text"], balance["text"]

    # Invitations: Ivan's grandson opens Ivan's; Boris, who had not written before, opens his.
    await talk.ask(
        IVANS_GRANDSON,
        private_chat(IVANS_GRANDSON),
        f"/start {invitations['Иван Петров']}",
        "Добро пожаловать",
    )
    await talk.ask(
        LATE, private_chat(LATE), f"/start {invitation(late['text'])}", "Добро пожаловать"
    )
    fresh = await talk.ask(
        OLGA, olga_chat, "/invite Мария Ивановна", "Приглашение для Мария Ивановна"
    )
    assert invitation(fresh["text"]) != invitations["Мария Ивановна"]

    # The audit head goes to whoever asks; never into the group chat. Its button has reporting
    # recheck every link of the chain.
    head = await talk.ask(pavel, private_chat(pavel), "/audit", "Журнал аудита Сосенки")
    # How many entries, in the Russian plural form for that number (1 запись, 3 записи, 25 записей).
    counted = re.search(r"Сосенки: (\d+) (запись|записи|записей),", head["text"])
    assert counted, head["text"]
    n = int(counted.group(1))
    form = (
        "запись"
        if n % 10 == 1 and n % 100 != 11
        else "записи"
        if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14)
        else "записей"
    )
    assert counted.group(2) == form, head["text"]
    checked = await talk.tap(
        pavel, head, "Проверить цепочку", "Журнал аудита Сосенки", pavel.telegram_id
    )
    assert re.search(r"цел \(проверено: [1-9]\d* запис", checked["text"]), checked["text"]
    for text in talk.texts(VILLAGE):
        assert not HASH.search(text), text
        assert not re.search(r"№\d|#\d", text), text


def _reply(
    world: World, person: Person, chat: dict[str, Any], text: str, to: dict[str, Any]
) -> dict[str, Any]:
    update = message_update(person, chat, text)
    update["message"]["reply_to_message"] = to
    return update


async def test_three_friends_split_dinners_and_settle_up_in_english(world: World) -> None:
    talk = Talk(world)
    trip = group_chat(TRIP, "supergroup")
    for person in (ANN, BEN, CAT):
        await world.start(person)
    world.telegram.set_admins(TRIP, [ANN.telegram_id])
    await talk.ask(ANN, trip, "/newgroup Kazan trip", "Group Kazan trip is created.")
    await world.reply(TRIP, "This chat is linked to group Kazan trip.", timeout=30)
    await talk.ask(ANN, trip, f"/member @{BEN.username}", "Ben is in the group.")
    await talk.ask(ANN, trip, f"/member @{CAT.username}", "Cat is in the group.")
    # Ben may not add people (only a group owner may); nor re-link the chat.
    await talk.ask(BEN, trip, "/member Dan", "Only an owner of group Kazan trip may do this.")
    await talk.ask(BEN, trip, "/unlink", "Only an administrator of this chat")

    for person, typed, amount in (
        (ANN, "3 000", "₽3,000.00"),
        (BEN, "1,500.50", "₽1,500.50"),
        (CAT, "900", "₽900.00"),
    ):
        asked = await talk.ask(person, trip, f"/split {typed} dinner", f"Split {amount} for dinner")
        # Anyone who shares the split may confirm it: Cat's is confirmed by Ben.
        confirmer = BEN if person is CAT else person
        done = await talk.confirm(
            confirmer, asked, f"Recorded: dinner, {amount} paid by {person.first_name}", TRIP
        )
        assert "₽" in done["text"]
        # The keyboard is spent: tapping it again records nothing more.
        await world.post(
            callback_update(person, world.sent_message(asked), button(asked, "Confirm"))
        )

    owed = await talk.ask(ANN, trip, "/balance", "Kazan trip: balances")
    assert "Ann is owed" in owed["text"] and "To settle up:" in owed["text"], owed["text"]
    plan = await talk.ask(CAT, trip, "/owe", "To settle up:")
    transfers = re.findall(r"(\w+) → (\w+): ₽([\d,]+\.\d\d)", plan["text"])
    assert transfers, plan["text"]
    people = {p.first_name: p for p in (ANN, BEN, CAT)}
    pick: dict[str, Any] = {}
    for number, (payer, payee, amount) in enumerate(transfers):
        if number == 0:  # whom from a keyboard of the group's members (not the payer)
            pick = await talk.ask(people[payer], trip, f"/settle {amount}", "Whose is it?")
            labels = [b["text"] for row in pick["reply_markup"]["inline_keyboard"] for b in row]
            assert payer not in labels and payee in labels, labels
            asked = await talk.tap(
                people[payer],
                pick,
                payee,
                f"paid {payee} back",
                TRIP,
                method="editMessageText",
            )
        elif number == 1:  # whom by replying to their message
            said = await world.say(people[payee], trip, "thanks!")
            after = talk.mark()
            await world.post(
                _reply(world, people[payer], trip, f"/settle {amount}", said["message"])
            )
            asked = await world.reply(TRIP, f"paid {payee} back", after=after, timeout=30)
        else:
            asked = await talk.ask(
                people[payer],
                trip,
                f"/settle @{people[payee].username} {amount}",
                f"paid {payee} back",
            )
        assert "₽" in asked["text"]
        await talk.confirm(
            people[payer],
            asked,
            f"Recorded: {payer} paid {payee} back",
            TRIP,
            message=world.sent_message(pick) if number == 0 else None,
        )
    await talk.ask(ANN, trip, "/owe", "Nobody owes anybody.", timeout=30)
    recorded = [t for t in talk.texts(TRIP) if t.startswith("Recorded: dinner")]
    assert len(recorded) == 3, recorded
