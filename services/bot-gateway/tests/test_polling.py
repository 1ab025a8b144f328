"""Long polling (no public address): the gateway asks the fake Bot API's ``getUpdates`` and
handles each update exactly as one posted to the webhook, once."""

from __future__ import annotations

from typing import Any

import pytest
from bot_gateway.fake_telegram import FakeTelegram
from bot_gateway.testing import SECRET, Person, message_update, private_chat
from sosenki_platform.testing import eventually

pytestmark = pytest.mark.integration

OLGA = Person(750001, "Olga", "olga", "ru")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def test_polled_updates_are_answered_like_webhook_ones_and_only_once(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    async with gateway_alone(telegram_webhook_url="") as (client, _):
        # One update arrived through the webhook before the switch to polling; Telegram then
        # hands it out again with the next one.
        seen = message_update(OLGA, private_chat(OLGA), "/help")
        response = await client.post("/telegram/webhook", json=seen, headers=HEADERS)
        assert response.json()["outcome"] == "processed"
        fresh = message_update(OLGA, private_chat(OLGA), "/start")
        fake_telegram.queue_update(seen)
        fake_telegram.queue_update(fresh)

        async def greeted() -> bool:
            return any(t.startswith("Здравствуйте, Olga!") for t in fake_telegram.texts())

        await eventually(greeted, what="the answer to the polled /start")

        # Both updates are confirmed: the next getUpdates asks from after the last one.
        async def confirmed() -> bool:
            return any(
                int(c.params.get("offset") or 0) == fresh["update_id"] + 1
                for c in fake_telegram.calls
                if c.method == "getUpdates"
            )

        await eventually(confirmed, what="getUpdates with the next offset")
    assert len([t for t in fake_telegram.texts() if t.startswith("Команды:")]) == 1
    assert fake_telegram.sent("deleteWebhook") and not fake_telegram.sent("setWebhook")
    assert {c.params.get("language_code") for c in fake_telegram.sent("setMyCommands")} == {
        "ru",
        "en",
        None,
    }
