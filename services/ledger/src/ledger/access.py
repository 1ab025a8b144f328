"""Who is asking: whoever stands behind a REST call (from the bearer token) or a command (the
actor the gateway or the recurring service vouches for). What they may do is the shared policy's
(``sosenki_platform.access_policy``), decided from this service's treasurers and owners.
"""

from __future__ import annotations

from dataclasses import dataclass

from sosenki_contracts.envelope import Actor
from sosenki_platform.access_policy import Asker
from sosenki_platform.auth import Principal


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    privileged: bool
    #: Communities the caller's token narrows it to; None when nothing narrows it (an empty claim,
    #: or a command relayed by a trusted service on behalf of a user).
    scopes: frozenset[int] | None
    actor: Actor

    @classmethod
    def from_principal(cls, principal: Principal) -> Caller:
        return cls(
            user_id=principal.user_id,
            privileged=principal.is_privileged,
            scopes=principal.communities or None,
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

    @property
    def asker(self) -> Asker:
        return Asker(self.user_id, self.privileged, communities=self.scopes)

    def in_scope(self, community_id: int) -> bool:
        return self.asker.within_community(community_id)
