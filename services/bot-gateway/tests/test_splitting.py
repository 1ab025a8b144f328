"""``/split`` in a group chat linked to a splits group: the inline keyboard picks the people and
the way to split, the bot asks for the numbers a way needs, and once confirmed the splits service
(in-process, on real Kafka) records the expense and the chat hears the result."""

from __future__ import annotations

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

ALICE = Person(740001, "Alice", "alice_s")
BOB = Person(740002, "Bob", "bob_s")
CAROL = Person(740003, "Carol", "carol_s")
DAVE = Person(740004, "Dave", "dave_s")  # known to the bot, not in the group
GROUP = -100740000


async def _group(world: World) -> int:
    """Alice's splits group "Flat" with Bob and Carol (who linked their Telegram accounts to
    their users), linked to the group chat; Dave only said /start."""
    token = world.make_token(ALICE.telegram_id)
    group = await world.ok(world.splits, "POST", "/groups", token, {"name": "Flat"})
    for person in (BOB, CAROL):
        await world.ok(
            world.splits,
            "POST",
            f"/groups/{group['id']}/members",
            token,
            {"user_id": person.telegram_id, "display_name": person.first_name},
        )
    for person in (ALICE, BOB, CAROL):
        await world.become(person, person.telegram_id)
    await world.say(DAVE, private_chat(DAVE), "/start")
    world.telegram.set_admins(GROUP, [ALICE.telegram_id])
    await world.say(ALICE, group_chat(GROUP), f"/link group {group['id']}")
    await world.reply(GROUP, "This chat is linked to group Flat.")
    return int(group["id"])


def _button(question: dict[str, Any], label: str) -> str:
    for row in question["reply_markup"]["inline_keyboard"]:
        for button in row:
            if label in button["text"]:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r} in {question['reply_markup']}")


async def _tap(world: World, question: dict[str, Any], label: str, edit: str) -> dict[str, Any]:
    """Alice taps a button of the question; the edit of the question that contains ``edit``."""
    data = _button(question, label)
    response = await world.post(callback_update(ALICE, world.sent_message(question), data))
    assert response.status_code == 200
    return await world.reply(GROUP, edit, method="editMessageText")


async def _answer(world: World, asked: dict[str, Any], text: str) -> None:
    """Alice replies to the bot's question (as Telegram sends a reply: with the message)."""
    update = _reply_update(world, asked, text)
    response = await world.post(update)
    assert response.status_code == 200


def _reply_update(world: World, asked: dict[str, Any], text: str) -> dict[str, Any]:
    update = message_update(ALICE, group_chat(GROUP), text)
    update["message"]["reply_to_message"] = world.sent_message(asked)
    return update


async def _expenses(world: World, group_id: int) -> list[dict[str, Any]]:
    token = world.make_token(ALICE.telegram_id, groups=[group_id])
    body = await world.ok(world.splits, "GET", f"/financials/expenses?group_id={group_id}", token)
    expenses: list[dict[str, Any]] = body["expenses"]
    return expenses


