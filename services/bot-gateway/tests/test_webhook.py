"""Realistic updates through the real webhook endpoint; the fake Bot API records what the users
see. The ledger and reporting run in-process behind the gateway's HTTP client, on real Kafka."""

from __future__ import annotations

from typing import Any

import pytest
from bot_gateway.adapters import tables as t
from bot_gateway.fake_telegram import BOT_USERNAME
from bot_gateway.testing import (
    Person,
    World,
    callback_update,
    edited_update,
    group_chat,
    message_update,
    private_chat,
)
from sosenki_platform.testing import eventually
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

ALICE = Person(700001, "Alice", "alice_treasurer")  # the treasurer
BOB = Person(700002, "Bob", "bob_owner", "ru")  # an owner
GROUP = -100123456


async def _count(world: World, table: Any) -> int:
    runtime = world.app.state.runtime
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _community(world: World) -> tuple[int, int]:
    """Alice's community with Alice and Bob as owners and an open period; both have linked
    their Telegram accounts to their users (the REST ids happen to equal their Telegram ids)."""
    token = world.make_token(ALICE.telegram_id)
    community = await world.ok(
        world.ledger, "POST", "/api/payments/communities", token, {"name": "Cedars"}
    )
    cid = community["id"]
    token = world.make_token(ALICE.telegram_id, communities=[cid])
    for person in (ALICE, BOB):
        await world.ok(
            world.ledger,
            "POST",
            f"/api/payments/communities/{cid}/owners",
            token,
            {
                "user_id": person.telegram_id,
                "display_name": person.first_name,
                "ownership_share": "50",
            },
        )
    period = await world.ok(
        world.ledger,
        "POST",
        "/api/payments/periods",
        token,
        {"community_id": cid, "name": "June", "start_date": "2025-06-01", "end_date": "2025-06-30"},
    )
    await world.become(ALICE, ALICE.telegram_id)
    await world.become(BOB, BOB.telegram_id)
    return cid, period["id"]


async def test_start_up_sets_the_webhook_with_its_secret_and_the_menus(world: World) -> None:
    (hook,) = world.telegram.sent("setWebhook")
    assert hook.params["url"] == "https://gateway.example/telegram/webhook"
    assert hook.params["secret_token"] == "s3cret-Token_for-tests"
    menus = {c.params.get("language_code"): c.params for c in world.telegram.sent("setMyCommands")}
    assert set(menus) == {"ru", "en", None}  # None: everyone else (Ukrainian, Kazakh…) in English
    assert {"command": "pay", "description": "Записать взнос"} in menus["ru"]["commands"]
    assert menus[None]["commands"] == menus["en"]["commands"]
    assert {"command": "language", "description": "Язык: русский или английский"} in menus["ru"][
        "commands"
    ]


async def test_a_forged_or_missing_secret_gets_401_and_nothing_is_recorded(world: World) -> None:
    update = message_update(ALICE, private_chat(ALICE), "/start")
    assert (await world.post(update, secret="wrong")).status_code == 401
    assert (await world.post(update, secret=None)).status_code == 401
    assert await _count(world, t.processed_updates) == 0
    assert await _count(world, t.telegram_users) == 0
    assert await _count(world, t.outgoing_messages) == 0


async def test_private_commands_in_both_languages(world: World) -> None:
    await world.say(ALICE, private_chat(ALICE), "/start")
    await world.reply(ALICE.telegram_id, "Hello, Alice!")
    await world.say(BOB, private_chat(BOB), "/help")
    await world.reply(BOB.telegram_id, "/pay [@владелец или имя] <сумма>")
    # The chat's language can be changed.
    await world.say(BOB, private_chat(BOB), "/lang en")
    await world.reply(BOB.telegram_id, "This chat now speaks English.")
    await world.say(BOB, private_chat(BOB), "/pay")
    await world.reply(BOB.telegram_id, "Usage: /pay")


async def test_group_commands_for_this_bot_only_and_edits_never_rerun(world: World) -> None:
    chat = group_chat(GROUP)
    world.telegram.set_admins(GROUP, [ALICE.telegram_id])  # she may set the chat's language
    await world.say(ALICE, chat, f"/help@{BOT_USERNAME}")
    await world.reply(GROUP, "Commands:")
    await world.say(ALICE, chat, "/help@some_other_bot")
    original = await world.say(ALICE, chat, "/help")
    await eventually(lambda: _len_at_least(world, GROUP, 2), what="two help replies")
    edited = await world.post(edited_update(original, "/help please"))
    assert edited.status_code == 200
    await world.say(ALICE, chat, "/lang en")  # a marker: everything before it was handled
    await world.reply(GROUP, "This chat now speaks English.")
    assert len([x for x in world.telegram.texts(GROUP) if x.startswith("Commands:")]) == 2


