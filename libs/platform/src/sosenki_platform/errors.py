"""Errors that carry an HTTP-like status, a human-readable ``detail`` and a stable ``code``.

Pure Python, so a domain layer may raise them without knowing about FastAPI. The HTTP layer turns
them into ``{"detail": ..., "code": ...}`` responses; the command consumers turn them into
rejection events carrying the same ``detail`` and ``code``. The ``detail`` is English for
developers; clients translate the ``code`` (``sosenki_contracts.error_codes.ErrorCode``). A raise
site that expresses a business rule passes its specific code; otherwise the class's default
(``bad_request``, ``not_found``...) applies.
"""

from __future__ import annotations

from sosenki_contracts.error_codes import ErrorCode


class ServiceError(Exception):
    status_code: int = 400
    default_code: str = ErrorCode.BAD_REQUEST

    def __init__(self, detail: str, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = str(code if code is not None else self.default_code)


class BadRequest(ServiceError):
    status_code = 400
    default_code = ErrorCode.BAD_REQUEST


class Unauthorized(ServiceError):
    status_code = 401
    default_code = ErrorCode.UNAUTHORIZED


class Forbidden(ServiceError):
    status_code = 403
    default_code = ErrorCode.FORBIDDEN


class NotFound(ServiceError):
    status_code = 404
    default_code = ErrorCode.NOT_FOUND


class Conflict(ServiceError):
    status_code = 409
    default_code = ErrorCode.CONFLICT


class PayloadTooLarge(ServiceError):
    status_code = 413
    default_code = ErrorCode.PAYLOAD_TOO_LARGE


def error_body(detail: str, code: str) -> dict[str, str]:
    """The one JSON shape of every error response."""
    return {"detail": detail, "code": str(code)}