async def test_split_by_shares_picking_people_and_the_way(world: World) -> None:
    group_id = await _group(world)
    await world.say(ALICE, group_chat(GROUP), "/split 900 dinner")
    question = await world.reply(
        GROUP, "Split ₽900.00 for dinner equally between Alice, Bob, Carol\nConfirm?"
    )
    rows = question["reply_markup"]["inline_keyboard"]
    assert [r[0]["text"] for r in rows[:3]] == ["✓ Alice", "✓ Bob", "✓ Carol"]
    assert [b["text"] for b in rows[3]] == ["✓ Equally", "Shares", "Percent", "Amounts"]
    assert rows[4][0]["text"] == "✅ Confirm"

    await _tap(world, question, "Carol", "equally between Alice, Bob\nConfirm?")
    edit = await _tap(world, question, "Shares", "by shares between Alice, Bob\nConfirm?")
    edited_rows = edit["reply_markup"]["inline_keyboard"]
    assert edited_rows[2][0]["text"] == "· Carol"
    assert edited_rows[3][1]["text"] == "✓ Shares"
    assert edited_rows[4][0]["text"] == "➡ Next"

    # Next: the bot asks for the shares, in a reply.
    before = len(world.telegram.sent())
    await world.post(callback_update(ALICE, world.sent_message(question), _button(edit, "Next")))
    asked = await world.reply(
        GROUP,
        "@alice_s, reply with the shares of Alice, Bob, in this order, as whole numbers "
        "(e.g. 2 1).",
        after=before,
    )
    assert asked["reply_markup"]["force_reply"] is True
    assert asked["reply_markup"]["selective"] is True
    # Bob's chatter in the group is not for the bot; a wrong answer gets a hint.
    await world.post(_reply_update_from(BOB, "nice dinner"))
    await _answer(world, asked, "2 x")
    hint = await world.reply(GROUP, "Shares are whole numbers of at least 1")
    await _answer(world, hint, "2 1")
    final = await world.reply(
        GROUP, "Split ₽900.00 for dinner by shares between Alice ×2, Bob ×1\nConfirm?"
    )
    assert final["reply_markup"]["inline_keyboard"][4][0]["text"] == "✅ Confirm"
    await world.post(callback_update(ALICE, world.sent_message(final), _button(final, "Confirm")))
    await world.reply(
        GROUP, "Recorded: dinner, ₽900.00 paid by Alice (Alice ₽600.00, Bob ₽300.00)."
    )

    (expense,) = await _expenses(world, group_id)
    assert expense["split_type"] == "SHARES"
    assert expense["paid_by_user_id"] == ALICE.telegram_id
    assert [(s["user_id"], s["share_units"], s["owed_amount"]) for s in expense["splits"]] == [
        (ALICE.telegram_id, 2, "600.00"),
        (BOB.telegram_id, 1, "300.00"),
    ]
    assert not [t for t in world.telegram.texts(GROUP) if "nice dinner" in t]


def _reply_update_from(person: Person, text: str) -> dict[str, Any]:
    return message_update(person, group_chat(GROUP), text)


async def test_split_with_mentions_equally_by_percentages_and_in_amounts(world: World) -> None:
    group_id = await _group(world)
    chat = group_chat(GROUP)

    # Equal between the sender and the people mentioned: confirmed at once.
    await world.say(ALICE, chat, "/split 100 taxi @bob_s")
    question = await world.reply(GROUP, "Split ₽100.00 for taxi equally between Alice, Bob")
    await world.post(
        callback_update(ALICE, world.sent_message(question), _button(question, "Confirm"))
    )
    await world.reply(GROUP, "Recorded: taxi, ₽100.00 paid by Alice (Alice ₽50.00, Bob ₽50.00).")

    # Percentages: a sum that is not 100 is asked again.
    await world.say(ALICE, chat, "/split 300 groceries @carol_s")
    question = await world.reply(GROUP, "Split ₽300.00 for groceries equally between Alice, Carol")
    edit = await _tap(world, question, "Percent", "groceries by percentages between Alice, Carol")
    before = len(world.telegram.sent())
    await world.post(callback_update(ALICE, world.sent_message(question), _button(edit, "Next")))
    asked = await world.reply(GROUP, "reply with the percentages of Alice, Carol", after=before)
    assert "(e.g. 50 50)" in asked["text"]
    await _answer(world, asked, "50 40")
    hint = await world.reply(GROUP, "The percentages add up to 90, not 100.")
    await _answer(world, hint, "70 30")
    final = await world.reply(GROUP, "by percentages between Alice 70%, Carol 30%")
    await world.post(callback_update(ALICE, world.sent_message(final), _button(final, "Confirm")))
    await world.reply(
        GROUP, "Recorded: groceries, ₽300.00 paid by Alice (Alice ₽210.00, Carol ₽90.00)."
    )

    # Exact amounts for the whole group.
    await world.say(ALICE, chat, "/split 1000 rent")
    question = await world.reply(GROUP, "Split ₽1,000.00 for rent equally")
    edit = await _tap(world, question, "Amounts", "rent in exact amounts between Alice, Bob, Carol")
    before = len(world.telegram.sent())
    await world.post(callback_update(ALICE, world.sent_message(question), _button(edit, "Next")))
    asked = await world.reply(GROUP, "adding up to ₽1,000.00", after=before)
    await _answer(world, asked, "500 300")
    hint = await world.reply(GROUP, "one number per person, 3 in all; you sent 2 numbers.")
    await _answer(world, hint, "500 300 200")
    final = await world.reply(GROUP, "Alice ₽500.00, Bob ₽300.00, Carol ₽200.00\nConfirm?")
    await world.post(callback_update(ALICE, world.sent_message(final), _button(final, "Confirm")))
    await world.reply(GROUP, "Recorded: rent, ₽1,000.00 paid by Alice (Alice ₽500.00")

    # Someone outside the group: the splits service refuses, and says why.
    await world.start(DAVE)  # a user of his own, whom nobody added to the group
    await world.say(ALICE, chat, "/split 50 coffee @dave_s")
    question = await world.reply(GROUP, "Split ₽50.00 for coffee equally between Alice, Dave")
    await world.post(
        callback_update(ALICE, world.sent_message(question), _button(question, "Confirm"))
    )
    await world.reply(GROUP, "Refused: this person is not a member of the group.")

    async def three() -> list[dict[str, Any]] | None:
        found = await _expenses(world, group_id)
        return found if len(found) == 3 else None

    expenses = {e["description"]: e for e in await eventually(three, what="three expenses")}
    assert {d: e["split_type"] for d, e in expenses.items()} == {
        "taxi": "EQUAL",
        "groceries": "PERCENTAGE",
        "rent": "EXACT_AMOUNTS",
    }
    assert [s["share_percentage"] for s in expenses["groceries"]["splits"]] == ["70", "30"]