async def _len_at_least(world: World, chat_id: int, n: int) -> bool:
    return len(world.telegram.texts(chat_id)) >= n


async def test_link_pay_confirm_once_and_balance(world: World) -> None:
    cid, pid = await _community(world)
    chat = group_chat(GROUP)
    # Bob is not a treasurer: even as the chat's administrator he may not link the chat.
    world.telegram.set_admins(GROUP, [ALICE.telegram_id, BOB.telegram_id])
    await world.say(BOB, chat, f"/link community {cid}")
    await world.reply(GROUP, "казначей")
    await world.say(ALICE, chat, f"/link@{BOT_USERNAME} community {cid}")
    await world.reply(GROUP, "linked to community Cedars.")

    pay = await world.say(ALICE, chat, "/pay 1000 June")
    question = await world.reply(GROUP, "Contribution of ₽1,000.00 from Alice to June (June)")
    buttons = question["reply_markup"]["inline_keyboard"][0]
    confirm = next(b["callback_data"] for b in buttons if b["callback_data"].startswith("ok:"))
    # Telegram retries the /pay update: nothing new is asked.
    assert (await world.post(pay)).json()["outcome"] == "duplicate"
    # Bob cannot confirm Alice's payment; Alice can, and a second tap changes nothing.
    await world.post(callback_update(BOB, world.sent_message(question), confirm))
    tap = callback_update(ALICE, world.sent_message(question), confirm)
    await world.post(tap)
    await world.post(tap)
    await world.post(callback_update(ALICE, world.sent_message(question), confirm))
    await world.reply(GROUP, "Recorded: contribution ₽1,000.00 from Alice (June).")
    token = world.make_token(ALICE.telegram_id, communities=[cid])
    contributions = await world.ok(
        world.ledger, "GET", f"/api/payments/periods/{pid}/contributions", token
    )
    assert [(c["amount"], c["comment"], c["user_id"]) for c in contributions] == [
        ("1000.00", "June", ALICE.telegram_id)
    ]
    answers = [c.params for c in world.telegram.sent("answerCallbackQuery")]
    # Bob's tap, Alice's tap, and her second tap (a new update); the retried update is not
    # answered again.
    assert [a.get("text") for a in answers] == [
        "Подтвердить может только тот, кто это запросил.",
        None,
        "Already done.",
    ]
    edits = [c.params["text"] for c in world.telegram.sent("editMessageText")]
    assert any("waiting for the result" in e for e in edits)

    # Reporting's balance, asked in the group (the chat is linked to the community).
    async def balance_shown() -> dict[str, Any] | None:
        before = len(world.telegram.sent("sendMessage"))
        await world.say(ALICE, chat, f"/balance@{BOT_USERNAME}")
        reply = await world.reply(GROUP, "Cedars, June: balance", after=before)
        return reply if "paid ₽1,000.00" in reply["text"] else None

    await eventually(balance_shown, what="the balance with the contribution")
    # Exactly one contribution, however often things were posted.
    await world.post(tap)
    contributions = await world.ok(
        world.ledger, "GET", f"/api/payments/periods/{pid}/contributions", token
    )
    assert len(contributions) == 1


@pytest.mark.parametrize(
    ("lang", "expense", "refusal"),
    [
        (
            "en",
            "Expense ₽5,000.00, maintenance, Gazprom — boiler",
            "Refused: only a treasurer of the community may do this.",
        ),
        ("ru", "Gazprom — boiler", "Отказано: это может сделать только казначей посёлка."),
    ],
)
async def test_a_non_treasurers_expense_is_refused_in_the_chats_language(
    world: World, lang: str, expense: str, refusal: str
) -> None:
    """The ledger's refusal arrives by its code, in the chat's language: never the ledger's
    English sentence (with its internal community number) to a Russian speaker."""
    cid, _ = await _community(world)
    chat = group_chat(GROUP)
    world.telegram.set_admins(GROUP, [ALICE.telegram_id])
    await world.say(ALICE, chat, f"/link community {cid}")
    await world.reply(GROUP, "linked")
    await world.say(ALICE, chat, f"/lang {lang}")
    await world.say(BOB, chat, "/expense 5000 maintenance Gazprom — boiler")
    question = await world.reply(GROUP, expense)
    confirm = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    response = await world.post(callback_update(BOB, world.sent_message(question), confirm))
    assert response.status_code == 200
    answer = await world.reply(GROUP, refusal)
    assert "treasurer of community" not in answer["text"]
    assert str(cid) not in answer["text"]


