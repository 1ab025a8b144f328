"""The Mini App's data: one call for everything the page shows the signed-in user, read from
reporting, the ledger and splits with the caller's own token (the Mini App session's), so each
service's read policy decides who sees what; a section a service refuses is left out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from sosenki_contracts.error_codes import ErrorCode, default_code
from sosenki_contracts.formatting import language_of
from sosenki_platform.access_policy import Asker
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import Forbidden, NotFound, error_body

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Refused, Services, Unavailable
from bot_gateway.api.routes import _unavailable
from bot_gateway.domain import miniapp
from bot_gateway.domain.identity import Memberships
from bot_gateway.domain.reads import current_period
from bot_gateway.gateway import Gateway

router = APIRouter(tags=["bot-gateway"])

#: Periods whose charges and payments are listed in an owner's history (a call each).
HISTORY_PERIODS = 6


class _Reader:
    """The calls of one overview, all with the caller's bearer token."""

    def __init__(self, gateway: Gateway, bearer: str, user_id: int, lang: str) -> None:
        self.gateway = gateway
        self.services: Services = gateway.services
        self.bearer = bearer
        self.user_id = user_id
        self.lang = lang

    async def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return await self.services.get(url, self.bearer, params)

    async def names(self, user_ids: list[int], **scope: int) -> dict[int, str]:
        async with self.gateway.unit_of_work() as session:
            repo = Repository(session)
            return {u: await repo.name_of(u, **scope) for u in user_ids}

    async def community_name(self, community_id: int) -> str:
        try:
            found = await self.get(self.services.ledger(f"/communities/{community_id}"))
        except Refused:
            return ""
        return str(found.get("name") or "")

    async def owner(self, community_id: int, name: str) -> dict[str, Any] | None:
        services = self.services
        try:
            statement = await self.get(
                services.reporting(
                    f"/api/payments/communities/{community_id}/owners/{self.user_id}/statement"
                )
            )
        except Refused:
            return None
        entries: list[dict[str, Any]] = []
        for line in list(statement.get("periods") or [])[-HISTORY_PERIODS:]:
            pid, mine = line["period_id"], {"owner_id": self.user_id}
            try:
                charges = await self.get(services.ledger(f"/periods/{pid}/charges"), mine)
                paid = await self.get(services.ledger(f"/periods/{pid}/contributions"), mine)
            except Refused:
                continue
            entries += [{**c, "what": "charge", "period": line["name"]} for c in charges]
            entries += [{**c, "what": "payment", "period": line["name"]} for c in paid]
        return miniapp.owner_view(community_id, name, statement, entries, self.lang)

    async def treasurer(self, community_id: int, name: str) -> dict[str, Any] | None:
        services = self.services
        try:
            body = await self.get(
                services.reporting("/api/payments/periods"),
                {"community_id": community_id, "limit": 100},
            )
            periods = sorted(body["periods"], key=lambda p: (str(p["start_date"]), int(p["id"])))
            period = current_period(periods)
            if period is None:
                return None
            sheet = await self.get(
                services.reporting(f"/api/payments/periods/{period['id']}/balance-sheet")
            )
        except Refused:
            return None
        owners = [int(e["owner_id"]) for e in sheet.get("entries", [])]
        names = await self.names(owners, community_id=community_id)
        return miniapp.treasurer_view(community_id, name, period, sheet, names, self.lang)

    async def group(self, group_id: int, someone: str) -> dict[str, Any] | None:
        services = self.services
        try:
            found = await self.get(services.splits(f"/groups/{group_id}"))
            summary = await self.get(services.splits(f"/costs/groups/{group_id}/balance-summary"))
        except Refused:
            return None
        members = list(found.get("members", []))
        names = {
            int(m["user_id"]): str(m.get("display_name") or "")
            for m in members
            if m.get("display_name")
        }
        unnamed = [int(m["user_id"]) for m in members if int(m["user_id"]) not in names]
        names.update(await self.names(unnamed, group_id=group_id))
        summary = {**summary, "group_name": summary.get("group_name") or found.get("name")}
        return miniapp.group_view(summary, names, self.user_id, self.lang, someone)


@router.get("/miniapp/overview")
async def miniapp_overview(
    request: Request,
    principal: CurrentPrincipal,
    lang: Annotated[str, Query(max_length=16, description="ru or en (else English)")] = "en",
) -> Any:
    """Everything the Mini App shows its user, amounts already written in ``lang``: as an owner
    (balance, statement by period, charges and payments, what to pay), as a treasurer (the
    current period's balance sheet, collection progress, owners in arrears) and as a group
    member (balances, settle-up plan). Where the ledger and splits say the user belongs, within
    the token's claims; each section as the services show it to the caller (one they refuse is
    left out). 403 for a token that names no user; 503 when a service cannot answer."""
    gateway: Gateway = request.app.state.gateway
    user_id = principal.user_id
    if user_id is None or not 0 < user_id < 2**63:
        raise Forbidden("The Mini App is a user's (the token names no user)")
    language = language_of(lang)
    bearer = request.headers.get("authorization", "").partition(" ")[2]
    reader = _Reader(gateway, bearer, user_id, language)
    asker = Asker.from_principal(principal)
    try:
        memberships: Memberships = await gateway.services.memberships(user_id)
        owner, treasurer, groups = [], [], []
        for community_id in asker.narrow_communities(sorted(memberships.communities)):
            roles = memberships.communities[community_id]
            name = await reader.community_name(community_id)
            if "owner" in roles and (view := await reader.owner(community_id, name)):
                owner.append(view)
            if "treasurer" in roles and (view := await reader.treasurer(community_id, name)):
                treasurer.append(view)
        someone = "кто-то" if language == "ru" else "someone"
        for group_id in asker.narrow_groups(sorted(memberships.groups)):
            if view := await reader.group(group_id, someone):
                groups.append(view)
    except Unavailable:
        return _unavailable("The ledger, splits or reporting cannot answer now")
    return {
        "user_id": user_id,
        "language": language,
        "owner": owner,
        "treasurer": treasurer,
        "groups": groups,
    }


@router.get(
    "/miniapp/payment-qr/{community_id}.png",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "The caller's payment QR code"},
        404: {"description": "No such community, or the caller is no owner there"},
        409: {"description": "Nothing to pay, or the community has no bank details"},
    },
)
async def miniapp_payment_qr(
    community_id: Annotated[int, Path(gt=0, lt=2**63)],
    request: Request,
    principal: CurrentPrincipal,
) -> Any:
    """The caller's own payment QR code in a community (reporting's PNG, asked with the caller's
    token), for the Mini App's owner view; reporting's refusal (404, 409) is passed on."""
    gateway: Gateway = request.app.state.gateway
    user_id = principal.user_id
    if user_id is None or not 0 < user_id < 2**63:
        raise Forbidden("The Mini App is a user's (the token names no user)")
    if not Asker.from_principal(principal).within_community(community_id):
        raise NotFound("Community not found", code=ErrorCode.COMMUNITY_NOT_FOUND)
    bearer = request.headers.get("authorization", "").partition(" ")[2]
    services = gateway.services
    path = f"/api/payments/communities/{community_id}/owners/{user_id}/payment-qr.png"
    try:
        png = await services.get_bytes(services.reporting(path), bearer)
    except Refused as refused:
        code = refused.code or default_code(refused.status_code)
        return JSONResponse(error_body(refused.detail, code), status_code=refused.status_code)
    except Unavailable:
        return _unavailable("Reporting cannot answer now")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, no-store"})
