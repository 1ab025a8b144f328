"""Who is asking: a user (bearer token), or a user or service a command's actor names.

Membership and ownership of a group are this service's own data; what a member may do is the
shared policy's (``sosenki_platform.access_policy``). A token's ``groups`` claim only narrows: it
acts in those groups only. A token without group scopes is limited by membership alone, so a user
can use a group they just created (the same meaning of an empty scope in every service).
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
    #: Groups the token is limited to; None when it is not limited.
    scopes: frozenset[int] | None
    actor: Actor

    @classmethod
    def from_principal(cls, principal: Principal) -> Caller:
        return cls(
            user_id=principal.user_id,
            privileged=principal.is_privileged,
            scopes=principal.groups or None,
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
        return Asker(self.user_id, self.privileged, groups=self.scopes)

    def in_scope(self, group_id: int) -> bool:
        return self.asker.within_group(group_id)
