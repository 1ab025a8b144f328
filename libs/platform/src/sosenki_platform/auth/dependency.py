"""The FastAPI dependency that turns ``Authorization: Bearer <jwt>`` into a :class:`Principal`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sosenki_contracts.error_codes import ErrorCode

from sosenki_platform.auth.tokens import Principal, TokenVerifier
from sosenki_platform.errors import Unauthorized


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


async def authenticate(request: Request) -> Principal:
    # async: a sync dependency would run in the thread pool, a hop per request for no I/O.
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Missing bearer token", ErrorCode.TOKEN_MISSING)
    return _verifier(request).verify(token.strip())


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
