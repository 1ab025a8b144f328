"""The last line of defence, against a real PostgreSQL: whatever input still reaches the database
and is refused there becomes a clear 400 or 409 with a detail, never a 500, and is logged."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sosenki_platform.db_errors import database_refusal
from sosenki_platform.http import install_error_handlers
from sqlalchemy import BigInteger, Integer, Numeric, Text, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(new_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    url = (await new_database("refusals")).replace("postgresql://", "postgresql+asyncpg://")
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE things (id BIGINT PRIMARY KEY, units INTEGER, "
                "amount NUMERIC(20, 4), name TEXT NOT NULL CHECK (name <> ''))"
            )
        )
        await conn.execute(text("INSERT INTO things VALUES (1, 1, 1, 'one')"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose route writes whatever it is given, unchecked (as a bug would)."""
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/things")
    async def insert(body: dict[str, Any]) -> dict[str, str]:
        statement = text(
            "INSERT INTO things (id, units, amount, name) VALUES (:id, :units, :amount, :name)"
        ).bindparams(
            bindparam("id", type_=BigInteger),
            bindparam("units", type_=Integer),
            bindparam("amount", type_=Numeric),
            bindparam("name", type_=Text),
        )
        values = {"id": 2, "units": 1, "amount": Decimal(1), "name": "two", **body}
        if isinstance(values["amount"], str):
            values["amount"] = Decimal(values["amount"])
        async with engine.begin() as conn:
            await conn.execute(statement, values)
        return {"status": "ok"}

    @app.post("/crash")
    async def crash() -> None:
        raise RuntimeError("a real bug")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


OUT = "value_out_of_range"
NOT_STORED = "value_not_storable"


@pytest.mark.parametrize(
    ("body", "status", "detail", "code"),
    [
        ({"id": 2**63}, 400, "A number is out of the range that can be stored", OUT),
        ({"units": 2**31}, 400, "A number is out of the range that can be stored", OUT),
        (
            {"amount": "99999999999999999"},
            400,
            "A number is out of the range that can be stored",
            OUT,
        ),
        ({"name": "nul\x00"}, 400, "A text contains characters that cannot be stored", NOT_STORED),
        ({"name": "\ud800"}, 400, "A text contains characters that cannot be stored", NOT_STORED),
        ({"name": ""}, 400, "A value breaks a rule of what can be stored", NOT_STORED),
        ({"name": None}, 400, "A value breaks a rule of what can be stored", NOT_STORED),
        ({"id": 1}, 409, "It conflicts with something that already exists", "already_exists"),
    ],
)
async def test_database_refusals_become_clear_4xx(
    client: httpx.AsyncClient,
    body: dict[str, Any],
    status: int,
    detail: str,
    code: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if body.get("name") == "\ud800":  # httpx cannot encode a lone surrogate: send it escaped
        response = await client.post(
            "/things",
            content=b'{"name": "\\ud800"}',
            headers={"content-type": "application/json"},
        )
    else:
        response = await client.post("/things", json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"] == detail
    assert response.json()["code"] == code
    assert "database_refused_input" in capsys.readouterr().out


async def test_the_row_that_was_there_is_untouched_and_good_input_still_works(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    assert (await client.post("/things", json={"id": 1})).status_code == 409
    assert (await client.post("/things", json={"id": 3})).status_code == 200
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, name FROM things ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [(1, "one"), (3, "two")]


async def test_other_errors_are_still_500_without_a_traceback(client: httpx.AsyncClient) -> None:
    response = await client.post("/crash")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error", "code": "internal"}


def test_errors_that_are_not_the_inputs_fault_are_left_alone() -> None:
    assert database_refusal(RuntimeError("x")) is None
