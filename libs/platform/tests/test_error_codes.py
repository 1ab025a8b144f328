"""Every error leaves as ``{"detail", "code"}`` with a stable code, and the OpenAPI document says
so (issue 17, items 1 and 7). Pure: an in-process app, no database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from sosenki_contracts.error_codes import ErrorCode, status_of
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound, ServiceError
from sosenki_platform.http import BodySizeLimit, install_error_handlers
from sosenki_platform.openapi import PUBLIC, install_openapi, missing_documentation, raises

pytestmark = pytest.mark.unit


class Thing(BaseModel):
    name: str
    amount: int


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(BodySizeLimit, max_bytes=100)

    @app.post("/things", status_code=201, openapi_extra=raises(ErrorCode.PERIOD_NOT_OPEN))
    async def create(body: Thing) -> Thing:
        """Create a thing."""
        if body.name == "closed":
            raise BadRequest("Period 1 is not open for things", ErrorCode.PERIOD_NOT_OPEN)
        if body.name == "plain":
            raise Conflict("Something conflicts")
        return body

    @app.get("/things/{thing_id}")
    async def read(thing_id: int) -> Thing:
        """Read a thing."""
        raise NotFound("Thing not found")

    @app.get("/open", openapi_extra=PUBLIC)
    async def public() -> dict[str, str]:
        """Anyone may call this."""
        raise Forbidden("No")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/things", {"name": "closed", "amount": 1}, 400, "period_not_open"),
        ("POST", "/things", {"name": "plain", "amount": 1}, 409, "conflict"),
        ("POST", "/things", {"name": "x"}, 400, "invalid_input"),
        ("POST", "/things", {"name": "x" * 200, "amount": 1}, 413, "payload_too_large"),
        ("GET", "/things/7", None, 404, "not_found"),
        ("GET", "/things/seven", None, 400, "invalid_input"),
        ("GET", "/nowhere", None, 404, "route_not_found"),
        ("DELETE", "/things/7", None, 405, "method_not_allowed"),
        ("GET", "/open", None, 403, "forbidden"),
    ],
)
async def test_every_error_has_detail_and_code(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
    code: str,
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status_code == status, response.text
    assert response.json().keys() == {"detail", "code"}
    assert response.json()["code"] == code
    assert response.json()["detail"]


async def test_validation_detail_names_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "x", "amount": "many"})
    assert response.json()["code"] == "invalid_input"
    assert response.json()["detail"].startswith("amount:")


def test_an_error_keeps_its_code_and_defaults_by_class() -> None:
    assert ServiceError("x").code == "bad_request"
    assert Forbidden("x").code == "forbidden"
    assert NotFound("x", ErrorCode.PERIOD_NOT_FOUND).code == "period_not_found"
    assert status_of(ErrorCode.PERIOD_NOT_FOUND) == 404
    assert status_of(ErrorCode.PAYMENT_EXCEEDS_DEBT) == 409


def test_the_document_has_security_errors_idempotency_and_no_422() -> None:
    schema = make_app().openapi()
    assert missing_documentation(schema) == []
    create = schema["paths"]["/things"]["post"]
    assert create["security"] == [{"bearerAuth": []}]
    assert "422" not in create["responses"]
    assert {"400", "401", "403", "409", "413", "429", "503"} <= create["responses"].keys()
    assert "`period_not_open`" in create["responses"]["400"]["description"]
    assert "`invalid_input`" in create["responses"]["400"]["description"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert create["requestBody"]["content"]["application/json"]["example"] == {
        "name": "Name",
        "amount": 1,
    }
    read = schema["paths"]["/things/{thing_id}"]["get"]
    assert "404" in read["responses"] and "409" not in read["responses"]
    assert not any(p["name"] == "Idempotency-Key" for p in read["parameters"])
    public = schema["paths"]["/open"]["get"]
    assert public["security"] == [] and "401" not in public["responses"]


def test_a_missing_description_is_reported() -> None:
    app = FastAPI()
    install_openapi(app)

    @app.get("/bare")
    async def bare() -> dict[str, str]:
        return {}

    assert missing_documentation(app.openapi()) == ["GET /bare: no description"]
