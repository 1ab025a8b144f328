"""Errors that carry an HTTP-like status and a human-readable ``detail``.

Pure Python, so a domain layer may raise them without knowing about FastAPI. The HTTP layer turns
them into ``{"detail": ...}`` responses; the command consumers turn them into rejection events
carrying the same ``detail``.
"""

from __future__ import annotations


class ServiceError(Exception):
    status_code: int = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(ServiceError):
    status_code = 400


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class PayloadTooLarge(ServiceError):
    status_code = 413
