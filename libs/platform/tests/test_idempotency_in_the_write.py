"""An Idempotency-Key commits with the write it protects: a request whose write did not commit
leaves its key free, and one whose write committed is answered from storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from pydantic import BaseModel
from sosenki_platform.auth.tokens import mint_token
from sosenki_platform.errors import Conflict
from sosenki_platform.requests import WriteSession, runtime_of
from sosenki_platform.service import Runtime, create_service_app
from sosenki_platform.settings import ServiceSettings
from sosenki_platform.tables import add_platform_tables
from sosenki_platform.testing import running_app
from sqlalchemy import MetaData, func, select
from starlette.requests import Request

pytestmark = pytest.mark.integration

MIGRATIONS = Path(__file__).resolve().parents[3] / "services/ledger/src/ledger/migrations"


class Thing(BaseModel):
    name: str


def _app(settings: ServiceSettings, behaviour: dict[str, str]) -> Any:
    tables = add_platform_tables(MetaData())
    runtime = Runtime(settings, tables, MIGRATIONS)
    router = APIRouter()

    @router.post("/things", status_code=201)
    async def record(thing: Thing, session: WriteSession, request: Request) -> dict[str, object]:
        # The write: an inbox row stands in for any table a service owns.
        await runtime_of(request).inbox.claim(session, thing.name, "thing", "t", 0, 0)
        if behaviour.get("mode") == "crash":
            raise RuntimeError("the process fell over after writing")
        if behaviour.get("mode") == "refuse":
            raise Conflict(f"{thing.name} is not welcome")
        count = await session.scalar(select(func.count()).select_from(tables.inbox))
        return {"name": thing.name, "rows": count}

    return create_service_app(runtime, title="SOSenki idempotency", routers=[router]), tables


async def test_the_key_is_released_when_the_write_fails_and_replayed_once_it_committed(
    new_database: Any, service_env: dict[str, str], signing_keys: tuple[str, str]
) -> None:
    settings = ServiceSettings(
        service_name="idem-test",
        database_url=await new_database("idem"),
        kafka_bootstrap_servers=service_env["SOSENKI_KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=service_env["SOSENKI_TOPIC_PREFIX"],
        auth_public_key=signing_keys[1],
    )
    behaviour = {"mode": "crash"}
    app, tables = _app(settings, behaviour)
    token = mint_token(signing_keys[0], "42")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "pay-1"}
    db = app.state.runtime.db

    async def stored() -> tuple[int, int]:
        async with db.session() as session:
            keys = await session.scalar(select(func.count()).select_from(tables.idempotency_keys))
            rows = await session.scalar(select(func.count()).select_from(tables.inbox))
        return int(keys or 0), int(rows or 0)

    async with running_app(app) as client:
        with pytest.raises(RuntimeError, match="fell over"):
            await client.post("/things", json={"name": "a"}, headers=headers)
        assert await stored() == (0, 0), "a failed write leaves neither its row nor its key"

        behaviour["mode"] = "ok"
        first = await client.post("/things", json={"name": "a"}, headers=headers)
        assert first.status_code == 201, first.text
        assert first.json() == {"name": "a", "rows": 1}
        assert await stored() == (1, 1)

        again = await client.post("/things", json={"name": "a"}, headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert await stored() == (1, 1)

        # A refusal rolls its write back to the savepoint but is stored and replayed.
        behaviour["mode"] = "refuse"
        refused_headers = {**headers, "Idempotency-Key": "pay-2"}
        refused = await client.post("/things", json={"name": "b"}, headers=refused_headers)
        assert refused.status_code == 409
        behaviour["mode"] = "ok"
        replayed = await client.post("/things", json={"name": "b"}, headers=refused_headers)
        assert (replayed.status_code, replayed.json()) == (409, refused.json())
        assert await stored() == (2, 1)
