"""Schemathesis over the ledger's OpenAPI (real PostgreSQL and Kafka), with a fixed budget: no
request may get a 5xx, every response must match its documented schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from ledger.app import create_app
from ledger.settings import Settings
from sosenki_platform.fuzzing import fuzz_openapi

pytestmark = pytest.mark.integration


async def test_the_ledger_api_survives_fuzzing(
    new_database: Callable[[str], Awaitable[str]], service_env: dict[str, str], make_token: Any
) -> None:
    settings = Settings(
        database_url=await new_database("ledger"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=service_env["SOSENKI_AUTH_PUBLIC_KEY"],
        write_rate_per_second=0,
    )
    # A treasurer of community 1 (the first one the fuzzer creates), so requests go past auth.
    token = make_token(1, communities=[1, 2, 3])
    report = await fuzz_openapi(create_app(settings), token=token, examples=6)
    print("ledger fuzz statuses:", dict(report.statuses))
    assert report.failures == [], "\n".join(report.failures)
    assert report.statuses[201] > 0 and report.statuses[400] > 0, report.statuses
