"""The gateway's HTTP edge: Telegram's webhook, invitations, and the Mini App
(its page, the initData → token exchange, and the user's balances)."""

from __future__ import annotations

import hmac
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_contracts.formatting import language_of
from sosenki_platform.access_policy import Asker
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import Forbidden, NotFound, Unauthorized, error_body
from sosenki_platform.logging import get_logger
from sosenki_platform.openapi import PUBLIC, raises
from sqlalchemy.exc import DBAPIError, InterfaceError

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Refused, Unavailable
from bot_gateway.domain.initdata import InvalidInitData, validate_init_data
from bot_gateway.gateway import Gateway

log = get_logger(__name__)

router = APIRouter(tags=["bot-gateway"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RETRY_AFTER_SECONDS = 5
MINIAPP_PAGE = Path(__file__).parent / "miniapp.html"


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def _unavailable(reason: str) -> JSONResponse:
    return JSONResponse(
        error_body(reason, E.UNAVAILABLE),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@router.post("/telegram/webhook", include_in_schema=False)
async def telegram_webhook(request: Request) -> Response:
    """Telegram's updates. 200 once the update is handled (or was seen before), whatever the
    user is answered; 401 without the right secret; 503 only when the gateway cannot work."""
    gateway = _gateway(request)
    expected = gateway.settings.telegram_webhook_secret.encode()
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not expected or not hmac.compare_digest(given, expected):
        raise Unauthorized("Wrong or missing secret token")
    if not gateway.has_token:
        return _unavailable("The gateway has no bot token")
    try:
        data = await request.json()
    except ValueError:
        log.warning("update_not_json")
        return JSONResponse({"ok": True})
    try:
        outcome = await gateway.receive(data)
    except ValidationError as exc:  # Telegram would only send the same again: drop it, loudly
        log.warning("update_unreadable", error=str(exc)[:500])
        return JSONResponse({"ok": True, "outcome": "unreadable"})
    except (DBAPIError, InterfaceError, OSError) as exc:
        log.warning("update_deferred", error=repr(exc))
        return _unavailable("The gateway's database is not available")
    return JSONResponse({"ok": True, "outcome": outcome})


# Invitations ------------------------------------------------------------------------------


class JoinLinkIn(BaseModel):
    user_id: int = Field(gt=0, lt=2**63, description="The user the invited account becomes")
    community_id: int | None = Field(
        default=None, gt=0, lt=2**63, description="Where the user is an owner you are treasurer of"
    )
    group_id: int | None = Field(
        default=None, gt=0, lt=2**63, description="A group you own where the user is a member"
    )


class JoinLinkOut(BaseModel):
    token: str
    start_parameter: str
    link: str
    expires_at: datetime


@router.post(
    "/api/gateway/join-links",
    status_code=201,
    response_model=JoinLinkOut,
    openapi_extra=raises(
        E.COMMUNITY_NOT_FOUND,
        E.GROUP_NOT_FOUND,
        E.USER_REQUIRED,
        E.NOT_AN_INVITER,
        E.INVITEE_ELSEWHERE,
        E.TELEGRAM_ALREADY_LINKED,
    ),
)
async def create_join_link(body: JoinLinkIn, request: Request, principal: CurrentPrincipal) -> Any:
    """A single-use, expiring invitation (``/start join_<token>``): whoever opens it first, in a
    private chat with the bot, becomes ``user_id``. Only for a record the caller manages (an
    owner of a community they are treasurer of, a member of a group they own) or the caller
    themselves, for a user no Telegram account is yet, who belongs nowhere the caller does not
    manage (the ledger and splits are asked, now and again when it is claimed)."""
    gateway = _gateway(request)
    creator = principal.user_id
    if creator is None or not 0 < creator < 2**63:
        raise Forbidden("Only a user may invite (the token names no user)", E.USER_REQUIRED)
    # A token's claims only narrow (the shared access policy): outside them, nothing exists.
    asker = Asker.from_principal(principal)
    if body.community_id is not None and not asker.within_community(body.community_id):
        raise NotFound("Community not found", E.COMMUNITY_NOT_FOUND)
    if body.group_id is not None and not asker.within_group(body.group_id):
        raise NotFound("Group not found", E.GROUP_NOT_FOUND)
    try:
        async with gateway.unit_of_work() as session:
            token, expires_at = await gateway.identity.invite(
                Repository(session), creator, body.user_id, body.community_id, body.group_id
            )
    except Unavailable:
        return _unavailable("The ledger or splits cannot say who belongs where")
    start = f"join_{token}"
    username = gateway.bot_username or "sosenki_bot"
    return JoinLinkOut(
        token=token,
        start_parameter=start,
        link=f"https://t.me/{username}?start={start}",
        expires_at=expires_at,
    )


# Mini App ---------------------------------------------------------------------------------


class SessionIn(BaseModel):
    init_data: str = Field(min_length=1, max_length=4096)


class SessionOut(BaseModel):
    token: str
    user_id: int
    expires_in: int
    communities: list[int]
    groups: list[int]
    language: str = Field(
        description="The user's language for the Mini App (ru or en): the one chosen with /lang "
        "in the private chat with the bot, else Telegram's"
    )


@router.post(
    "/miniapp/session", response_model=SessionOut, openapi_extra=raises(E.TOKEN_INVALID, **PUBLIC)
)
async def miniapp_session(body: SessionIn, request: Request) -> Any:
    """Exchange Telegram's signed ``initData`` for a short-lived token the services accept."""
    gateway = _gateway(request)
    settings = gateway.settings
    try:
        user = validate_init_data(
            body.init_data, settings.telegram_bot_token, settings.initdata_max_age_seconds
        )
    except InvalidInitData as exc:
        raise Unauthorized(f"Invalid initData: {exc}", E.TOKEN_INVALID) from None
    async with gateway.unit_of_work() as session:
        repo = Repository(session)
        user_id = await gateway.identity.meet(
            repo, user.telegram_user_id, user.username, user.first_name, user.language_code
        )
        chosen = [
            row.language
            for row in await repo.private_chats_of(user_id)
            if row.chat_id == user.telegram_user_id
        ]
    language = language_of(chosen[0] if chosen else user.language_code)
    try:  # exactly where the ledger and splits say the user belongs, asked now
        memberships = await gateway.services.memberships(user_id)
    except Unavailable:
        return _unavailable("The ledger or splits cannot say who belongs where")
    communities, groups = sorted(memberships.communities), sorted(memberships.groups)
    ttl = settings.miniapp_token_ttl_seconds
    token = gateway.services.user_token(user_id, memberships, ttl_seconds=ttl)
    return SessionOut(
        token=token,
        user_id=user_id,
        expires_in=ttl,
        communities=communities,
        groups=groups,
        language=language,
    )


@router.get("/miniapp/balances", openapi_extra=raises(E.USER_REQUIRED))
async def miniapp_balances(request: Request, principal: CurrentPrincipal) -> Any:
    """The caller's balance in each community where the ledger says they are an owner (within
    their token's claims, which only narrow), with the recent periods (from reporting, asked with
    the caller's own token)."""
    services = _gateway(request).services
    bearer = request.headers.get("authorization", "").partition(" ")[2]
    user_id = principal.user_id
    if user_id is None or not 0 < user_id < 2**63:
        raise Forbidden("Balances are a user's (the token names no user)", E.USER_REQUIRED)
    try:
        memberships = await services.memberships(user_id)
    except Unavailable:
        return _unavailable("The ledger or splits cannot say who belongs where")
    owned = [c for c in memberships.communities if memberships.owner_in(c)]
    result: list[dict[str, Any]] = []
    for community_id in Asker.from_principal(principal).narrow_communities(owned):
        try:
            statement = await services.get(
                services.reporting(
                    f"/api/payments/communities/{community_id}/owners/{user_id}/statement"
                ),
                bearer,
            )
        except Refused:
            continue
        try:
            community = await services.get(services.ledger(f"/communities/{community_id}"), bearer)
            name = str(community.get("name", f"#{community_id}"))
        except Refused:
            name = f"#{community_id}"
        result.append(
            {
                "community_id": community_id,
                "name": name,
                "currency": statement["currency"],
                "current_balance": statement["current_balance"],
                "periods": statement["periods"][-6:],
            }
        )
    return {"user_id": user_id, "communities": result}


@router.get("/miniapp", response_class=HTMLResponse, include_in_schema=False)
async def miniapp_page() -> HTMLResponse:
    return HTMLResponse(MINIAPP_PAGE.read_text(encoding="utf-8"))
