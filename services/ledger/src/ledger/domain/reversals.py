"""Which entries a reversal may correct.

A reversal is a new entry with the negated amount and a reason; the entry itself never changes,
and it is reversed at most once. A reversal is not reversed again (record a new entry instead).

Opening entries are not reversed. They are the previous period's balances carried forward, so the
chain of periods only stays whole if they stay: the sum carried always equals the sum of the
source balances, and the source is closed for good once carried. Example: November closes with
owner 2 at +300, carried into December as a +300 opening contribution. Reversing it would take
300 out of December's balance while November still shows it carried, so the 300 would vanish
from the chain (and the fund, which never counted the +300 in, would show −300 leaving it). The
request is refused with 409; a wrong opening balance is corrected in December with an ordinary
contribution or charge, which the fund and both balance sheets count like any other.
"""

from __future__ import annotations

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import BadRequest, Conflict

OPENING = "opening"
REVERSAL = "reversal"


def check_reversal(entry: str, entry_id: int, kind: str, already_reversed: bool) -> None:
    """``entry`` is "contribution", "expense" or "charge"; ``kind`` is the entry's kind."""
    name = entry.capitalize()
    if kind == REVERSAL:
        raise BadRequest(f"{name} {entry_id} is itself a reversal", ErrorCode.NOT_REVERSIBLE)
    if kind == OPENING:
        raise Conflict(
            f"{name} {entry_id} is an opening balance carried forward from the previous period "
            "and cannot be reversed; correct it with a new contribution or charge in this period",
            ErrorCode.NOT_REVERSIBLE,
        )
    if already_reversed:
        raise Conflict(f"{name} {entry_id} has already been reversed", ErrorCode.ALREADY_REVERSED)
