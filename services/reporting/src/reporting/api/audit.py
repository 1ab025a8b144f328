"""The audit log over HTTP: search it, verify a chain, read a chain's current head."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sosenki_contracts.bounds import MAX_INT32, Id, Label
from sosenki_platform.access_policy import CommunityData
from sosenki_platform.auth import Principal
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.errors import BadRequest, NotFound
from sosenki_platform.service import Runtime

from reporting.adapters.audit_log import AuditFilter, AuditLog
from reporting.api.access import (
    require_community,
    require_group,
    visible_communities,
    visible_groups,
)
from reporting.domain.audit import GENESIS_HASH, community_chain, group_chain, partition_chain

router = APIRouter(prefix="/api/audit", tags=["audit"])


class ActorOut(BaseModel):
    kind: str
    id: str
    name: str | None


class AuditEntryOut(BaseModel):
    entry_id: int
    chain: str
    seq: int
    community_id: int | None
    group_id: int | None
    event_id: str
    event_type: str
    event_version: int
    occurred_at: datetime
    actor: ActorOut = Field(description="Who did it")
    payload: dict[str, Any] = Field(description="What happened (amounts as strings)")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None = Field(description="Why, for reversals and other corrections")
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class BrokenEntry(BaseModel):
    entry_id: int | None
    seq: int | None
    event_id: str | None
    problem: str


class VerifyOut(BaseModel):
    chain: str
    ok: bool
    entries_checked: int
    first_broken: BrokenEntry | None


class HeadOut(BaseModel):
    chain: str
    seq: int = Field(description="How many entries the chain has")
    hash: str
    entry_id: int | None
    event_id: str | None
    event_type: str | None
    occurred_at: datetime | None


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def _chain(
    request: Request,
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
            request, principal, community_id, CommunityData.AUDIT, "Audit chain not found"
        )
        return community_chain(community_id)
    if group_id is not None:
        await require_group(request, principal, group_id, "Audit chain not found")
        return group_chain(group_id)
    if topic is None or partition is None:
        raise BadRequest("Give community_id, group_id, or topic and partition")
    if not principal.is_privileged:  # chains of no community or group: operators only
        raise NotFound("Audit chain not found")
    return partition_chain(topic, partition)


@router.get("", response_model=AuditPage)
async def search_audit_log(
    request: Request,
    principal: CurrentPrincipal,
    community_id: Id | None = None,
    group_id: Id | None = None,
    event_type: Label | None = None,
    occurred_from: Annotated[datetime | None, Query(alias="from")] = None,
    occurred_to: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> Any:
    for moment in (occurred_from, occurred_to):
        if moment is not None and moment.tzinfo is None:
            raise BadRequest("from and to must carry a timezone, e.g. 2025-11-01T00:00:00Z")
    if community_id is not None:
        await require_community(request, principal, community_id, CommunityData.AUDIT)
    if group_id is not None:
        await require_group(request, principal, group_id)
    async with _runtime(request).db.session() as session:
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


@router.get("/verify", response_model=VerifyOut)
async def verify_chain(
    request: Request,
    principal: CurrentPrincipal,
    community_id: Id | None = None,
    group_id: Id | None = None,
    topic: Annotated[str | None, Query(description="e.g. ledger.events.v1")] = None,
    partition: Annotated[int | None, Query(ge=0, le=MAX_INT32)] = None,
) -> Any:
    chain = await _chain(request, principal, community_id, group_id, topic, partition)
    async with _runtime(request).db.session() as session:
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


@router.get("/head", response_model=HeadOut)
async def chain_head(
    request: Request,
    principal: CurrentPrincipal,
    community_id: Id | None = None,
    group_id: Id | None = None,
    topic: Annotated[str | None, Query(description="e.g. ledger.events.v1")] = None,
    partition: Annotated[int | None, Query(ge=0, le=MAX_INT32)] = None,
) -> Any:
    chain = await _chain(request, principal, community_id, group_id, topic, partition)
    async with _runtime(request).db.session() as session:
        head = await AuditLog(session).head(chain)
    if head is None:  # nothing recorded yet: the chain is empty
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
        seq=head.seq,
        hash=head.hash,
        entry_id=head.entry_id,
        event_id=head.event_id,
        event_type=head.event_type,
        occurred_at=head.occurred_at,
    )


#: The same endpoints at ``/audit``, the path issue 5 names (``/api/audit`` stays the main one).
short_router = APIRouter(prefix="/audit", tags=["audit"])
for _route in list(router.routes):
    short_router.add_api_route(
        _route.path.removeprefix("/api/audit"),  # type: ignore[attr-defined]
        _route.endpoint,  # type: ignore[attr-defined]
        response_model=_route.response_model,  # type: ignore[attr-defined]
        methods=list(_route.methods),  # type: ignore[attr-defined]
        include_in_schema=False,
    )
