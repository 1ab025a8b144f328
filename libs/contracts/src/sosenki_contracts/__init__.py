"""The wire shared by all SOSenki services: envelopes, payload models, topics, money, allocation.

Pure library (no I/O, apart from the schema writer in ``sosenki_contracts.schemas``).
"""

from sosenki_contracts.allocation import allocate, allocate_equally
from sosenki_contracts.envelope import SYSTEM_ACTOR, Actor, CommandEnvelope, EventEnvelope
from sosenki_contracts.money import (
    CURRENCIES,
    Amount,
    CurrencyCode,
    CurrencyMismatchError,
    DecimalString,
    Money,
    PositiveAmount,
    check_currency,
    check_scale,
    format_amount,
    minor_units,
    parse_amount,
    quantize,
)
from sosenki_contracts.registry import (
    all_commands,
    all_events,
    command,
    command_key,
    command_payload_model,
    event,
    event_key,
    event_payload_model,
)

__all__ = [
    "CURRENCIES",
    "SYSTEM_ACTOR",
    "Actor",
    "Amount",
    "CommandEnvelope",
    "CurrencyCode",
    "CurrencyMismatchError",
    "DecimalString",
    "EventEnvelope",
    "Money",
    "PositiveAmount",
    "all_commands",
    "all_events",
    "allocate",
    "allocate_equally",
    "check_currency",
    "check_scale",
    "command",
    "command_key",
    "command_payload_model",
    "event",
    "event_key",
    "event_payload_model",
    "format_amount",
    "minor_units",
    "parse_amount",
    "quantize",
]
