"""Delivery to Telegram, against the fake Bot API and the real PostgreSQL: a permanent refusal
fails that message only, a 429 or 5xx holds only its chat, a migrated group gets its messages at
the new id, a pass that fails after Telegram accepted a message does not send it again, a message
left in flight by a dead sender is never sent twice, chats are served in turn, the global cap
holds, old messages are pruned and the queue is seen in the metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from bot_gateway.adapters import tables as t
from bot_gateway.adapters.repository import Repository
from bot_gateway.fake_telegram import FakeTelegram
from bot_gateway.testing import SECRET, Person, message_update, private_chat
from prometheus_client.parser import text_string_to_metric_families
from sosenki_platform.testing import Infrastructure, eventually
from sqlalchemy import Row, select, text

pytestmark = pytest.mark.integration

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


async def queue(app: Any, messages: list[tuple[int, str]]) -> None:
    """Queue messages in one transaction, as a notification or a handler does."""
    async with app.state.gateway.unit_of_work() as session:
        repo = Repository(session)
        for chat_id, words in messages:
            await repo.enqueue(chat_id, "sendMessage", {"text": words})


async def rows(app: Any) -> list[Row[Any]]:
    m = t.outgoing_messages
    async with app.state.runtime.db.session() as session:
        return list((await session.execute(select(m).order_by(m.c.id))).all())


def by_text(found: list[Row[Any]]) -> dict[str, Row[Any]]:
    return {str(r.params["text"]): r for r in found}


async def settled(app: Any) -> list[Row[Any]]:
    """The queue once nothing in it is pending any more."""

    async def done() -> list[Row[Any]] | None:
        found = await rows(app)
        return found if all(r.sent_at or r.failed_at for r in found) else None

    return await eventually(done, what="every message sent or failed")


async def test_a_permanent_refusal_fails_that_message_and_the_chat_goes_on(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    """Each chat's first reply is refused for good (through the webhook, as users cause them);
    the refusal is recorded with its reason after one attempt, and the chat's next reply goes."""
    refusals = [
        (Person(810001, "Anna", "anna"), 403, "Forbidden: bot was blocked by the user", "blocked"),
        (Person(810002, "Boris", "boris"), 400, "Bad Request: chat not found", "chat_not_found"),
        (Person(810003, "Vera", "vera"), 413, "Request Entity Too Large", "too_large"),
        (Person(810004, "Gleb", "gleb"), 409, "Conflict: terminated by other request", "conflict"),
        (Person(810005, "Dina", "dina"), 400, "Bad Request: can't parse entities", "bad_request"),
    ]
    fine = Person(810006, "Egor", "egor")
    for person, status, description, _ in refusals:
        fake_telegram.fail_next(
            "sendMessage", status=status, description=description, chat_id=person.telegram_id
        )
    async with gateway_alone() as (client, app):
        for person in [*(r[0] for r in refusals), fine]:
            for command in ("/help", "/start"):
                update = message_update(person, private_chat(person), command)
                response = await client.post("/telegram/webhook", json=update, headers=HEADERS)
                assert response.status_code == 200
        found = await settled(app)
    for person, status, description, reason in refusals:
        help_reply, start_reply = [r for r in found if r.chat_id == person.telegram_id]
        assert help_reply.failed_at is not None and help_reply.sent_at is None
        assert help_reply.failure == reason and description in help_reply.last_error
        assert help_reply.attempts == 1  # never retried
        assert start_reply.sent_at is not None and start_reply.failure is None
        (delivered,) = fake_telegram.texts(person.telegram_id)
        assert delivered.startswith(f"Hello, {person.first_name}!")
        refused = [c for c in fake_telegram.calls if c.status == status]
        assert any(int(c.params["chat_id"]) == person.telegram_id for c in refused)
    first, second = fake_telegram.texts(fine.telegram_id)
    assert first.startswith("Commands:") and second.startswith("Hello, Egor!")


