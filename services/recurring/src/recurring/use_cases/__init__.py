"""The recurring service's use cases, called alike by REST routes, commands, the scheduler and the
targets' result events: plain handlers taking what was asked and one context
(``sosenki_platform.use_case.Context``) holding the store, the caller, the clock and where events
go. In production the store is the database (``adapters/repository.py``) and events go to the
outbox, all in the caller's one transaction; unit tests hand in a fake store and a list.

- ``patterns.py``: create, pause, resume, cancel; read and preview a pattern
- ``occurrences.py``: the scheduler's pass (emit what is due) and the targets' results
- ``splits_expenses.py``: patterns for splits expenses marked as recurring
"""
