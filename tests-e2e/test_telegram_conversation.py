"""A whole Telegram conversation across real processes: the ledger, splits, reporting, the bot
gateway and the fake Bot API, on real Kafka. A treasurer says ``/start`` (the bot tells her user
number), links the group chat, says ``/pay 1000 June``, confirms; the ledger has the contribution
once and ``/balance`` shows it."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import httpx
import pytest
from bot_gateway.fake_telegram import BOT_USERNAME
from bot_gateway.testing import (
    SECRET,
    Person,
    callback_update,
    group_chat,
    message_update,
    private_chat,
)
from sosenki_platform.testing import eventually, free_port

pytestmark = pytest.mark.e2e

BOT_TOKEN = "987654:e2e-token"
ALICE = Person(730001, "Alice", "alice_e2e")
GROUP = -100424242
P = "/api/payments"


@pytest.fixture
async def fake_telegram_process() -> Any:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot_gateway.fake_telegram",
        "--port",
        str(port),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    async def up() -> bool:
        async with httpx.AsyncClient() as http:
            return (await http.get(f"{url}/_fake/calls")).status_code == 200

    try:
        await eventually(up, what="the fake Bot API")
        yield url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)


async def test_link_pay_confirm_and_balance(
    start_service: Any, make_token: Any, signing_keys: tuple[str, str], fake_telegram_process: str
) -> None:
    ledger = await start_service("ledger")
    reporting = await start_service("reporting")
    splits = await start_service("splits")  # the gateway asks it where a user belongs
    gateway = await start_service(
        "bot_gateway",
        SOSENKI_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
        SOSENKI_TELEGRAM_API_BASE=fake_telegram_process,
        SOSENKI_TELEGRAM_WEBHOOK_SECRET=SECRET,
        SOSENKI_TELEGRAM_WEBHOOK_URL="https://gateway.example/telegram/webhook",
        SOSENKI_AUTH_PRIVATE_KEY=signing_keys[0],
        SOSENKI_LEDGER_URL=ledger.url,
        SOSENKI_SPLITS_URL=splits.url,
        SOSENKI_REPORTING_URL=reporting.url,
        SOSENKI_SEND_PER_GROUP_PER_MINUTE="1000",
    )
    fake = httpx.AsyncClient(base_url=fake_telegram_process)
    bot = httpx.AsyncClient(
        base_url=gateway.url, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    api = httpx.AsyncClient(base_url=ledger.url)
    chat = group_chat(GROUP)

    async def post(update: dict[str, Any]) -> None:
        response = await bot.post("/telegram/webhook", json=update)
        assert response.status_code == 200, response.text

    async def reply(containing: str, after: int = 0, chat_id: int = GROUP) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            calls = (await fake.get("/_fake/calls", params={"method": "sendMessage"})).json()
            for call in [c for c in calls if c["status"] == 200][after:]:
                if (
                    int(call["params"]["chat_id"]) == chat_id
                    and containing in call["params"]["text"]
                ):
                    return dict(call["params"])
            return None

        return await eventually(found, what=f"a reply with {containing!r}")

    async def sent_count() -> int:
        calls = (await fake.get("/_fake/calls", params={"method": "sendMessage"})).json()
        return len([c for c in calls if c["status"] == 200])

    try:
        # Her first word to the bot makes her a user; it tells her the number.
        await post(message_update(ALICE, private_chat(ALICE), "/start"))
        started = await reply("Your user number", chat_id=ALICE.telegram_id)
        alice = int(started["text"].rstrip(".").rsplit(" ", 1)[-1])
        assert alice != ALICE.telegram_id  # never the Telegram id
        # The treasurer's community, with her as an owner.
        headers = {"Authorization": f"Bearer {make_token(alice)}"}
        cid = (await api.post(f"{P}/communities", json={"name": "Cedars"}, headers=headers)).json()[
            "id"
        ]
        headers = {"Authorization": f"Bearer {make_token(alice, communities=[cid])}"}
        owner = {"user_id": alice, "display_name": "Alice", "ownership_share": "1"}
        r = await api.post(f"{P}/communities/{cid}/owners", json=owner, headers=headers)
        assert r.status_code == 201, r.text
        period = {
            "community_id": cid,
            "name": "June",
            "start_date": "2025-06-01",
            "end_date": "2025-06-30",
        }
        pid = (await api.post(f"{P}/periods", json=period, headers=headers)).json()["id"]

        # Only a chat administrator (as Telegram says: getChatMember) who is treasurer links it.
        admins = {"chat_id": GROUP, "user_ids": [ALICE.telegram_id]}
        assert (await fake.post("/_fake/admins", json=admins)).status_code == 200
        await post(message_update(ALICE, chat, f"/link@{BOT_USERNAME} community {cid}"))
        await reply("linked to community Cedars.")
        pay = message_update(ALICE, chat, "/pay 1000 June")
        await post(pay)
        await post(pay)  # Telegram retried
        question = await reply("Contribution of ₽1,000.00 from Alice to June (June)")
        confirm = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        message = {
            "message_id": 77,
            "from": {"id": 1, "is_bot": True, "first_name": "SOSenki", "username": BOT_USERNAME},
            "chat": chat,
            "date": question.get("date", 1700000000),
            "text": question["text"],
        }
        tap = callback_update(ALICE, message, confirm)
        await post(tap)
        await post(tap)
        await reply("Recorded: contribution ₽1,000.00 from Alice (June).")
        contributions = (await api.get(f"{P}/periods/{pid}/contributions", headers=headers)).json()
        assert [(c["amount"], c["comment"]) for c in contributions] == [("1000.00", "June")]

        async def balance_shows_it() -> dict[str, Any] | None:
            before = await sent_count()
            await post(message_update(ALICE, chat, f"/balance@{BOT_USERNAME}"))
            answer = await reply("Cedars, June: balance", after=before)
            return answer if "paid ₽1,000.00" in answer["text"] else None

        answer = await eventually(balance_shows_it, what="/balance with the contribution")
        assert "balance ₽1,000.00" in answer["text"]
        # What Telegram was asked at start-up.
        hooks = (await fake.get("/_fake/calls", params={"method": "setWebhook"})).json()
        assert hooks[0]["params"]["secret_token"] == SECRET
    finally:
        await fake.aclose()
        await bot.aclose()
        await api.aclose()
