"""The fake Bot API answers aiogram like Telegram does, records calls, and injects failures."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from bot_gateway.fake_telegram import BOT_USERNAME, FakeTelegram
from bot_gateway.gateway import make_bot
from bot_gateway.settings import Settings

pytestmark = pytest.mark.unit

TOKEN = "123:abc"


async def test_aiogram_talks_to_the_fake(fake_telegram: FakeTelegram) -> None:
    bot = make_bot(Settings(telegram_bot_token=TOKEN, telegram_api_base=fake_telegram.base_url))
    try:
        me = await bot.get_me()
        assert me.username == BOT_USERNAME
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Yes", callback_data="ok:1")]]
        )
        sent = await bot.send_message(42, "Привет", reply_markup=keyboard)
        assert sent.text == "Привет" and sent.chat.id == 42
        await bot.edit_message_text("Edited", chat_id=42, message_id=sent.message_id)
        await bot.send_photo(-100, BufferedInputFile(b"\x89PNG data", "c.png"), caption="Chart")
        assert await bot.answer_callback_query("q1", text="Done")
        assert await bot.set_webhook("https://example/hook", secret_token="abc")
        assert await bot.delete_webhook()
    finally:
        await bot.session.close()
    (message,) = fake_telegram.sent("sendMessage")
    assert message.token == TOKEN
    assert message.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Yes", "callback_data": "ok:1"}]]
    }
    (photo,) = fake_telegram.sent("sendPhoto")
    assert photo.files == {"photo": 9} and photo.params["caption"] == "Chart"
    assert fake_telegram.sent("editMessageText")[0].params["text"] == "Edited"
    assert fake_telegram.sent("setWebhook")[0].params["secret_token"] == "abc"


async def test_injected_429_and_5xx(fake_telegram: FakeTelegram) -> None:
    bot = make_bot(Settings(telegram_bot_token=TOKEN, telegram_api_base=fake_telegram.base_url))
    fake_telegram.fail_next("sendMessage", status=429, retry_after=3)
    fake_telegram.fail_next("sendMessage", status=502)
    try:
        with pytest.raises(TelegramRetryAfter) as too_many:
            await bot.send_message(1, "a")
        assert too_many.value.retry_after == 3
        with pytest.raises(TelegramServerError):
            await bot.send_message(1, "b")
        await bot.send_message(1, "c")
    finally:
        await bot.session.close()
    assert [c.status for c in fake_telegram.calls] == [429, 502, 200]
    assert fake_telegram.texts() == ["c"]


async def test_control_api_and_get_updates(fake_telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=fake_telegram.base_url) as http:
        await http.post("/_fake/fail", json={"method": "getMe", "status": 500})
        await http.post("/_fake/updates", json={"update_id": 7, "message": {}})
        bot_url = f"/bot{TOKEN}"
        assert (await http.post(f"{bot_url}/getMe")).status_code == 500
        got = (await http.post(f"{bot_url}/getUpdates", json={"offset": 0})).json()
        assert [u["update_id"] for u in got["result"]] == [7]
        got = (await http.post(f"{bot_url}/getUpdates", json={"offset": 8})).json()
        assert got["result"] == []
        calls = (await http.get("/_fake/calls", params={"method": "getMe"})).json()
        assert [c["status"] for c in calls] == [500]


async def test_injected_permanent_refusals_migration_and_held_answers(
    fake_telegram: FakeTelegram,
) -> None:
    bot = make_bot(Settings(telegram_bot_token=TOKEN, telegram_api_base=fake_telegram.base_url))
    fake_telegram.fail_next("sendMessage", status=400, chat_id=2)  # "chat not found", chat 2 only
    fake_telegram.refuse(3)  # blocked
    fake_telegram.migrate(-4, -1004)
    try:
        await bot.send_message(1, "to one")  # the failure aimed at chat 2 leaves chat 1 alone
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(2, "a")
        await bot.send_message(2, "b")
        for _ in range(2):
            with pytest.raises(TelegramForbiddenError, match="blocked"):
                await bot.send_message(3, "c")
        with pytest.raises(TelegramMigrateToChat) as migrated:
            await bot.send_message(-4, "d")
        assert migrated.value.migrate_to_chat_id == -1004
        with pytest.raises(TelegramBadRequest, match="too long"):
            await bot.send_message(1, "x" * 4097)
        hold = fake_telegram.hold_next("sendMessage")
        held = asyncio.create_task(bot.send_message(1, "held"))
        await asyncio.wait_for(hold.arrived.wait(), 5)
        assert fake_telegram.texts(1)[-1] == "held" and not held.done()  # accepted, unanswered
        hold.release()
        assert (await held).text == "held"
    finally:
        await bot.session.close()
    assert fake_telegram.texts() == ["to one", "b", "held"]


async def test_control_api_injects_refusals_and_migrations(fake_telegram: FakeTelegram) -> None:
    async with httpx.AsyncClient(base_url=fake_telegram.base_url) as http:
        bot_url = f"/bot{TOKEN}"
        await http.post("/_fake/refuse", json={"chat_id": 5, "status": 403})
        await http.post("/_fake/migrate", json={"chat_id": -6, "to": -1006})
        await http.post(
            "/_fake/fail",
            json={"method": "sendMessage", "status": 413, "chat_id": 7},
        )
        blocked = await http.post(f"{bot_url}/sendMessage", json={"chat_id": 5, "text": "a"})
        assert blocked.status_code == 403 and "blocked" in blocked.json()["description"]
        moved = await http.post(f"{bot_url}/sendMessage", json={"chat_id": -6, "text": "b"})
        assert moved.json()["parameters"] == {"migrate_to_chat_id": -1006}
        large = await http.post(f"{bot_url}/sendMessage", json={"chat_id": 7, "text": "c"})
        assert large.status_code == 413
        assert (await http.post(f"{bot_url}/sendMessage", json={"chat_id": 7})).status_code == 200
