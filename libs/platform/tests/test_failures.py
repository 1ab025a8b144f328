"""Which failures are transient (wait and retry) and which are not (dead-letter after N)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from aiokafka import errors as kafka_errors
from sosenki_platform.failures import Unavailable, is_transient
from sqlalchemy import exc as sa_exc

pytestmark = pytest.mark.unit


def _wrapped(inner: BaseException) -> BaseException:
    """As SQLAlchemy raises it: a DBAPIError whose cause is the driver's exception."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise sa_exc.DBAPIError("SELECT 1", {}, exc) from exc
    except sa_exc.DBAPIError as outer:
        return outer


def _status(code: int) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "http://ledger/api")
    return httpx.HTTPStatusError(
        "x", request=request, response=httpx.Response(code, request=request)
    )


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionRefusedError(111, "Connection refused"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 5432)"),
        _wrapped(asyncpg.CannotConnectNowError("the database system is starting up")),
        _wrapped(asyncpg.SerializationError("could not serialize access")),
        _wrapped(asyncpg.DeadlockDetectedError("deadlock detected")),
        _wrapped(asyncpg.LockNotAvailableError("canceling statement due to lock timeout")),
        _wrapped(asyncpg.AdminShutdownError("terminating connection due to administrator command")),
        _wrapped(asyncpg.ConnectionDoesNotExistError("connection was closed")),
        _wrapped(asyncpg.TooManyConnectionsError("too many clients")),
        sa_exc.TimeoutError("QueuePool limit reached"),
        TimeoutError(),
        Unavailable("ledger answered 503"),
        httpx.ConnectError("refused"),
        _status(503),
        _status(429),
        kafka_errors.KafkaConnectionError("no broker"),
        kafka_errors.NotLeaderForPartitionError(),
    ],
    ids=repr,
)
def test_transient(failure: BaseException) -> None:
    assert is_transient(failure)


@pytest.mark.parametrize(
    "failure",
    [
        KeyError("projection bug"),
        FileNotFoundError(2, "No such file", ".local/keys/jwt-ed25519.pub.pem"),
        ValueError("bad amount"),
        _wrapped(asyncpg.UniqueViolationError("duplicate key")),
        _wrapped(asyncpg.UndefinedFunctionError("function does not exist")),
        _wrapped(asyncpg.NumericValueOutOfRangeError("numeric field overflow")),
        _status(404),
        _status(400),
        kafka_errors.MessageSizeTooLargeError(),
    ],
    ids=repr,
)
def test_deterministic(failure: BaseException) -> None:
    assert not is_transient(failure)
