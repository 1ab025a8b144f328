"""The per-Telegram-user limit on bot commands, through the real webhook: a user who floods the
bot gets one polite reply and their extra commands are dropped; other users are not affected."""

from __future__ import annotations

import re

import pytest
from bot_gateway.testing import Person, World, private_chat

pytestmark = pytest.mark.integration

EVE = Person(700101, "Eve", "eve_floods")
DAN = Person(700102, "Dan", "dan_calm")


@pytest.mark.parametrize(
    "world_settings", [{"command_rate_per_second": 0.1, "command_burst": 3}], indirect=True
)
async def test_a_flood_of_commands_gets_one_polite_reply(world: World) -> None:
    chat = private_chat(EVE)
    for _ in range(6):
        await world.say(EVE, chat, "/help")
    await world.reply(EVE.telegram_id, "sending commands faster than I can keep up with")
    to_eve = [
        call.params["text"]
        for call in world.telegram.sent("sendMessage")
        if int(call.params["chat_id"]) == EVE.telegram_id
    ]
    notices = [text for text in to_eve if "faster" in text]
    helps = [text for text in to_eve if "faster" not in text]
    assert len(helps) == 3 and len(notices) == 1
    assert len(set(helps)) == 1, helps  # the same answer three times
    assert re.search(r"wait (9|10) seconds and try again", notices[0])
    # Someone else is not held back by Eve.
    await world.say(DAN, private_chat(DAN), "/help")
    await world.reply(DAN.telegram_id, "Commands")
