"""The gateway in-process against real PostgreSQL and Kafka, with a fake Telegram Bot API (a real
local HTTP server) and the ledger, reporting and splits apps in-process behind its HTTP client.

Each test has topics of its own, so the gateway never sees another test's events (fresh
databases of other tests reuse the same ids)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from bot_gateway.app import create_app
from bot_gateway.fake_telegram import FakeTelegram
from bot_gateway.settings import Settings
from bot_gateway.testing import SECRET, World
from ledger.app import create_app as create_ledger
from ledger.settings import Settings as LedgerSettings
from reporting.app import create_app as create_reporting
from reporting.settings import Settings as ReportingSettings
from sosenki_platform.testing import Infrastructure, running_app
from sosenki_platform.topic_admin import delete_topics_with_prefix
from splits.app import create_app as create_splits
from splits.settings import Settings as SplitsSettings

BOT_TOKEN = "123456:TEST-token_for-the-fake"


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


def gateway_settings(
    database_url: str,
    infrastructure: Infrastructure,
    prefix: str,
    keys: tuple[str, str],
    fake: FakeTelegram,
    **extra: Any,
) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": infrastructure.kafka_bootstrap_servers,
        "topic_prefix": prefix,
        "auth_public_key": keys[1],
        "auth_private_key": keys[0],
        "telegram_bot_token": BOT_TOKEN,
        "telegram_api_base": fake.base_url,
        "telegram_webhook_secret": SECRET,
        "telegram_webhook_url": "https://gateway.example/telegram/webhook",
        "ledger_url": "http://ledger",
        "reporting_url": "http://reporting",
        "splits_url": "http://splits",
        "relay_poll_interval_seconds": 0.05,
        "sender_poll_interval_seconds": 0.05,
        "send_interval_per_chat_seconds": 0.05,
        "send_per_group_per_minute": 1000,  # tests talk fast; the limit has its own test
        "result_wait_seconds": 5.0,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
async def test_prefix(infrastructure: Infrastructure) -> AsyncIterator[str]:
    """Topics of this test only (deleted afterwards, so the broker does not fill up)."""
    prefix = f"g{uuid.uuid4().hex[:8]}."
    yield prefix
    await delete_topics_with_prefix(infrastructure.kafka_bootstrap_servers, prefix)


class Restartable:
    """An app in-process that a test can stop and start again (a new app on the same database and
    topics, as after a crash); HTTP calls reach whichever app runs now."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self.app: Any = None
        self._running: AbstractAsyncContextManager[httpx.AsyncClient] | None = None

    async def start(self) -> None:
        assert self._running is None
        self.app = self._make()
        self._running = running_app(self.app)
        await self._running.__aenter__()

    async def stop(self) -> None:
        if self._running is not None:
            running, self._running = self._running, None
            await running.__aexit__(None, None, None)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture
def world_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The gateway's settings a test wants changed:
    ``@pytest.mark.parametrize("world_settings", [{...}], indirect=True)``."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
async def world(
    new_database: Callable[[str], Awaitable[str]],
    infrastructure: Infrastructure,
    signing_keys: tuple[str, str],
    make_token: Any,
    fake_telegram: FakeTelegram,
    test_prefix: str,
    world_settings: dict[str, Any],
) -> AsyncIterator[World]:
    common = {
        "kafka_bootstrap_servers": infrastructure.kafka_bootstrap_servers,
        "topic_prefix": test_prefix,
        "auth_public_key": signing_keys[1],
        "relay_poll_interval_seconds": 0.05,
    }
    async with AsyncExitStack() as stack:
        ledger_app = create_ledger(
            LedgerSettings(database_url=await new_database("ledger"), **common)
        )
        reporting_app = create_reporting(
            ReportingSettings(database_url=await new_database("reporting"), **common)
        )
        splits_settings = SplitsSettings(database_url=await new_database("splits"), **common)
        splits_app = Restartable(lambda: create_splits(splits_settings))
        ledger = await stack.enter_async_context(running_app(ledger_app))
        reporting = await stack.enter_async_context(running_app(reporting_app))
        await splits_app.start()
        stack.push_async_callback(splits_app.stop)
        splits = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=splits_app), base_url="http://splits"
            )
        )
        services = httpx.AsyncClient(
            mounts={
                "http://ledger": httpx.ASGITransport(app=ledger_app),
                "http://reporting": httpx.ASGITransport(app=reporting_app),
                "http://splits": httpx.ASGITransport(app=splits_app),
            },
            timeout=10.0,
        )
        settings = gateway_settings(
            await new_database("bot_gateway"),
            infrastructure,
            test_prefix,
            signing_keys,
            fake_telegram,
            **world_settings,
        )
        app = create_app(settings, http_client=services)
        gateway = await stack.enter_async_context(running_app(app))
        yield World(
            gateway=gateway,
            telegram=fake_telegram,
            ledger=ledger,
            reporting=reporting,
            splits=splits,
            make_token=make_token,
            app=app,
            settings=settings,
            splits_service=splits_app,
        )


@pytest.fixture
def gateway_alone(
    new_database: Callable[[str], Awaitable[str]],
    infrastructure: Infrastructure,
    signing_keys: tuple[str, str],
    fake_telegram: FakeTelegram,
    test_prefix: str,
) -> Callable[..., Any]:
    """Run a gateway without the other services: ``async with gateway_alone(db) as (client,
    app)``; pass the same database URL again to restart it on its data."""

    @asynccontextmanager
    async def run(
        database_url: str | None = None, **extra: Any
    ) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
        settings = gateway_settings(
            database_url or await new_database("bot_gateway"),
            infrastructure,
            test_prefix,
            signing_keys,
            fake_telegram,
            **extra,
        )
        app = create_app(settings)
        async with running_app(app) as client:
            yield client, app

    return run