async def test_a_429_or_5xx_holds_only_its_chat_in_order(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    waiting, flaky, calm = 820001, 820002, 820003
    fake_telegram.fail_next("sendMessage", status=429, retry_after=2, chat_id=waiting)
    fake_telegram.fail_next("sendMessage", status=502, times=2, chat_id=flaky)
    async with gateway_alone() as (_, app):
        await queue(
            app,
            [
                (waiting, "w1"),
                (waiting, "w2"),
                (flaky, "f1"),
                (flaky, "f2"),
                (calm, "c1"),
                (calm, "c2"),
            ],
        )
        found = by_text(await settled(app))
    assert all(r.sent_at is not None and r.failure is None for r in found.values())
    assert fake_telegram.texts(waiting) == ["w1", "w2"]
    assert fake_telegram.texts(flaky) == ["f1", "f2"]
    assert fake_telegram.texts(calm) == ["c1", "c2"]
    accepted = {str(c.params["text"]): c.at for c in fake_telegram.sent()}
    (too_many,) = [c for c in fake_telegram.calls if c.status == 429]
    # retry_after is honoured, and nothing of that chat went meanwhile.
    assert accepted["w1"] - too_many.at >= 2.0
    to_waiting = [
        c
        for c in fake_telegram.calls
        if c.method == "sendMessage" and int(c.params["chat_id"]) == waiting
    ]
    assert to_waiting == [
        too_many,
        *[c for c in fake_telegram.sent() if int(c.params["chat_id"]) == waiting],
    ]
    assert found["w1"].attempts == 2 and found["f1"].attempts == 3
    # The other chats did not wait for it.
    assert accepted["c2"] < accepted["w1"] and accepted["f2"] < accepted["w1"]


async def test_a_migrated_group_gets_its_messages_at_the_new_id(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    old, new = -820100, -1000820100
    fake_telegram.migrate(old, new)
    async with gateway_alone() as (_, app):
        async with app.state.gateway.unit_of_work() as session:
            await Repository(session).save_chat(old, "group", community_id=7)
        await queue(app, [(old, "g1"), (old, "g2")])
        found = by_text(await settled(app))
        async with app.state.runtime.db.session() as session:
            repo = Repository(session)
            moved, gone = await repo.chat(new), await repo.chat(old)
    assert fake_telegram.texts(new) == ["g1", "g2"]
    assert fake_telegram.texts(old) == []
    assert all(r.chat_id == new and r.sent_at is not None for r in found.values())
    assert moved is not None and moved.community_id == 7 and gone is None


async def test_a_pass_that_fails_after_telegram_accepted_does_not_send_again(
    gateway_alone: Any,
    fake_telegram: FakeTelegram,
    new_database: Callable[[str], Awaitable[str]],
    infrastructure: Infrastructure,
) -> None:
    """Every connection of the gateway's database is cut while Telegram holds its "accepted"
    (the sender's pass and its lock die with them); the message is recorded once, not re-sent."""
    database = await new_database("bot_gateway")
    chat = 830001
    hold = fake_telegram.hold_next("sendMessage")
    async with gateway_alone(database) as (_, app):
        await queue(app, [(chat, "first"), (chat, "second")])
        await asyncio.wait_for(hold.arrived.wait(), timeout=20)
        admin = await asyncpg.connect(infrastructure.pg_admin_url)
        try:
            cut = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database.rsplit("/", 1)[1],
            )
        finally:
            await admin.close()
        assert cut >= 1
        hold.release()
        found = by_text(await settled(app))
        await asyncio.sleep(1.5)  # a re-send would come within a few passes
        assert fake_telegram.texts(chat) == ["first", "second"]
    sends = [c for c in fake_telegram.calls if c.method == "sendMessage"]
    assert [(c.params["text"], c.status) for c in sends] == [("first", 200), ("second", 200)]
    assert found["first"].sent_at is not None and found["first"].attempts == 1
    assert found["first"].telegram_message_id is not None


async def test_a_message_left_in_flight_or_too_old_is_given_up_and_its_chat_goes_on(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    """A sender that died between claiming a message and recording Telegram's answer left it
    in flight: it may have been delivered, so it is failed as ``in_doubt``, never re-sent. A
    message still failing for a passing reason a day after it was queued is failed as
    ``expired``."""
    chat, late = 840001, 840002
    fake_telegram.fail_next("sendMessage", status=502, chat_id=late)
    insert = text(
        "INSERT INTO outgoing_messages (chat_id, method, params, created_at, attempts, sending_at)"
        " VALUES (:chat, 'sendMessage', CAST(:params AS jsonb), now() - CAST(:age AS interval),"
        " :attempts, CASE WHEN :attempts > 0 THEN now() - interval '1 minute' END)"
    )
    async with gateway_alone() as (_, app):
        async with app.state.runtime.db.transaction() as session:
            for chat_id, words, age, attempts in [
                (chat, "maybe delivered", timedelta(minutes=1), 1),
                (late, "yesterday's news", timedelta(hours=25), 0),
            ]:
                params = f'{{"chat_id": {chat_id}, "text": "{words}"}}'
                await session.execute(
                    insert, {"chat": chat_id, "params": params, "age": age, "attempts": attempts}
                )
            await Repository(session).enqueue(chat, "sendMessage", {"text": "next"})
            await Repository(session).enqueue(late, "sendMessage", {"text": "today's news"})
        found = by_text(await settled(app))
    assert fake_telegram.texts(chat) == ["next"]
    doubtful = found["maybe delivered"]
    assert doubtful.failure == "in_doubt" and doubtful.sent_at is None
    assert doubtful.sending_at is None
    assert fake_telegram.texts(late) == ["today's news"]
    expired = found["yesterday's news"]
    assert expired.failure == "expired" and expired.attempts == 1
    assert "Internal Server Error" in expired.last_error


async def test_150_chats_are_each_served_before_any_gets_a_second_message(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    """Each chat queues two messages (its own ids adjacent, lowest chat ids first); one at a
    time, so the order at the fake is the order of sending, and passes of 100 messages, so
    serving spans several passes."""
    chats = list(range(850001, 850151))
    async with gateway_alone(send_global_per_second=100, send_concurrency=1) as (_, app):
        await queue(app, [(chat, f"{chat}:{n}") for chat in chats for n in (1, 2)])

        async def all_sent() -> list[Any] | None:
            sent = fake_telegram.sent()
            return sent if len(sent) >= 2 * len(chats) else None

        sent = await eventually(all_sent, timeout=60, what="300 messages")
    first_round = [int(c.params["chat_id"]) for c in sent[: len(chats)]]
    assert sorted(first_round) == chats
    assert all(str(c.params["text"]).endswith(":2") for c in sent[len(chats) :])
    assert len(sent) == 2 * len(chats)


async def test_the_global_cap_holds_over_any_second(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    cap, chats = 20, list(range(860001, 860061))
    async with gateway_alone(send_global_per_second=cap) as (_, app):
        await queue(app, [(chat, "hello") for chat in chats])

        async def all_sent() -> list[float] | None:
            times = sorted(c.at for c in fake_telegram.sent())
            return times if len(times) == len(chats) else None

        times = await eventually(all_sent, timeout=30, what="60 messages")
    # Never more than ``cap`` in any second (the fake and the sender read different clocks) ...
    assert all(b - a >= 0.99 for a, b in zip(times, times[cap:], strict=False))
    # ... and not much slower: three seconds of the cap go in about two (six on a busy machine).
    assert times[-1] - times[0] < 6.0
    assert len(set(int(c.params["chat_id"]) for c in fake_telegram.sent())) == len(chats)


async def test_old_sent_and_failed_messages_are_pruned(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    ages = {
        "sent 3h ago": ("sent_at", "3 hours"),
        "sent 10min ago": ("sent_at", "10 minutes"),
        "failed 90min ago": ("failed_at", "90 minutes"),
        "failed 3h ago": ("failed_at", "3 hours"),
    }
    settings = {
        "sent_messages_keep_hours": 1,
        "failed_messages_keep_hours": 2,
        "outgoing_prune_interval_seconds": 0.2,
    }
    async with gateway_alone(**settings) as (_, app):
        async with app.state.runtime.db.transaction() as session:
            for n, (words, (column, age)) in enumerate(ages.items()):
                await session.execute(
                    text(
                        "INSERT INTO outgoing_messages (chat_id, method, params, created_at,"
                        f" {column}) VALUES (:chat, 'sendMessage', CAST(:params AS jsonb),"
                        f" now() - interval '{age}', now() - interval '{age}')"
                    ),
                    {"chat": 870001 + n, "params": f'{{"chat_id": 1, "text": "{words}"}}'},
                )
        # A message queued long ago and still waiting is never pruned (it is sent instead).
        fake_telegram.fail_next("sendMessage", status=502, times=3)
        await queue(app, [(870010, "waiting")])

        async def pruned() -> set[str] | None:
            left = set(by_text(await rows(app)))
            return left if len(left) == 3 else None

        left = await eventually(pruned, what="the old messages pruned")
    assert left == {"sent 10min ago", "failed 90min ago", "waiting"}


def metric(exposition: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def test_the_queue_and_its_failures_are_in_the_metrics(
    gateway_alone: Any, fake_telegram: FakeTelegram
) -> None:
    stuck, blocked = 880001, 880002
    fake_telegram.fail_next("sendMessage", status=502, times=1000, chat_id=stuck)
    fake_telegram.refuse(blocked)
    service = {"service": "bot-gateway"}
    async with gateway_alone(sender_metrics_interval_seconds=0.1) as (client, app):
        before = (await client.get("/metrics")).text
        await queue(app, [(stuck, "s1"), (stuck, "s2"), (blocked, "b1")])

        async def seen() -> str | None:
            now = (await client.get("/metrics")).text
            ready = (
                metric(now, "telegram_outgoing_pending", **service) == 2
                and metric(now, "telegram_outgoing_failed_kept", **service) == 1
                and metric(now, "telegram_outgoing_oldest_pending_seconds", **service) >= 1.0
            )
            return now if ready else None

        after = await eventually(seen, what="the queue in the metrics")
    failed = "telegram_outgoing_failed_total"
    retried = "telegram_outgoing_retries_total"
    blocked_labels = {**service, "reason": "blocked"}
    server_labels = {**service, "reason": "server_error"}
    assert metric(after, failed, **blocked_labels) - metric(before, failed, **blocked_labels) == 1
    assert metric(after, retried, **server_labels) > metric(before, retried, **server_labels)
