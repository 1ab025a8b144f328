"""What an occurrence sends: the target's command, built from the pattern's template.

A template is checked at creation by building the command of its first occurrence and validating
the payload against the target's own contract model, so a template the target would refuse is a
400 then, never a wrong bill later.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sosenki_contracts import topics
from sosenki_contracts.commands.recurring import Target
from sosenki_contracts.error_codes import ErrorCode
from sosenki_contracts.registry import command_payload_model
from sosenki_platform.errors import BadRequest

from recurring.domain.schedule import Occurrence, Schedule

PLACEHOLDERS = ("date", "month", "year", "number")
_TARGET = TypeAdapter[Target](Target)


@dataclass(frozen=True)
class TargetCommand:
    topic: str
    command_type: str
    payload: dict[str, Any]


def command_id(pattern_id: str, number: int) -> str:
    """Deterministic: the targets apply a command id once, so an occurrence is applied once."""
    return f"recurring:{pattern_id}:{number}"


def parse_command_id(value: str | None) -> tuple[str, int] | None:
    """(pattern id, number) of one of our command ids, else None."""
    if not value or not value.startswith("recurring:"):
        return None
    pattern_id, _, number = value.removeprefix("recurring:").rpartition(":")
    if not pattern_id or not number.isdigit():
        return None
    return pattern_id, int(number)


def _fill(text: str, occurrence: Occurrence) -> str:
    day = occurrence.date
    values = {
        "date": day.isoformat(),
        "month": f"{day.year:04d}-{day.month:02d}",
        "year": f"{day.year:04d}",
        "number": str(occurrence.number),
    }
    return text.format_map(values)


def check_placeholders(text: str, field: str) -> None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise BadRequest(
            f"{field}: {exc} (write {{{{ and }}}} for literal braces)", ErrorCode.TEMPLATE_INVALID
        ) from None
    for name in names:
        if name not in PLACEHOLDERS:
            allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise BadRequest(
                f"{field}: unknown placeholder {{{name}}}; use {allowed}",
                ErrorCode.TEMPLATE_INVALID,
            )


def parse_target(raw: dict[str, Any]) -> Target:
    try:
        return _TARGET.validate_python(raw)
    except ValidationError as exc:
        raise BadRequest(f"target: {_first_error(exc)}", ErrorCode.TEMPLATE_INVALID) from None


def command_for(target: Target, schedule: Schedule, occurrence: Occurrence) -> TargetCommand:
    if target.kind == "splits_expense":
        return TargetCommand(
            topics.SPLITS_COMMANDS,
            "splits.create_expense_occurrence",
            {
                "template_expense_id": target.template_expense_id,
                "occurrence_date": occurrence.date.isoformat(),
                "occurrence_number": occurrence.number,
            },
        )
    if target.kind == "ledger_charge":
        return TargetCommand(
            topics.LEDGER_COMMANDS,
            "ledger.charge_owners",
            {
                "community_id": target.community_id,
                "on_date": occurrence.date.isoformat(),
                "owner_ids": target.owner_ids,
                "amount": target.amount,
                "description": _fill(target.description, occurrence),
            },
        )
    if target.kind == "ledger_period":
        return TargetCommand(
            topics.LEDGER_COMMANDS,
            "ledger.create_period",
            {
                "community_id": target.community_id,
                "name": _fill(target.name, occurrence),
                "start_date": occurrence.date.isoformat(),
                "end_date": schedule.last_day_of(occurrence).isoformat(),
                "description": (
                    _fill(target.description, occurrence) if target.description else None
                ),
            },
        )
    recipient = (
        {"chat_id": target.chat_id} if target.chat_id is not None else {"user_id": target.user_id}
    )
    return TargetCommand(
        topics.GATEWAY_COMMANDS,
        "gateway.send_reminder",
        {**recipient, "text": _fill(target.text, occurrence)},
    )


def _text_fields(target: Target) -> dict[str, str]:
    if target.kind == "ledger_charge":
        return {"description": target.description}
    if target.kind == "ledger_period":
        return {"name": target.name, "description": target.description or ""}
    if target.kind == "reminder":
        return {"text": target.text}
    return {}


def check_target(target: Target, schedule: Schedule) -> None:
    """BadRequest when the target would refuse the command of the first occurrence."""
    for field, text in _text_fields(target).items():
        check_placeholders(text, f"target.{field}")
    first = schedule.occurrence(1)
    assert first is not None  # build_schedule guarantees one
    command = command_for(target, schedule, first)
    model = command_payload_model(command.command_type)
    assert model is not None, f"{command.command_type} is not in the contracts"
    try:
        model.model_validate(command.payload)
    except ValidationError as exc:
        raise BadRequest(
            f"The template would be refused by {command.command_type}: {_first_error(exc)}",
            ErrorCode.TEMPLATE_INVALID,
        ) from None
    if target.kind == "ledger_charge" and Decimal(target.amount) <= 0:
        # The ledger's use case refuses it (its wire type takes any sign), every occurrence.
        raise BadRequest(
            f"The template would be refused by {command.command_type}: amount must be positive"
        )


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if not where or message.startswith(str(error["loc"][-1])):
        return message  # the message names its field already
    return f"{where}: {message}"
