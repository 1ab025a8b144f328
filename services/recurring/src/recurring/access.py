"""Whose patterns a caller sees. The caller itself is the platform's
(``sosenki_platform.use_case.Caller``).

A pattern acts on behalf of whoever created it: its occurrences' commands carry the creator as
actor, so the target checks the creator's rights at every occurrence (a pattern can never do more
than its creator could). People see their own patterns; admins and services see all.
"""

from __future__ import annotations

from sosenki_platform.use_case import Caller


def may_see(caller: Caller, created_by: str) -> bool:
    return caller.privileged or caller.actor.id == created_by


#: The scheduler and the result consumer act as the service itself.
SERVICE = Caller.service("recurring")
