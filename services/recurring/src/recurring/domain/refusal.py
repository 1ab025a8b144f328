"""What a refused occurrence does to its pattern.

A splits expense occurrence repeats a fixed template, so when the splits service refuses one
(say, a participant of an EXACT_AMOUNTS split or the payer has left the group) it would refuse
every later one the same way: the pattern is **paused** and ``recurring.pattern_paused`` carries
the reason, the occurrence number and the creator to tell. Once the expense is fixed, resuming
goes on from the next date (what fell due while paused is skipped, as for any pause).

Other targets' refusals (a ledger charge with no open period yet, say) depend on the moment, not
on the pattern: the occurrence is marked refused and the pattern goes on.

Worked example: rent split EXACT_AMOUNTS between Anna, Boris and Vera, monthly; Vera leaves in
March. April's occurrence is refused (409, "users [3] have left group 4 …"): the occurrence is
`refused`, the pattern `paused` with reason "Occurrence 4: Recurring expense 12: users [3] have
left group 4, …", and Anna, its creator, is to be told.
"""

from __future__ import annotations

from sosenki_contracts.commands.recurring import SplitsExpenseTarget, Target


def pauses_on_refusal(target: Target) -> bool:
    return isinstance(target, SplitsExpenseTarget)