async def test_group_becoming_a_supergroup_keeps_its_link(world: World) -> None:
    cid, _ = await _community(world)
    world.telegram.set_admins(GROUP, [ALICE.telegram_id])
    await world.say(ALICE, group_chat(GROUP), f"/link community {cid}")
    await world.reply(GROUP, "linked")
    supergroup = -1009999999
    migration = message_update(ALICE, group_chat(GROUP), "")
    del migration["message"]["text"]
    migration["message"]["migrate_to_chat_id"] = supergroup
    assert (await world.post(migration)).status_code == 200
    await world.say(ALICE, group_chat(supergroup, "supergroup"), "/periods")
    await world.reply(supergroup, "June: open")


async def test_invitation_deep_link_links_a_telegram_user_to_an_owner(world: World) -> None:
    cid, _ = await _community(world)
    owner_id = 555  # an owner whose user id is not their Telegram id
    token = world.make_token(ALICE.telegram_id, communities=[cid])
    await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/communities/{cid}/owners",
        token,
        {"user_id": owner_id, "display_name": "Carol", "ownership_share": "10"},
    )
    refused = await world.gateway.post(
        "/api/gateway/join-links",
        json={"user_id": owner_id, "community_id": cid},
        headers={"Authorization": f"Bearer {world.make_token(BOB.telegram_id, communities=[cid])}"},
    )
    assert refused.status_code == 403
    link = await world.ok(
        world.gateway,
        "POST",
        "/api/gateway/join-links",
        token,
        {"user_id": owner_id, "community_id": cid},
    )
    assert link["link"] == f"https://t.me/{BOT_USERNAME}?start={link['start_parameter']}"
    carol = Person(700003, "Carol", "carol")
    await world.say(carol, private_chat(carol), f"/start {link['start_parameter']}")
    await world.reply(carol.telegram_id, "You are now linked to user 555.")
    # The link works once.
    dave = Person(700004, "Dave", "dave")
    await world.say(dave, private_chat(dave), f"/start {link['start_parameter']}")
    await world.reply(dave.telegram_id, "not valid")


async def test_balance_keeps_a_closed_periods_balance_until_it_is_carried_forward(
    world: World,
) -> None:
    """June closes with Alice 50.00 ahead; July is open but June is not carried forward yet:
    /balance shows July and that she stands at 50.00 with June."""
    cid, june = await _community(world)
    token = world.make_token(ALICE.telegram_id, communities=[cid])
    periods = "/api/payments/periods"
    await world.ok(
        world.ledger,
        "POST",
        f"{periods}/{june}/expenses",
        token,
        {
            "amount": "100.00",
            "payment_type": "Roads",
            "allocation_strategy": "FIXED_FEE",
            "paid_by_user_id": ALICE.telegram_id,
        },
    )
    await world.ok(world.ledger, "POST", f"{periods}/{june}/close", token)
    await world.ok(
        world.ledger,
        "POST",
        periods,
        token,
        {"community_id": cid, "name": "July", "start_date": "2025-07-01", "end_date": "2025-07-31"},
    )
    chat = group_chat(GROUP)
    world.telegram.set_admins(GROUP, [ALICE.telegram_id])
    await world.say(ALICE, chat, f"/link community {cid}")
    await world.reply(GROUP, "linked")
    await world.say(ALICE, chat, "/lang en")

    async def balance_shown() -> dict[str, Any] | None:
        before = len(world.telegram.sent("sendMessage"))
        await world.say(ALICE, chat, f"/balance@{BOT_USERNAME}")
        reply = await world.reply(GROUP, "Cedars, July: balance", after=before)
        return reply if "you stand at ₽50.00" in reply["text"] else None

    shown = await eventually(balance_shown, what="the balance with June's credit")
    assert "Cedars, July: balance ₽0.00" in shown["text"]
