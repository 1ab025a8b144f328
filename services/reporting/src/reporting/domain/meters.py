"""Meters as reporting shows them: the shared rule from ``sosenki_contracts.meters``."""

from __future__ import annotations

from sosenki_contracts.meters import MeterType, Reading, consumption

#: The meter types the ledger knows.
METER_TYPES = tuple(t.value for t in MeterType)

__all__ = ["METER_TYPES", "Reading", "consumption"]
