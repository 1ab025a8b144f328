"""The audit log over HTTP (``reporting.queries.audit``): search it, verify a chain, read a
chain's current head."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sosenki_contracts.bounds import MAX_INT32, Id, Label
from sosenki_contracts.error_codes import ErrorCode as E
from sosenki_platform.auth.dependency import CurrentPrincipal
from sosenki_platform.openapi import raises
from sosenki_platform.requests import ReadSession

from reporting.queries import audit as q
from reporting.views import AuditPage, HeadOut, VerifyOut

router = APIRouter(prefix="/api/audit", tags=["audit"])

Topic = Annotated[str | None, Query(description="e.g. ledger.events.v1")]
Partition = Annotated[int | None, Query(ge=0, le=MAX_INT32)]


@router.get(
    "", response_model=AuditPage, openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.GROUP_NOT_FOUND)
)
async def search_audit_log(
    principal: CurrentPrincipal,
    session: ReadSession,
    community_id: Id | None = None,
    group_id: Id | None = None,
    event_type: Label | None = None,
    occurred_from: Annotated[datetime | None, Query(alias="from")] = None,
    occurred_to: Annotated[datetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_INT32)] = 0,
) -> AuditPage:
    """The audit log of a community or group (or, for operators, a topic partition): every event
    in order with its hash chain link, filtered by time."""
    return await q.search(
        session,
        principal,
        community_id=community_id,
        group_id=group_id,
        event_type=event_type,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/verify",
    response_model=VerifyOut,
    openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.GROUP_NOT_FOUND),
)
async def verify_chain(
    principal: CurrentPrincipal,
    session: ReadSession,
    community_id: Id | None = None,
    group_id: Id | None = None,
    topic: Topic = None,
    partition: Partition = None,
) -> VerifyOut:
    """Recompute a chain's hashes and say whether it is intact and where it breaks."""
    chain = await q.chain_asked_for(session, principal, community_id, group_id, topic, partition)
    return await q.verify(session, chain)


@router.get(
    "/head", response_model=HeadOut, openapi_extra=raises(E.COMMUNITY_NOT_FOUND, E.GROUP_NOT_FOUND)
)
async def chain_head(
    principal: CurrentPrincipal,
    session: ReadSession,
    community_id: Id | None = None,
    group_id: Id | None = None,
    topic: Topic = None,
    partition: Partition = None,
) -> HeadOut:
    """The head of a chain (its last hash and sequence), to compare with a copy kept elsewhere."""
    chain = await q.chain_asked_for(session, principal, community_id, group_id, topic, partition)
    return await q.head(session, chain)


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
