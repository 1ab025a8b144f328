"""The OpenAPI document integrators read: every operation has a description, an example, the
bearer security (or is declared public), the Idempotency-Key header on POSTs and its real error
responses with the error body and their codes, never FastAPI's 422 (issue 17, item 7)."""

from __future__ import annotations

import pytest
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.openapi import missing_documentation
from splits.app import create_app

pytestmark = pytest.mark.unit


def test_every_operation_is_documented() -> None:
    schema = create_app().openapi()
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert missing_documentation(schema) == []
    known = {code.value for code in ErrorCode}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    example = response["content"]["application/json"]["example"]
                    assert example["code"] in known, (method, path, status)
                    assert f"`{example['code']}`" in response["description"]
