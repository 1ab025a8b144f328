"""What people sharing costs do, one module per thing a user does.

Each handler is a plain ``async def handle(command, ctx)``: it checks who may do it
(``splits/access.py``), applies the pure rules (``splits/domain/``), writes through the repository
(``splits/repository.py``) and publishes the contract's typed events, all in the transaction the
caller opened. REST routes and the Kafka command consumer call the same handlers
(``splits/commands.py`` is the table), so the two transports cannot drift.

- ``groups.py``: create a group, add and remove members (a member may leave)
- ``lists.py``: shopping lists and their items; finalising a list's cost into one expense
- ``expenses.py``: record, change and delete an expense
- ``occurrences.py``: an occurrence of a recurring expense
- ``expense_money.py``: how an expense's money is computed and written (splits, payers, status)
- ``payments.py``: pay one split of an expense
- ``settlements.py``: transfers between two members, and their deletion
"""

from __future__ import annotations

from sosenki_platform.use_case import Context

from splits.repository import Repository

SplitsContext = Context[Repository]
