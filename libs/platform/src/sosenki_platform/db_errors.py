"""The last line of defence: a database refusal of the input becomes a clear 4xx, never a 500.

Request models already bound every input to what the columns hold (``sosenki_contracts.bounds``);
this catches what still slips through (a sum that overflows its column, a row that already exists)
by the SQLSTATE the database or the driver reports:

- class 22 (data exception: numeric overflow, a character UTF-8 or PostgreSQL cannot hold, a
  value out of a column type's range, including asyncpg's own "out of int64 range") -> 400;
- class 23 (integrity: unique, foreign key, exclusion) -> 409; a NOT NULL or CHECK violation -> 400.

Anything else (connection loss, serialization failures, ...) is not input's fault and is left to
the other handlers. The detail never carries SQL or parameters; the log line does.
"""

from __future__ import annotations

from sosenki_contracts.error_codes import ErrorCode
from sqlalchemy.exc import DBAPIError

from sosenki_platform.errors import BadRequest, Conflict, ServiceError


def sqlstate_of(exc: BaseException) -> str | None:
    """The five-character SQLSTATE of a database error, if it has one."""
    orig = getattr(exc, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None), exc):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str) and len(code) == 5:
            return code
    return None


_DATA_DETAILS = {
    "22003": "A number is out of the range that can be stored",
    "22001": "A text is longer than can be stored",
    "22021": "A text contains characters that cannot be stored",
    "22P05": "A text contains characters that cannot be stored",
    "22P02": "A value has an invalid format",
    "22007": "A date or time has an invalid format",
    "22008": "A date or time is out of range",
    "22012": "A calculation divided by zero",
}

_OUT_OF_RANGE = ErrorCode.VALUE_OUT_OF_RANGE
_NOT_STORABLE = ErrorCode.VALUE_NOT_STORABLE
_DATA_CODES = {"22003": _OUT_OF_RANGE, "22008": _OUT_OF_RANGE, "22012": _OUT_OF_RANGE}


def database_refusal(exc: BaseException) -> ServiceError | None:
    """The 4xx a database error caused by the input deserves, or None if it is not such an
    error (then it is someone else's to handle)."""
    if not isinstance(exc, DBAPIError):
        return None
    code = sqlstate_of(exc)
    if code is None:
        return None
    if code.startswith("22"):
        if code in _DATA_DETAILS:
            return BadRequest(_DATA_DETAILS[code], _DATA_CODES.get(code, _NOT_STORABLE))
        text = str(getattr(exc, "orig", exc))
        if "out of int" in text or "range" in text:
            return BadRequest("A number is out of the range that can be stored", _OUT_OF_RANGE)
        if "codec" in text or "encode" in text:
            return BadRequest("A text contains characters that cannot be stored", _NOT_STORABLE)
        return BadRequest("A value cannot be stored", _NOT_STORABLE)
    if code in ("23502", "23514"):
        return BadRequest("A value breaks a rule of what can be stored", _NOT_STORABLE)
    if code == "23505":
        return Conflict("It conflicts with something that already exists", ErrorCode.ALREADY_EXISTS)
    if code == "23503":
        return Conflict(
            "It refers to something that does not exist or is still in use",
            ErrorCode.REFERENCE_MISSING,
        )
    if code.startswith("23"):
        return Conflict("It conflicts with what is already stored", ErrorCode.ALREADY_EXISTS)
    return None
