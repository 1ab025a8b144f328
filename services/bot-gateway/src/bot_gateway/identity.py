"""Who a Telegram account is: registering new accounts, invitations (made over REST, claimed with
``/start join_<token>``) and ``/unlink``. The rules are in ``domain/identity.py``; this module asks
the ledger and splits where people belong, writes the gateway's rows and publishes every link,
unlink, invitation and refused claim on ``gateway.events.v1`` (reporting's audit log keeps them).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sosenki_contracts import topics
from sosenki_contracts.envelope import Actor
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.events.gateway import (
    InvitationCreated,
    InvitationRefused,
    TelegramLinked,
    TelegramUnlinked,
)
from sosenki_platform.access_policy import not_found_code
from sosenki_platform.errors import BadRequest, Conflict, Forbidden, NotFound
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Clock, envelope_of

from bot_gateway.adapters.repository import Repository
from bot_gateway.adapters.services import Services
from bot_gateway.domain.identity import Refused, check_invitation, may_leave
from bot_gateway.settings import Settings

#: What a refusal to make an invitation answers over REST.
_HTTP_ERRORS = {
    "invitation_bad": BadRequest,
    "invitation_hidden": NotFound,
    "invitation_no_record": NotFound,
    "invitation_not_manager": Forbidden,
    "invitation_elsewhere": Forbidden,
}
_CODES: dict[str, str] = {
    "invitation_bad": ErrorCode.BAD_REQUEST,
    "invitation_no_record": ErrorCode.NOT_FOUND,
    "invitation_not_manager": ErrorCode.NOT_AN_INVITER,
    "invitation_elsewhere": ErrorCode.INVITEE_ELSEWHERE,
}  # invitation_hidden: community_not_found / group_not_found, as its detail says


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True)
class Claimed:
    """How a claim ended: ``key`` is the text to answer with (``joined`` when linked)."""

    key: str
    user_id: int | None = None
    detail: str = ""


class Identity:
    def __init__(
        self, runtime: Runtime, settings: Settings, services: Services, clock: Clock
    ) -> None:
        self.runtime = runtime
        self.settings = settings
        self.services = services
        self.clock = clock

    async def _publish(self, repo: Repository, key: str, event: BaseModel, actor: Actor) -> None:
        """A contract event model; its type and version come from the registry."""
        name = self.runtime.settings.service_name
        envelope = envelope_of(event, key, producer=name, actor=actor)
        await self.runtime.outbox.append(repo.session, topics.GATEWAY_EVENTS, envelope)

    async def meet(
        self,
        repo: Repository,
        telegram_user_id: int,
        username: str | None,
        first_name: str | None,
        language_code: str | None,
    ) -> int:
        """The user this account is; a new account becomes a new, empty user (an event)."""
        user_id, created = await repo.meet(telegram_user_id, username, first_name, language_code)
        if created:
            await self._publish(
                repo,
                f"telegram:{telegram_user_id}",
                TelegramLinked(
                    telegram_user_id=telegram_user_id, user_id=user_id, how="registered"
                ),
                Actor(kind="user", id=str(user_id), display_name=first_name),
            )
        return user_id

    # Invitations ------------------------------------------------------------------------

    async def invite(
        self,
        repo: Repository,
        creator_id: int,
        user_id: int,
        community_id: int | None,
        group_id: int | None,
    ) -> tuple[str, datetime]:
        """A new invitation (its token, shown once, and when it expires), or an HTTP error that
        says why not."""
        if await repo.account_of(user_id) is not None:
            raise Conflict(
                f"User {user_id} already has a Telegram account", ErrorCode.TELEGRAM_ALREADY_LINKED
            )
        await self._check(creator_id, user_id, community_id, group_id, http=True)
        token = secrets.token_urlsafe(24)
        expires_at = self.clock.now() + timedelta(seconds=self.settings.invitation_ttl_seconds)
        await repo.add_invitation(
            token_hash(token), user_id, creator_id, expires_at, community_id, group_id
        )
        await self._publish(
            repo,
            f"user:{user_id}",
            InvitationCreated(
                user_id=user_id,
                invited_by=str(creator_id),
                expires_at=expires_at,
                community_id=community_id,
                group_id=group_id,
            ),
            Actor(kind="user", id=str(creator_id)),
        )
        return token, expires_at

    async def _check(
        self,
        creator_id: int,
        user_id: int,
        community_id: int | None,
        group_id: int | None,
        *,
        http: bool,
    ) -> None:
        creator = await self.services.memberships(creator_id)
        invited = creator if user_id == creator_id else await self.services.memberships(user_id)
        try:
            check_invitation(
                user_id=user_id,
                creator_id=creator_id,
                creator=creator,
                invited=invited,
                community_id=community_id,
                group_id=group_id,
            )
        except Refused as refused:
            if http:
                raise _HTTP_ERRORS[refused.key](
                    refused.detail, _CODES.get(refused.key) or not_found_code(refused.detail)
                ) from None
            raise

    async def claim(
        self, repo: Repository, token: str, telegram_user_id: int, first_name: str | None
    ) -> Claimed:
        """Let this account claim an invitation, if every rule still holds now."""
        hashed = token_hash(token)
        invitation = await repo.open_invitation(hashed, self.clock.now())
        if invitation is None:
            return Claimed("join_invalid")
        target = int(invitation.user_id)
        account = await repo.telegram_user(telegram_user_id)
        assert account is not None  # the update's sender was met first
        current = int(account.user_id)
        actor = Actor(kind="user", id=str(current), display_name=first_name)
        community_id, group_id = invitation.community_id, invitation.group_id
        if current == target:
            await repo.use_invitation(hashed, telegram_user_id)
            return Claimed("join_already", target)

        async def refuse(key: str, detail: str) -> Claimed:
            refused = InvitationRefused(
                telegram_user_id=telegram_user_id,
                user_id=target,
                reason=detail,
                community_id=community_id,
                group_id=group_id,
            )
            await self._publish(repo, f"telegram:{telegram_user_id}", refused, actor)
            return Claimed(key, target, detail)

        if await repo.account_of(target) is not None:
            return await refuse("join_taken", f"User {target} already has a Telegram account")
        registered = account.how in ("registered", "legacy")
        if not may_leave(registered, await self.services.memberships(current)):
            return await refuse(
                "join_account_linked",
                f"This Telegram account already is user {current}, who belongs somewhere",
            )
        try:
            await self._check(
                int(invitation.created_by),
                target,
                invitation.community_id,
                invitation.group_id,
                http=False,
            )
        except Refused as refused:
            return await refuse("join_no_longer", refused.detail)
        await repo.relink(telegram_user_id, target, "invitation")
        await repo.use_invitation(hashed, telegram_user_id)
        await self._publish(
            repo,
            f"telegram:{telegram_user_id}",
            TelegramLinked(
                telegram_user_id=telegram_user_id,
                user_id=target,
                how="invitation",
                previous_user_id=current,
                invited_by=str(invitation.created_by),
                community_id=community_id,
                group_id=group_id,
            ),
            Actor(kind="user", id=str(target), display_name=first_name),
        )
        return Claimed("joined", target)

    async def unlink(
        self, repo: Repository, telegram_user_id: int, first_name: str | None
    ) -> tuple[int, int]:
        """The account stops being its user and becomes a new, empty one: (old, new) user id.
        The old user may then be claimed again by an invitation from whoever manages it."""
        account = await repo.telegram_user(telegram_user_id)
        assert account is not None
        old, new = int(account.user_id), await repo.new_user_id()
        await repo.relink(telegram_user_id, new, "registered")
        await self._publish(
            repo,
            f"telegram:{telegram_user_id}",
            TelegramUnlinked(
                telegram_user_id=telegram_user_id,
                user_id=old,
                new_user_id=new,
                reason="the account's owner asked (/unlink)",
            ),
            Actor(kind="user", id=str(old), display_name=first_name),
        )
        return old, new
