"""The OpenAPI document every service publishes, completed in one place.

FastAPI describes the routes; this adds what integrators need and FastAPI cannot know:

- the bearer security scheme (Swagger UI's Authorize button), required by every operation unless
  the route says ``openapi_extra=PUBLIC``;
- the error responses the API really gives, each with the one error body
  ``{"detail": ..., "code": ...}`` and the codes it may carry: 400 (never FastAPI's 422: the API
  answers 400 ``invalid_input``), 401, 403, 404, 409, 413, 429, 503, as they apply to the
  operation, plus the codes the route declares with ``openapi_extra=raises(...)``;
- the ``Idempotency-Key`` header on POST operations (the idempotency middleware honours POSTs);
- an example for every request body and JSON response, built from its schema unless the model
  gives one.

The description of an operation is its route function's docstring (FastAPI's rule); the
completeness test of each service (``missing_documentation``) fails when one is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sosenki_contracts.error_codes import ErrorCode, default_code, status_of

#: ``openapi_extra`` of a route anyone may call (no bearer token).
PUBLIC: dict[str, Any] = {"security": []}

SCHEME = "bearerAuth"
ERROR_SCHEMA = "Error"
CODES_KEY = "x-error-codes"
WRITE_METHODS = ("post", "put", "patch", "delete")

_REASONS = {
    400: "Bad request: the input breaks a rule (`detail` says which)",
    401: "No valid bearer token",
    403: "The caller may not do this",
    404: "Not found (or not visible to the caller)",
    409: "Conflicts with the current state",
    413: "Request body too large",
    429: "Too many writes: retry after `Retry-After` seconds",
    503: "A dependency is unavailable: retry after `Retry-After` seconds",
}


def raises(*codes: str | tuple[int, str], **extra: Any) -> dict[str, Any]:
    """``openapi_extra`` naming the error codes a route gives beyond the generic ones; a code is
    listed under its usual status (``status_of``) or under the one given as ``(status, code)``."""
    listed = [[c[0], str(c[1])] if isinstance(c, tuple) else [status_of(c), str(c)] for c in codes]
    return {CODES_KEY: listed, **extra}


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the completed document (built once, then cached)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(schema)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A SOSenki access token (EdDSA-signed JWT with a `kid`).",
    }
    schemas = components.setdefault("schemas", {})
    schemas[ERROR_SCHEMA] = {
        "title": "Error",
        "type": "object",
        "required": ["detail", "code"],
        "properties": {
            "detail": {"type": "string", "description": "What is wrong, in English."},
            "code": {
                "type": "string",
                "description": "A stable machine-readable code (`ErrorCode`) to branch on and "
                "translate.",
                "pattern": "^[a-z][a-z0-9_]*$",
            },
        },
    }
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method in ("get", "head", *WRITE_METHODS):
                _complete_operation(schemas, path, method, operation)
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and unused not in str(schema.get("paths")):
            del schemas[unused]
    return schema


def _complete_operation(
    schemas: dict[str, Any], path: str, method: str, operation: dict[str, Any]
) -> None:
    secured = operation.get("security") != []
    if secured:
        operation["security"] = [{SCHEME: []}]
    params = operation.setdefault("parameters", [])
    if method == "post" and not any(p.get("name") == "Idempotency-Key" for p in params):
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Send the same key again to repeat this request safely: the first "
                "response is replayed and nothing is recorded twice (1 to 255 printable "
                "characters, per user).",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                "example": "3f6c1c1e-6a4b-4d38-9d8e-2f1b8b5b9a10",
            }
        )
    if not params:
        del operation["parameters"]
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    codes: dict[int, list[str]] = {}

    def add(status: int, *names: str) -> None:
        for name in names:
            if name not in codes.setdefault(status, []):
                codes[status].append(name)

    for status, name in operation.pop(CODES_KEY, []):
        add(int(status), name)
    declared = operation.get("responses", {})
    for status_text in list(declared):  # an error a route declares by hand gets the error body
        if status_text[0] in "45" and status_text != "422":
            add(int(status_text), default_code(int(status_text)))
    if has_input:
        add(400, ErrorCode.INVALID_INPUT)
    if secured:
        add(401, ErrorCode.TOKEN_MISSING, ErrorCode.TOKEN_INVALID, ErrorCode.TOKEN_EXPIRED)
        add(403, ErrorCode.FORBIDDEN)
    if "{" in path:
        add(404, ErrorCode.NOT_FOUND)
    if method == "post":
        add(400, ErrorCode.IDEMPOTENCY_KEY_INVALID)
        add(409, ErrorCode.IDEMPOTENCY_KEY_REUSED, ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS)
    if method in WRITE_METHODS:
        add(409, ErrorCode.ALREADY_EXISTS, ErrorCode.REFERENCE_MISSING)
        add(400, ErrorCode.VALUE_OUT_OF_RANGE, ErrorCode.VALUE_NOT_STORABLE)
        if secured:
            add(429, ErrorCode.RATE_LIMITED)
    if "requestBody" in operation:
        add(413, ErrorCode.PAYLOAD_TOO_LARGE)
    add(503, ErrorCode.UNAVAILABLE)
    responses = operation.setdefault("responses", {})
    responses.pop("422", None)
    for status in sorted(codes):
        listed = codes[status]
        first = str(listed[0])
        reason = str(responses.get(str(status), {}).get("description") or "")
        responses[str(status)] = {
            "description": f"{reason or _REASONS.get(status, 'Error')}. Codes: "
            + ", ".join(f"`{c}`" for c in listed),
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"},
                    "example": {"detail": _example_detail(first), "code": first},
                }
            },
        }
        if status in (429, 503):
            responses[str(status)]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying",
                    "schema": {"type": "integer"},
                }
            }
    for content in _json_contents(operation):
        if "example" not in content and "examples" not in content and "schema" in content:
            content["example"] = example_of(content["schema"], schemas)


def _json_contents(operation: dict[str, Any]) -> Iterable[dict[str, Any]]:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        yield body
    for status, response in operation.get("responses", {}).items():
        if status.startswith("2"):
            found = response.get("content", {}).get("application/json")
            if found is not None:
                yield found


def _example_detail(code: str) -> str:
    return code.replace("_", " ").capitalize()


def example_of(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A plausible value of ``schema`` (its own example or default first)."""
    if depth > 8:
        return None
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return example_of(schemas.get(name, {}), schemas, depth + 1)
    for key in ("example", "default", "const"):
        if key in schema and schema[key] is not None:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_of(options[0], schemas, depth + 1)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if not props and isinstance(schema.get("additionalProperties"), dict):
            return {"1": example_of(schema["additionalProperties"], schemas, depth + 1)}
        return {name: example_of(sub, schemas, depth + 1) for name, sub in props.items()}
    if kind == "array":
        return [example_of(schema.get("items", {}), schemas, depth + 1)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "string":
        return _string_example(schema)
    return None


def _string_example(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return "2025-11-01"
    if fmt == "date-time":
        return "2025-11-01T09:00:00Z"
    if fmt == "uuid":
        return "3f6c1c1e-6a4b-4d38-9d8e-2f1b8b5b9a10"
    pattern = str(schema.get("pattern", ""))
    if "\\d" in pattern or "0-9" in pattern:
        return "1000.00"
    if schema.get("maxLength") == 3 and schema.get("minLength") == 3:
        return "RUB"
    return str(schema.get("title") or "text")


def missing_documentation(schema: dict[str, Any]) -> list[str]:
    """What each operation lacks of the documentation integrators rely on (empty: complete)."""
    problems: list[str] = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "head", *WRITE_METHODS):
                continue
            label = f"{method.upper()} {path}"
            if not str(op.get("description", "")).strip():
                problems.append(f"{label}: no description")
            if "security" not in op:
                problems.append(f"{label}: no security declared")
            responses = op.get("responses", {})
            if "422" in responses:
                problems.append(f"{label}: documents 422 (the API answers 400)")
            required = ["503"]
            if op["security"] if "security" in op else False:
                required += ["401", "403"]
            if method in WRITE_METHODS or op.get("parameters") or "requestBody" in op:
                required.append("400")
            for status in required:
                error = responses.get(status, {}).get("content", {}).get("application/json", {})
                if error.get("schema", {}).get("$ref") != f"#/components/schemas/{ERROR_SCHEMA}":
                    problems.append(f"{label}: no {status} error response")
            if method == "post" and not any(
                p.get("name") == "Idempotency-Key" for p in op.get("parameters", [])
            ):
                problems.append(f"{label}: no Idempotency-Key header")
            if not any(s.startswith("2") for s in responses):
                problems.append(f"{label}: no success response documented")
            for content in _json_contents(op):
                if "example" not in content and "examples" not in content:
                    problems.append(f"{label}: no example")
    return problems


__all__ = ["PUBLIC", "complete", "install_openapi", "missing_documentation", "raises"]
