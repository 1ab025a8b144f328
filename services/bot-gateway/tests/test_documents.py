"""Documents from the bot, through the webhook against the fake Bot API and the real ledger and
reporting: ``/report`` offers the balance sheet and the presser's own statement as PDF and CSV;
each arrives as a document (``sendDocument``) with its file name, its text in the reader's
language and about the right owner; the read policy holds (an owner's statement only for them,
the balance sheet only when the community shows it to owners, forged buttons get nothing); and
closing a period sends each owner their statement as a PDF in private."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from bot_gateway.fake_telegram_calls import Call
from bot_gateway.testing import Person, World, callback_update, group_chat, private_chat
from pypdf import PdfReader
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration

ALICE = Person(720001, "Alice", "alice_d")
BOB = Person(720002, "Bob", "bob_d", "ru")
GROUP = -100720


def _pdf(call: Call) -> str:
    upload = call.uploads["document"]
    assert upload.data.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(upload.data)).pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


async def _document(world: World, chat_id: int, after: int) -> Call:
    async def found() -> Call | None:
        for call in world.telegram.sent("sendDocument")[after:]:
            if int(call.params["chat_id"]) == chat_id and call.status == 200:
                return call
        return None

    return await eventually(found, what=f"a document in chat {chat_id}")


def _buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        b["text"]: b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
    }


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
    for person in (ALICE, BOB):
        await world.become(person, person.telegram_id)
    world.telegram.set_admins(GROUP, [ALICE.telegram_id])
    await world.say(ALICE, group_chat(GROUP), "/lang en")
    await world.say(ALICE, group_chat(GROUP), f"/link community {cid}")
    await world.reply(GROUP, "linked to community Pines")
    for person, amount in ((ALICE, "1234567.50"), (BOB, "500.00")):
        await world.ok(
            world.ledger,
            "POST",
            f"/api/payments/periods/{pid}/contributions",
            token,
            {"user_id": person.telegram_id, "amount": amount},
        )
    return cid, pid, token


async def _press(world: World, person: Person, message: dict[str, Any], data: str) -> None:
    response = await world.post(callback_update(person, world.sent_message(message), data))
    assert response.status_code == 200, response.text


async def _answer(world: World, containing: str) -> None:
    async def found() -> bool:
        return any(
            containing in str(c.params.get("text", ""))
            for c in world.telegram.sent("answerCallbackQuery")
        )

    await eventually(found, what=f"a callback answer with {containing!r}")


async def test_report_sends_documents_and_close_sends_statements(world: World) -> None:
    cid, pid, token = await _setup(world)
    chat = group_chat(GROUP)

    async def offered() -> dict[str, Any] | None:
        before = len(world.telegram.sent("sendMessage"))
        await world.say(ALICE, chat, "/report")
        report = await world.reply(GROUP, "Balance sheet, July:", after=before)
        if "Bob: 500.00" not in report["text"]:
            return None  # reporting has not heard of Bob's payment yet
        return await world.reply(GROUP, "Documents to download:", after=before)

    offer = await eventually(offered, what="the report with Bob's payment, and its documents")
    buttons = _buttons(offer)
    assert set(buttons) == {
        "Balance sheet (PDF)",
        "Balance sheet (CSV)",
        "My statement (PDF)",
        "My statement (CSV)",
    }

    # The balance sheet, in the group, in the group's language (English).
    after = len(world.telegram.sent("sendDocument"))
    await _press(world, ALICE, offer, buttons["Balance sheet (PDF)"])
    sheet = await _document(world, GROUP, after)
    assert sheet.uploads["document"].filename == "balance-sheet-July.pdf"
    assert sheet.params["caption"] == "Pines: balance sheet, July"
    text = _pdf(sheet)
    assert "Balance sheet: July" in text and "Pines" in text and "Page 1 of 1" in text
    assert "Alice" in text and "Bob" in text and "₽1,234,567.50" in text and "₽500.00" in text
    assert "owner_id" not in text

    after = len(world.telegram.sent("sendDocument"))
    await _press(world, ALICE, offer, buttons["Balance sheet (CSV)"])
    table = await _document(world, GROUP, after)
    assert table.uploads["document"].filename == "balance-sheet-July.csv"
    rows = list(csv.DictReader(io.StringIO(table.uploads["document"].data.decode("utf-8-sig"))))
    assert [(r["Owner"], r["Balance, ₽"]) for r in rows[:2]] == [
        ("Alice", "1234567.50"),
        ("Bob", "500.00"),
    ]

    # Bob presses "my statement" in the group: his own, in his private chat, in Russian.
    after = len(world.telegram.sent("sendDocument"))
    await _press(world, BOB, offer, buttons["My statement (PDF)"])
    mine = await _document(world, BOB.telegram_id, after)
    await _answer(world, "Sent to you in a private chat")  # the group speaks English
    assert mine.uploads["document"].filename == "выписка-Bob.pdf"
    text = _pdf(mine)
    assert "Выписка: Bob" in text and "Оплачивать нечего: переплата 500,00 ₽" in text
    assert "Alice" not in text and "1 234 567,50" not in text
    assert not [
        c
        for c in world.telegram.sent("sendDocument")[after:]
        if c.params["chat_id"] in (GROUP, str(GROUP))
    ]

    # The community stops showing owners the balance sheet: Bob's /report offers only his
    # statement, and a forged balance sheet button gets him nothing.
    await world.ok(
        world.ledger,
        "PUT",
        f"/api/payments/communities/{cid}/settings",
        token,
        {"owners_see_balance_sheet": False},
    )
    bob_token = world.make_token(BOB.telegram_id, communities=[cid])

    async def hidden() -> bool:
        r = await world.reporting.get(
            f"/api/payments/periods/{pid}/balance-sheet",
            headers={"Authorization": f"Bearer {bob_token}"},
        )
        return r.status_code == 403

    await eventually(hidden, what="reporting hides the balance sheet from owners")
    before = len(world.telegram.sent("sendMessage"))
    await world.say(BOB, private_chat(BOB), "/report")
    own = await world.reply(BOB.telegram_id, "Документы для скачивания:", after=before)
    assert set(_buttons(own)) == {"Моя выписка (PDF)", "Моя выписка (CSV)"}
    after = len(world.telegram.sent("sendDocument"))
    await _press(world, BOB, own, f"dc:s:pdf:{cid}:{pid}")
    await _answer(world, "Этот документ вам недоступен")
    # ... and a statement button cannot name another owner: it is always the presser's.
    await _press(world, BOB, own, _buttons(own)["Моя выписка (CSV)"])
    table = await _document(world, BOB.telegram_id, after)
    assert table.uploads["document"].filename == "выписка-Bob.csv"
    body = table.uploads["document"].data.decode("utf-8-sig")
    assert "Alice" not in body and "Период" in body and "500.00" in body
    assert [c for c in world.telegram.sent("sendDocument")[after:]] == [table]

    # Closing the period: each owner gets their statement as a PDF in private, in their language.
    closing = len(world.telegram.sent("sendDocument"))
    await world.ok(world.ledger, "POST", f"/api/payments/periods/{pid}/close", token, {})
    alice_pdf = await _document(world, ALICE.telegram_id, closing)
    bob_pdf = await _document(world, BOB.telegram_id, closing)
    assert alice_pdf.uploads["document"].filename == "statement-Alice.pdf"
    text = _pdf(alice_pdf)
    assert "Statement of Alice" in text and "₽1,234,567.50" in text and "Bob" not in text
    assert bob_pdf.uploads["document"].filename == "выписка-Bob.pdf"
    text = _pdf(bob_pdf)
    assert "Выписка: Bob" in text and "500,00 ₽" in text and "Alice" not in text
