"""What an owner pays, and to whom: the payment order behind the payment QR code.

Who may see it is who may see the owner's statement (the owner, and treasurers). There is an
order only when the community has bank details, keeps its accounts in roubles and the owner owes
something (``domain/payment_order.py``); otherwise ``payment_order`` says why (409) and
``payment_order_or_none`` gives none."""

from __future__ import annotations

from decimal import Decimal

from sosenki_contracts.bank_details import BankDetailsFields
from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.auth import Principal
from sosenki_platform.errors import Conflict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reporting.adapters import tables as t
from reporting.domain.payment_order import (
    PAYMENT_CURRENCY,
    PaymentOrder,
    amount_due,
    purpose,
)
from reporting.queries.communities import owner_statement
from reporting.views import StatementOut


async def _order(
    session: AsyncSession, community_id: int, owner_id: int, statement: StatementOut
) -> PaymentOrder:
    community = (
        await session.execute(
            select(t.communities.c.name, t.communities.c.bank_details).where(
                t.communities.c.community_id == community_id
            )
        )
    ).one()
    if community.bank_details is None:
        raise Conflict(
            f"Community {community_id} has no bank details yet: a treasurer sets them in the "
            "community's settings",
            ErrorCode.NO_BANK_DETAILS,
        )
    if statement.currency != PAYMENT_CURRENCY:
        raise Conflict(
            f"Payment QR codes are in roubles; community {community_id} keeps its accounts in "
            f"{statement.currency}",
            ErrorCode.CURRENCY_MISMATCH,
        )
    due = amount_due(Decimal(statement.current_balance))
    if due is None or not statement.periods:
        raise Conflict(
            f"Owner {owner_id} owes nothing (balance {statement.current_balance} "
            f"{statement.currency}): there is nothing to pay",
            ErrorCode.NOTHING_TO_PAY,
        )
    owner_name = await session.scalar(
        select(t.owners.c.display_name).where(
            t.owners.c.community_id == community_id, t.owners.c.owner_id == owner_id
        )
    )
    return PaymentOrder(
        payee=BankDetailsFields.model_validate(community.bank_details),
        amount=due,
        purpose=purpose(
            community.name,
            owner_name or statement.username or f"owner {owner_id}",
            statement.periods[-1].name,
        ),
    )


async def payment_order(
    session: AsyncSession, principal: Principal, community_id: int, owner_id: int
) -> PaymentOrder:
    """The owner's payment order; 404 as for the statement, 409 when there is nothing to pay
    or nowhere to pay it."""
    statement = await owner_statement(session, principal, community_id, owner_id)
    return await _order(session, community_id, owner_id, statement)


async def payment_order_or_none(
    session: AsyncSession, community_id: int, owner_id: int, statement: StatementOut
) -> PaymentOrder | None:
    """For a statement already shown to the caller: its payment order, or none."""
    try:
        return await _order(session, community_id, owner_id, statement)
    except Conflict:
        return None
