"""Outgoing messages wait in a table: Telegram's 429 is waited out (the message arrives after
``retry_after``, once), per-chat pacing holds, and a restart loses nothing."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from bot_gateway.adapters import tables as t
from bot_gateway.fake_telegram import FakeTelegram
from bot_gateway.testing import SECRET, Person, message_update, private_chat
from sosenki_platform.testing import eventually
from sqlalchemy import select

pytestmark = pytest.mark.integration

ANNA = Person(800001, "Anna", "anna")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def test_429_is_waited_out_and_the_message_arrives_once(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    async with gateway_alone() as (client, _):
        fake_telegram.fail_next("sendMessage", status=429, retry_after=2)
        update = message_update(ANNA, private_chat(ANNA), "/help")
        assert (
            await client.post("/telegram/webhook", json=update, headers=HEADERS)
        ).status_code == 200

        async def delivered() -> list[Any] | None:
            return fake_telegram.sent("sendMessage") or None

        (message,) = await eventually(delivered, what="the message after retry_after")
        (refused,) = [c for c in fake_telegram.calls if c.status == 429]
        assert message.params["text"].startswith("Commands:")
        assert message.at - refused.at >= 2.0
        # Nothing else goes out later.
        await asyncio.sleep(1.0)
        assert len(fake_telegram.sent("sendMessage")) == 1


async def test_messages_in_one_chat_keep_their_order_and_pace(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    async with gateway_alone(send_interval_per_chat_seconds=0.5) as (client, _):
        for text in ("/help", "/start", "/lang ru"):
            update = message_update(ANNA, private_chat(ANNA), text)
            await client.post("/telegram/webhook", json=update, headers=HEADERS)

        async def three() -> list[Any] | None:
            sent = fake_telegram.sent("sendMessage")
            return sent if len(sent) == 3 else None

        sent = await eventually(three, what="three messages")
    assert sent[0].params["text"].startswith("Commands:")
    assert sent[1].params["text"].startswith("Hello, Anna!")
    assert sent[2].params["text"].startswith("Теперь")
    assert all(b.at - a.at >= 0.45 for a, b in itertools.pairwise(sent))


async def test_a_restart_loses_no_queued_message(
    gateway_alone: Any, fake_telegram: FakeTelegram, new_database: Any
) -> None:
    database = await new_database("bot_gateway")
    fake_telegram.fail_next("sendMessage", status=502, times=1000)
    async with gateway_alone(database) as (client, app):
        update = message_update(ANNA, private_chat(ANNA), "/help")
        await client.post("/telegram/webhook", json=update, headers=HEADERS)

        async def tried() -> bool:
            async with app.state.runtime.db.session() as session:
                attempts = await session.scalar(select(t.outgoing_messages.c.attempts))
            return bool(attempts)

        await eventually(tried, what="a failed attempt")
    assert fake_telegram.sent("sendMessage") == []
    fake_telegram.failures.clear()
    async with gateway_alone(database):

        async def delivered() -> list[Any] | None:
            return fake_telegram.sent("sendMessage") or None

        (message,) = await eventually(delivered, timeout=30, what="the queued message")
        assert message.params["text"].startswith("Commands:")


async def test_a_group_gets_no_more_than_its_limit_per_window_and_private_chats_go_on(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    """The real sender against the fake Bot API, with the group limit at 3 per 2-second window
    (Telegram's is 20 a minute; the window is shortened so the test does not wait a minute)."""
    group = {"id": -100800, "type": "supergroup", "title": "Cedars village"}
    limits = {
        "send_per_group_per_minute": 3,
        "send_group_window_seconds": 2.0,
        "send_interval_per_chat_seconds": 0.05,
    }
    async with gateway_alone(**limits) as (client, _):
        for _ in range(7):
            update = message_update(ANNA, group, "/help")
            assert (
                await client.post("/telegram/webhook", json=update, headers=HEADERS)
            ).status_code == 200
        update = message_update(ANNA, private_chat(ANNA), "/start")
        await client.post("/telegram/webhook", json=update, headers=HEADERS)

        async def all_sent() -> list[Any] | None:
            sent = [c for c in fake_telegram.sent() if int(c.params["chat_id"]) == group["id"]]
            return sent if len(sent) == 7 else None

        to_group = await eventually(all_sent, what="seven messages to the group")
    times = [c.at for c in to_group]
    # Any four messages in a row span at least the window: never a fourth within it.
    assert all(times[i + 3] - times[i] >= 1.95 for i in range(len(times) - 3))
    # The first three go at once (the per-chat pace only), the 7th waits two windows.
    assert times[2] - times[0] < 1.5
    assert times[6] - times[0] >= 3.9
    # The private chat did not wait behind the group.
    (private,) = [c for c in fake_telegram.sent() if int(c.params["chat_id"]) == ANNA.telegram_id]
    assert private.at < times[3]
