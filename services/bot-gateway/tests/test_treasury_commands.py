"""A treasurer's month in a linked group chat: charge, undo, report, close (each owner gets a
statement in private chat), carry forward; and chats hear when money moves elsewhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bot_gateway.adapters import tables as t
from bot_gateway.testing import Person, World, callback_update, group_chat, private_chat
from sosenki_platform.testing import eventually
from sqlalchemy import delete, select

pytestmark = pytest.mark.integration

ALICE = Person(710001, "Alice", "alice_t")
BOB = Person(710002, "Bob", "bob_o", "ru")
GROUP = -100777


async def _setup(world: World) -> tuple[int, int, str]:
    token = world.make_token(ALICE.telegram_id)
    cid = (
        await world.ok(world.ledger, "POST", "/api/payments/communities", token, {"name": "Pines"})
    )["id"]
    token = world.make_token(ALICE.telegram_id, communities=[cid])
    for person, share in ((ALICE, "60"), (BOB, "40")):
        await world.ok(
            world.ledger,
            "POST",
            f"/api/payments/communities/{cid}/owners",
            token,
            {
                "user_id": person.telegram_id,
                "display_name": person.first_name,
                "ownership_share": share,
            },
        )
    pid = (
        await world.ok(
            world.ledger,
            "POST",
            "/api/payments/periods",
            token,
            {
                "community_id": cid,
                "name": "July",
                "start_date": "2025-07-01",
                "end_date": "2025-07-31",
            },
        )
    )["id"]
    for person in (ALICE, BOB):  # both linked their Telegram accounts to their users
        await world.become(person, person.telegram_id)
    chat = group_chat(GROUP)
    world.telegram.set_admins(GROUP, [ALICE.telegram_id])
    await world.say(ALICE, chat, "/lang en")
    await world.say(ALICE, chat, f"/link community {cid}")
    await world.reply(GROUP, "linked to community Pines")

    return cid, pid, token


async def _confirm(world: World, person: Person, chat_id: int, summary: str) -> None:
    question = await world.reply(chat_id, summary)
    data = question["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    assert data.startswith("ok:")
    response = await world.post(callback_update(person, world.sent_message(question), data))
    assert response.status_code == 200


async def test_a_month_of_treasury_from_the_group_chat(world: World) -> None:
    cid, pid, token = await _setup(world)
    chat = group_chat(GROUP)

    # Money recorded elsewhere (the REST API) is announced in the linked chat.
    await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/periods/{pid}/contributions",
        token,
        {"user_id": BOB.telegram_id, "amount": "500.00", "comment": "July"},
    )
    await world.reply(GROUP, "Alice recorded a contribution of ₽500.00 from Bob (July)")

    await world.say(ALICE, chat, "/charge @bob_o 250 Noise penalty")
    await _confirm(world, ALICE, GROUP, "Charge ₽250.00 to Bob: Noise penalty in July")
    await world.reply(GROUP, "Recorded: charge ₽250.00 to Bob.")

    await world.say(ALICE, chat, "/expense 1000 roads")
    await _confirm(world, ALICE, GROUP, "Expense ₽1,000.00, roads in July")
    await world.reply(GROUP, "Recorded: expense ₽1,000.00, roads.")

    # /undo reverses Alice's last entry (the expense), with her reason.
    await world.say(ALICE, chat, "/undo typed the wrong amount")
    await _confirm(world, ALICE, GROUP, "Reverse your last expense of ₽1,000.00")
    await world.reply(GROUP, "Reversed: expense ₽1,000.00.")
    expenses = await world.ok(world.ledger, "GET", f"/api/payments/periods/{pid}/expenses", token)
    assert sorted(e["amount"] for e in expenses) == ["-1000.00", "1000.00"]
    assert [e["reason"] for e in expenses if e["kind"] == "reversal"] == ["typed the wrong amount"]

    # The balance sheet from reporting: text, then the chart.
    async def report() -> dict[str, Any] | None:
        before = len(world.telegram.sent("sendMessage"))
        await world.say(ALICE, chat, "/report")
        reply = await world.reply(GROUP, "Balance sheet, July:", after=before)
        return reply if "Bob: ₽250.00" in reply["text"] else None

    await eventually(report, what="the report with Bob's balance")
    await eventually(lambda: _photo(world), what="the chart")

    await world.say(ALICE, chat, "/close")
    await _confirm(world, ALICE, GROUP, "Close period July")
    closed = await world.reply(GROUP, "Period July is closed.")
    # No hash in the group chat; the audit chain head goes to whoever asks (/audit), so anyone
    # can later verify nothing was rewritten.
    assert not re.search(r"[0-9a-f]{64}", closed["text"])
    after = len(world.telegram.sent("sendMessage"))
    await world.say(ALICE, private_chat(ALICE), "/audit")
    audit = await world.reply(ALICE.telegram_id, "Audit log of Pines", after=after)
    head = re.search(r"\n([0-9a-f]{64})$", audit["text"])
    assert head, audit["text"]
    assert re.search(r"^Audit log of Pines: \d+ entries, chain head", audit["text"]), audit["text"]
    chain = await world.reporting.get(
        "/api/audit",
        params={"community_id": cid, "limit": 500},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert head.group(1) in [entry["hash"] for entry in chain.json()["entries"]]
    # Each owner the bot knows gets a personal statement in private chat.
    statement = await world.reply(BOB.telegram_id, "Период July сообщества Pines закрыт.")
    assert "баланс 250,00\u00a0₽" in statement["text"]

    await world.ok(
        world.ledger,
        "POST",
        "/api/payments/periods",
        token,
        {
            "community_id": cid,
            "name": "August",
            "start_date": "2025-08-01",
            "end_date": "2025-08-31",
        },
    )
    await world.say(ALICE, chat, "/carry")
    await _confirm(world, ALICE, GROUP, "Carry the balances of July into August")
    await world.reply(GROUP, "from July into August")
    await world.say(ALICE, chat, "/periods")
    await world.reply(GROUP, "July: closed\nAugust: open")


async def _photo(world: World) -> bool:
    return any(c.files.get("photo", 0) > 100 for c in world.telegram.sent("sendPhoto"))


async def test_cancel_sends_nothing(world: World) -> None:
    _, pid, token = await _setup(world)
    await world.say(ALICE, group_chat(GROUP), "/pay 10")
    question = await world.reply(GROUP, "Contribution of ₽10.00 from Alice to July")
    cancel = question["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    await world.post(callback_update(ALICE, world.sent_message(question), cancel))

    async def cancelled() -> bool:
        return any("Cancelled." in c.params["text"] for c in world.telegram.sent("editMessageText"))

    await eventually(cancelled, what="the cancelled question")
    contributions = await world.ok(
        world.ledger, "GET", f"/api/payments/periods/{pid}/contributions", token
    )
    assert contributions == []


async def test_an_owner_records_a_meter_reading_in_private_chat(world: World) -> None:
    cid, _, token = await _setup(world)
    meter = await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/communities/{cid}/meters",
        token,
        {"owner_id": BOB.telegram_id, "meter_type": "electricity"},
    )
    bob = private_chat(BOB)
    await world.say(BOB, bob, "/lang en")
    await world.say(BOB, bob, "/meter twelve")
    await world.reply(BOB.telegram_id, "Usage: /meter <value>")

    # In private chat the community is the one the owner belongs to (from the ledger's events).
    async def asked() -> dict[str, Any] | None:
        before = len(world.telegram.sent())
        await world.say(BOB, bob, "/meter 1234,5")
        reply = await world.reply(BOB.telegram_id, "", after=before)
        return reply if "Meter reading 1,234.5 (electricity)" in reply["text"] else None

    question = await eventually(asked, what="the meter reading to confirm")
    data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.post(callback_update(BOB, world.sent_message(question), data))
    await world.reply(BOB.telegram_id, "Reading 1,234.5 recorded.")
    readings = await world.ok(
        world.ledger, "GET", f"/api/payments/meters/{meter['id']}/readings", token
    )
    assert [r["value"] for r in readings] == ["1234.5"]
    # Alice has no meter of her own.
    await world.say(ALICE, group_chat(GROUP), "/meter 10")
    await world.reply(GROUP, "You have no meter in this community.")


async def test_an_expense_is_announced_in_the_chat_and_each_share_in_private(
    world: World,
) -> None:
    cid, pid, token = await _setup(world)
    carol = Person(710003, "Carol", "carol_o")
    await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/communities/{cid}/owners",
        token,
        {"user_id": carol.telegram_id, "display_name": "Carol", "ownership_share": "20"},
    )
    # Alice writes to the bot in private; Carol only ever spoke in the group (the bot cannot
    # start a private chat with her).
    await world.say(ALICE, private_chat(ALICE), "/start")
    await world.say(carol, group_chat(GROUP), "/help")
    await world.reply(GROUP, "Commands:")

    await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/periods/{pid}/expenses",
        token,
        {"amount": "5000", "payment_type": "maintenance"},
    )
    announced = await world.reply(GROUP, "Alice recorded ₽5,000.00 maintenance")
    assert announced["text"] == "Alice recorded ₽5,000.00 maintenance"
    await world.reply(
        ALICE.telegram_id,
        "Your share of maintenance (₽5,000.00, recorded by Alice): ₽2,500.00",
    )
    await world.reply(
        BOB.telegram_id,
        "Ваша доля в расходе «maintenance» (5\u00a0000,00\u00a0₽, записал(а) Alice): "
        "1\u00a0666,67\u00a0₽",
    )

    # An expense for Alice alone: nobody else hears of a share.
    await world.ok(
        world.ledger,
        "POST",
        f"/api/payments/periods/{pid}/expenses",
        token,
        {"amount": "300", "payment_type": "keys", "owner_ids": [ALICE.telegram_id]},
    )
    await world.reply(GROUP, "Alice recorded ₽300.00 keys")
    await world.reply(ALICE.telegram_id, "Your share of keys (₽300.00, recorded by Alice)")
    shares = [t for t in world.telegram.texts() if t.startswith(("Your share", "Ваша доля"))]
    assert len(shares) == 3
    assert world.telegram.texts(carol.telegram_id) == []


async def test_owners_the_gateway_has_not_heard_of_yet_come_from_the_ledger(world: World) -> None:
    """Owners added over REST a moment ago reach the gateway with the ledger's events; until then
    it asks the ledger, rather than say a community with owners has none."""
    cid, _, _ = await _setup(world)
    owners = (
        t.memberships.c.kind == "community",
        t.memberships.c.scope_id == cid,
        t.memberships.c.role == "owner",
    )

    async def heard_of_both() -> bool:
        async with world.app.state.runtime.db.session() as session:
            rows = (await session.execute(select(t.memberships.c.user_id).where(*owners))).all()
        return len(rows) == 2

    await eventually(heard_of_both, what="the owners' events at the gateway")
    async with world.app.state.runtime.db.transaction() as session:
        await session.execute(delete(t.memberships).where(*owners))  # as if not heard of yet

    await world.say(ALICE, group_chat(GROUP), "/pay 300 Bob")
    await world.reply(GROUP, "Contribution of ₽300.00 from Bob to July")
    before = len(world.telegram.sent())
    await world.say(ALICE, group_chat(GROUP), "/charge 40 fence")  # the treasurer picks
    picker = await world.reply(GROUP, "Whose is it?", after=before)
    names = [row[0]["text"] for row in picker["reply_markup"]["inline_keyboard"]]
    assert names[:2] == ["Alice", "Bob"], names
