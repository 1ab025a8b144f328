"""The fake Bot API answers aiogram like Telegram does, records calls, and injects failures."""

from __future__ import annotations

import httpx
import pytest
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
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
