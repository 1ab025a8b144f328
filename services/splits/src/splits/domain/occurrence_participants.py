"""Who an occurrence of a recurring expense is split between, once people have left the group.

Each occurrence repeats its template. Participants who have left the group since:

- ``EQUAL`` and ``SHARES``: are dropped; the members still in it share the same total (equally,
  or by their units), so the bill goes on without them.
- Any other split (``EXACT_AMOUNTS``, ``PERCENTAGE``, ``ITEM_BASED``) cannot be shared without
  them, nor can an expense whose payer has left or with nobody left: the occurrence is refused
  (409, naming who left). The recurring service then pauses the pattern and tells its creator
  (``recurring.pattern_paused`` with the reason); change or re-create the recurring expense and
  resume it.

Worked example: rent 900.00 split EQUAL between Anna (payer), Boris and Vera; Vera leaves. The
next occurrence is 450.00 each for Anna and Boris. Had it been EXACT_AMOUNTS 300/300/300, the
occurrence is refused: "Recurring expense 12: users [3] have left group 4, and an EXACT_AMOUNTS
split cannot be shared without them; change the recurring expense, then resume its pattern".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sosenki_contracts.error_codes import ErrorCode
from sosenki_platform.errors import Conflict

SHAREABLE = ("EQUAL", "SHARES")


def occurrence_participants(
    template_id: int,
    group_id: int,
    split_type: str,
    participants: Sequence[int],
    payers: Collection[int],
    members: Collection[int],
) -> list[int]:
    """The participants of the next occurrence (in the template's order), or Conflict."""
    left = sorted(set(participants) - set(members))
    payers_left = sorted(set(payers) - set(members))
    if not left and not payers_left:
        return list(participants)
    advice = "change the recurring expense, then resume its pattern"
    if payers_left:
        raise Conflict(
            f"Recurring expense {template_id}: its payer(s) {payers_left} have left group "
            f"{group_id}; {advice}",
            ErrorCode.NOT_A_MEMBER,
        )
    if split_type not in SHAREABLE:
        raise Conflict(
            f"Recurring expense {template_id}: users {left} have left group {group_id}, and an "
            f"{split_type} split cannot be shared without them; {advice}",
            ErrorCode.NOT_A_MEMBER,
        )
    remaining = [u for u in participants if u not in left]
    if not remaining:
        raise Conflict(
            f"Recurring expense {template_id}: every participant has left group {group_id}; "
            f"{advice}",
            ErrorCode.NOT_A_MEMBER,
        )
    return remaining
