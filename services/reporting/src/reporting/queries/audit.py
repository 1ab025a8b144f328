"""The audit log's questions: search it, verify a chain, read a chain's current head. Callers see
the entries and chains of their own communities and groups; operators see every chain."""

from __future__ import annotations

from datetime import datetime

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.access_policy import CommunityData
from sosenki_platform.auth import Principal
from sosenki_platform.errors import BadRequest, NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters.audit_log import AuditFilter, AuditLog
from reporting.domain.audit import GENESIS_HASH, community_chain, group_chain, partition_chain
from reporting.queries.access import (
    require_community,
    require_group,
    visible_communities,
    visible_groups,
)
from reporting.views import ActorOut, AuditEntryOut, AuditPage, BrokenEntry, HeadOut, VerifyOut


async def chain_asked_for(
    session: AsyncSession,
    principal: Principal,
    community_id: int | None,
    group_id: int | None,
    topic: str | None,
    partition: int | None,
) -> str:
    """The chain a caller asks for; another community's or group's chain is "not found".

    Events that name neither a community nor a group (rejected commands, recurring patterns)
    are chained per topic partition; only admins and services see those chains.
    """
    given = [community_id is not None, group_id is not None, topic is not None]
    if sum(given) > 1:
        raise BadRequest("Give one of community_id, group_id, or topic and partition")
    if community_id is not None:
        await require_community(
            session, principal, community_id, CommunityData.AUDIT, "Audit chain not found"
        )
        return community_chain(community_id)
    if group_id is not None:
        await require_group(session, principal, group_id, "Audit chain not found")
        return group_chain(group_id)
    if topic is None or partition is None:
        raise BadRequest("Give community_id, group_id, or topic and partition")
    if not principal.is_privileged:  # chains of no community or group: operators only
        raise NotFound("Audit chain not found", ErrorCode.NOT_FOUND)
    return partition_chain(topic, partition)


async def search(
    session: AsyncSession,
    principal: Principal,
    *,
    community_id: int | None,
    group_id: int | None,
    event_type: str | None,
    occurred_from: datetime | None,
    occurred_to: datetime | None,
    limit: int,
    offset: int,
) -> AuditPage:
    for moment in (occurred_from, occurred_to):
        if moment is not None and moment.tzinfo is None:
            raise BadRequest("from and to must carry a timezone, e.g. 2025-11-01T00:00:00Z")
    if community_id is not None:
        await require_community(session, principal, community_id, CommunityData.AUDIT)
    if group_id is not None:
        await require_group(session, principal, group_id)
    communities = await visible_communities(session, principal)
    groups = await visible_groups(session, principal)
    f = AuditFilter(
        community_id=community_id,
        group_id=group_id,
        event_type=event_type,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        visible_communities=None if communities is None else frozenset(communities),
        visible_groups=None if groups is None else frozenset(groups),
    )
    total, rows = await AuditLog(session).search(f, limit, offset)
    return AuditPage(
        entries=[
            AuditEntryOut(
                entry_id=r.entry_id,
                chain=r.chain,
                seq=r.seq,
                community_id=r.community_id,
                group_id=r.group_id,
                event_id=r.event_id,
                event_type=r.event_type,
                event_version=r.event_version,
                occurred_at=r.occurred_at,
                actor=ActorOut(kind=r.actor_kind, id=r.actor_id, name=r.actor_name),
                payload=r.payload,
                before=r.before,
                after=r.after,
                reason=r.reason,
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
            for r in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


async def verify(session: AsyncSession, chain: str) -> VerifyOut:
    result = await AuditLog(session).verify(chain)
    broken = result.first_broken
    return VerifyOut(
        chain=chain,
        ok=broken is None,
        entries_checked=result.entries_checked,
        first_broken=None
        if broken is None
        else BrokenEntry(
            entry_id=broken.entry_id,
            seq=broken.seq,
            event_id=broken.event_id,
            problem=broken.problem,
        ),
    )


async def head(session: AsyncSession, chain: str) -> HeadOut:
    found = await AuditLog(session).head(chain)
    if found is None:  # nothing recorded yet: the chain is empty
        return HeadOut(
            chain=chain,
            seq=0,
            hash=GENESIS_HASH,
            entry_id=None,
            event_id=None,
            event_type=None,
            occurred_at=None,
        )
    return HeadOut(
        chain=chain,
        seq=found.seq,
        hash=found.hash,
        entry_id=found.entry_id,
        event_id=found.event_id,
        event_type=found.event_type,
        occurred_at=found.occurred_at,
    )
