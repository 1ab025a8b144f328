"""Event payload models, one module per bounded context.

Each module registers its models with :func:`sosenki_contracts.registry.event`. To add a context,
create ``events/<context>.py`` in the style of ``ledger.py`` and import it below; then run
``python -m sosenki_contracts.schemas`` and commit the generated schemas.
"""

from sosenki_contracts.events import gateway, ledger, recurring, splits

__all__ = ["gateway", "ledger", "recurring", "splits"]
