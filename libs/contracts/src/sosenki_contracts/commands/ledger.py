"""Commands the ledger service accepts on ``ledger.commands.v1``.

They mirror the REST requests, so a command and a REST call are validated alike. A refused command
produces a ``ledger.command_rejected`` event carrying the ``command_id``.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from sosenki_contracts.money import PositiveAmount
from sosenki_contracts.registry import command

_CONFIG = ConfigDict(extra="ignore", frozen=True)


@command("ledger.create_period", version=1)
class CreatePeriod(BaseModel):
    model_config = _CONFIG

    community_id: int
    name: str
    start_date: date
    end_date: date
    description: str | None = None


@command("ledger.record_contribution", version=1)
class RecordContribution(BaseModel):
    model_config = _CONFIG

    period_id: int
    owner_id: int
    amount: PositiveAmount
    comment: str | None = None


__all__ = ["CreatePeriod", "RecordContribution"]
