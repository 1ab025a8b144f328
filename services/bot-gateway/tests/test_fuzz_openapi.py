"""Schemathesis over the bot gateway's OpenAPI, the gateway wired to the real ledger, splits and
reporting in-process (real PostgreSQL and Kafka, a fake Telegram), with a fixed budget: no request
may get a 5xx, every response must match its documented schema."""

from __future__ import annotations

import pytest
from bot_gateway.testing import World
from sosenki_platform.fuzzing import fuzz_openapi

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("world_settings", [{"write_rate_per_second": 0}], indirect=True)
async def test_the_gateway_api_survives_fuzzing(world: World) -> None:
    token = world.make_token(1, communities=[1, 2, 3], groups=[1, 2, 3])
    report = await fuzz_openapi(world.app, token=token, examples=6, already_running=True)
    print("gateway fuzz statuses:", dict(report.statuses))
    assert report.failures == [], "\n".join(report.failures)
    assert report.statuses[400] > 0, report.statuses
