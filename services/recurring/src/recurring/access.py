"""Who is asking, and whose patterns they see.

A pattern acts on behalf of whoever created it: its occurrences' commands carry the creator as
actor, so the target checks the creator's rights at every occurrence (a pattern can never do more
than its creator could). People see their own patterns; admins and services see all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sosenki_contracts.envelope import Actor
from sosenki_platform.auth import Principal


@dataclass(frozen=True)
class Caller:
    actor: Actor
    privileged: bool

    @classmethod
    def from_principal(cls, principal: Principal) -> Caller:
        kind = "service" if "service" in principal.roles else "user"
        return cls(Actor(kind=kind, id=principal.subject), principal.is_privileged)

    @classmethod
    def from_actor(cls, actor: Actor) -> Caller:
        return cls(actor, actor.kind in ("service", "system"))

    def may_see(self, created_by: str) -> bool:
        return self.privileged or self.actor.id == created_by


#: The scheduler and the result consumer act as the service itself.
SERVICE = Caller(Actor(kind="service", id="recurring"), privileged=True)