async def test_link_group_by_its_owner_only_and_settle_a_debt(world: World) -> None:
    group_id = await _group(world)
    other_chat = -100740001
    # Bob is a member, not an owner: even as the chat's administrator he may not link a chat
    # to the group.
    world.telegram.set_admins(other_chat, [ALICE.telegram_id, BOB.telegram_id])
    await world.say(BOB, group_chat(other_chat), f"/link group {group_id}")
    await world.reply(other_chat, "Only an owner of that group may link a chat to it.")
    # Nor may anyone link a group that does not exist.
    after = len(world.telegram.sent("sendMessage"))
    await world.say(ALICE, group_chat(other_chat), "/link group 999999")
    await world.reply(other_chat, "Only an owner of that group may link a chat to it.", after=after)

    await world.say(BOB, group_chat(GROUP), "/settle @alice_s 300")
    question = await world.reply(GROUP, "Bob paid Alice back ₽300.00\nConfirm?")
    # Only Bob may confirm his payment.
    data = _button(question, "Confirm")
    await world.post(callback_update(ALICE, world.sent_message(question), data))
    await world.post(callback_update(BOB, world.sent_message(question), data))
    await world.reply(GROUP, "Recorded: Bob paid Alice back ₽300.00.")
    token = world.make_token(BOB.telegram_id, groups=[group_id])
    (settlement,) = await world.ok(
        world.splits, "GET", f"/financials/settlements?group_id={group_id}", token
    )
    assert (
        settlement["paid_by_user_id"],
        settlement["paid_to_user_id"],
        settlement["amount"],
    ) == (BOB.telegram_id, ALICE.telegram_id, "300.00")
    answers = [c.params.get("text") for c in world.telegram.sent("answerCallbackQuery")]
    assert answers == ["Only the person who asked can confirm this.", None]
    # A settlement with someone the bot does not know, and one that cannot be read.
    await world.say(BOB, group_chat(GROUP), "/settle @nobody_here 10")
    await world.reply(GROUP, "I do not know @nobody_here yet")
    await world.say(BOB, group_chat(GROUP), "/settle 10 @alice_s")
    await world.reply(GROUP, "Usage: /settle @user <amount>")


@pytest.mark.parametrize("world_settings", [{"result_wait_seconds": 1.0}], indirect=True)
async def test_a_slow_answer_is_announced_then_given_when_it_comes(world: World) -> None:
    group_id = await _group(world)
    await world.splits_service.stop()  # the splits service is down for a while
    await world.say(BOB, group_chat(GROUP), "/settle @alice_s 120")
    question = await world.reply(GROUP, "Bob paid Alice back ₽120.00")
    await world.post(
        callback_update(BOB, world.sent_message(question), _button(question, "Confirm"))
    )
    await world.reply(GROUP, "Still being processed; I will tell you when it is done.")
    assert not [t for t in world.telegram.texts(GROUP) if t.startswith("Recorded")]

    await world.splits_service.start()  # back: it takes the command from Kafka and answers
    await world.reply(GROUP, "Recorded: Bob paid Alice back ₽120.00.", timeout=60)
    token = world.make_token(BOB.telegram_id, groups=[group_id])
    (settlement,) = await world.ok(
        world.splits, "GET", f"/financials/settlements?group_id={group_id}", token
    )
    assert settlement["amount"] == "120.00"
    notes = [t for t in world.telegram.texts(GROUP) if t.startswith("Still being processed")]
    assert len(notes) == 1
