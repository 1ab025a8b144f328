"""Transient or not: does a failure say something about the work, or only about the moment?

A *transient* failure says nothing about the message or request being handled: the database is
unreachable or restarting, a transaction lost a serialization race or a deadlock, a lock wait timed
out, a service we called is unavailable, the broker is away. Waiting and trying again will work.
Consumers retry such failures without limit (holding their partition's position) and the HTTP
edge answers them with 503 and ``Retry-After``. Everything else is *deterministic*: trying again
gives the same answer, so a consumer dead-letters it after a few attempts.

The exception and its whole cause chain (``__cause__``/``__context__``) are examined, because
SQLAlchemy wraps asyncpg's errors and asyncpg wraps socket errors.
"""

from __future__ import annotations

import asyncio

import httpx
from aiokafka import errors as kafka_errors
from sqlalchemy import exc as sa_exc

#: SQLSTATEs that say "try again": serialization failure, deadlock, lock timeout, and the whole
#: classes of connection exceptions (08), insufficient resources (53) and operator intervention
#: (57: shutting down, starting up, "the database system is starting up" is 57P03).
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57")


_FILESYSTEM_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


class Unavailable(Exception):
    """Raise from a handler when something it depends on is unavailable right now (a called
    service answered 503, for example): the consumer waits and retries instead of giving up."""


def _sqlstate(exc: BaseException) -> str | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return state if isinstance(state, str) else None


def _one_is_transient(exc: BaseException) -> bool:
    if isinstance(exc, Unavailable):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa_exc.TimeoutError):  # the connection pool had nothing to give
        return True
    if isinstance(exc, _FILESYSTEM_ERRORS):  # a missing file stays missing: not a network blip
        return False
    if isinstance(exc, OSError | TimeoutError | asyncio.TimeoutError | ConnectionError):
        return True
    state = _sqlstate(exc)
    if state is not None and (
        state in _TRANSIENT_SQLSTATES or state.startswith(_TRANSIENT_SQLSTATE_CLASSES)
    ):
        return True
    name = type(exc).__name__
    # asyncpg's own connection-level errors, which carry no SQLSTATE.
    if name in {"ConnectionDoesNotExistError", "InterfaceError", "InternalClientError"} and (
        type(exc).__module__.startswith("asyncpg")
    ):
        return True
    if isinstance(exc, httpx.TransportError):
        return True
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500 or exc.response.status_code == 429
    if isinstance(exc, kafka_errors.KafkaConnectionError | kafka_errors.KafkaTimeoutError):
        return True
    return isinstance(exc, kafka_errors.KafkaError) and bool(getattr(exc, "retriable", False))


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` (or anything in its cause chain) is a failure of the moment."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _one_is_transient(current):
            return True
        current = current.__cause__ or current.__context__
    return False
