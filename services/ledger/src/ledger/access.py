"""Who may do what in a community: treasurers write, owners read, nobody sees another community.

A caller is whoever stands behind a REST call (from the bearer token) or a command (the actor the
gateway or the recurring service vouches for).
"""

from __future__ import annotations

from dataclasses import dataclass

from sosenki_contracts.envelope import Actor
from sosenki_platform.auth import Principal


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    privileged: bool
    #: Communities the caller's token is scoped to; None when the caller is not token-scoped
    #: (a command relayed by a trusted service on behalf of a user).
    scopes: frozenset[int] | None
    actor: Actor

    @classmethod
    def from_principal(cls, principal: Principal) -> Caller:
        return cls(
            user_id=principal.user_id,
            privileged=principal.is_privileged,
            scopes=principal.communities,
            actor=Actor(
                kind="service" if "service" in principal.roles else "user", id=principal.subject
            ),
        )

    @classmethod
    def from_actor(cls, actor: Actor) -> Caller:
        user_id = int(actor.id) if actor.kind == "user" and actor.id.isdigit() else None
        return cls(
            user_id=user_id,
            privileged=actor.kind in ("service", "system"),
            scopes=None,
            actor=actor,
        )

    def in_scope(self, community_id: int) -> bool:
        return self.privileged or self.scopes is None or community_id in self.scopes
