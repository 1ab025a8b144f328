"""Queries to the other services' REST APIs, as the user the gateway acts for.

The gateway holds the signing key and mints a short-lived token for each call. A user's token
carries only communities and groups the ledger and splits confirm the user belongs to (asked with
the gateway's service token, never guessed from events); the services still decide what the user
may see.
"""

from __future__ import annotations

from typing import Any

import httpx
from sosenki_platform.auth.tokens import mint_token
from sosenki_platform.failures import Unavailable as DependencyUnavailable

from bot_gateway.domain.identity import Memberships
from bot_gateway.settings import Settings


class Unavailable(DependencyUnavailable):
    """A service could not be reached or failed (5xx). Transient: a consumer that meets it waits
    and retries instead of dead-lettering its message."""


class Refused(Exception):
    """A service answered 4xx; ``detail`` is its (English) message, ``code`` its stable code
    (what the user is told is chosen by the code: ``domain.refusals``)."""

    def __init__(self, status_code: int, detail: str, code: str | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.code = code


class Services:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._client = client or httpx.AsyncClient(timeout=10.0)
        self._key: str | None = None

    async def close(self) -> None:
        await self._client.aclose()

    def token(
        self,
        user_id: int | str,
        *,
        communities: list[int] | None = None,
        groups: list[int] | None = None,
        roles: list[str] | None = None,
        ttl_seconds: int | None = None,
    ) -> str:
        if self._key is None:
            self._key = self._settings.private_key()
        return mint_token(
            self._key,
            str(user_id),
            roles=roles,
            communities=communities,
            groups=groups,
            ttl_seconds=ttl_seconds or self._settings.user_token_ttl_seconds,
            issuer=self._settings.auth_issuer,
        )

    def service_token(self) -> str:
        return self.token("service:bot-gateway", roles=["service"])

    async def memberships(self, user_id: int) -> Memberships:
        """Where the user belongs, as the ledger and splits say now (:class:`Unavailable` when
        either cannot say: the gateway never guesses)."""
        token = self.service_token()
        try:
            ledger = await self.get(self.ledger(f"/users/{user_id}/memberships"), token)
            splits = await self.get(self.splits(f"/users/{user_id}/memberships"), token)
        except Refused as refused:  # the gateway's own token refused: a misconfiguration
            raise Unavailable(f"memberships of {user_id}: {refused.detail}") from refused
        communities: dict[int, set[str]] = {}
        for m in ledger["memberships"]:
            communities.setdefault(int(m["community_id"]), set()).add(str(m["role"]))
        return Memberships(
            communities={c: frozenset(roles) for c, roles in communities.items()},
            groups={int(m["group_id"]): str(m["role"]) for m in splits["memberships"]},
        )

    def user_token(
        self,
        user_id: int,
        memberships: Memberships,
        *,
        communities: list[int] | None = None,
        groups: list[int] | None = None,
        ttl_seconds: int | None = None,
    ) -> str:
        """A token for ``user_id`` scoped to the asked communities and groups the user belongs
        to (all of them when none is asked for): never one the ledger or splits did not confirm."""
        mine_c, mine_g = sorted(memberships.communities), sorted(memberships.groups)
        return self.token(
            user_id,
            communities=[c for c in mine_c if communities is None or c in communities],
            groups=[g for g in mine_g if groups is None or g in groups],
            ttl_seconds=ttl_seconds,
        )

    async def get(self, url: str, token: str, params: dict[str, Any] | None = None) -> Any:
        response = await self._request(url, token, params)
        return response.json()

    async def get_bytes(self, url: str, token: str) -> bytes:
        return (await self._request(url, token, None)).content

    async def _request(self, url: str, token: str, params: dict[str, Any] | None) -> httpx.Response:
        try:
            response = await self._client.get(
                url, params=params, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"{url}: {exc!r}") from exc
        if response.status_code >= 500:
            raise Unavailable(f"{url}: {response.status_code}")
        if response.status_code >= 400:
            code = None
            try:
                body = response.json()
                detail = str(body.get("detail", response.text))
                code = str(body["code"]) if body.get("code") else None
            except (ValueError, AttributeError):
                detail = response.text
            raise Refused(response.status_code, detail, code)
        return response

    # The calls the bot makes --------------------------------------------------------------

    def ledger(self, path: str) -> str:
        return f"{self._settings.ledger_url}/api/payments{path}"

    def reporting(self, path: str) -> str:
        return f"{self._settings.reporting_url}{path}"

    def splits(self, path: str) -> str:
        return f"{self._settings.splits_url}{path}"

    async def community(self, token: str, community_id: int) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(self.ledger(f"/communities/{community_id}"), token)
        return result

    async def owners(self, token: str, community_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self.get(
            self.ledger(f"/communities/{community_id}/owners"), token
        )
        return result

    async def periods(
        self, token: str, community_id: int, status: str | None = None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"community_id": community_id, "limit": 100}
        if status:
            params["status"] = status
        body = await self.get(self.ledger("/periods"), token, params)
        periods: list[dict[str, Any]] = body["periods"]
        return sorted(periods, key=lambda p: (str(p["start_date"]), int(p["id"])))
