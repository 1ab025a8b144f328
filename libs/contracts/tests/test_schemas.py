from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError
from sosenki_contracts import registry
from sosenki_contracts.commands.ledger import CreatePeriod, RecordContribution
from sosenki_contracts.envelope import EventEnvelope
from sosenki_contracts.events.ledger import ContributionRecorded, ExpenseRecorded, PeriodCreated
from sosenki_contracts.schemas import (
    GENERATE_COMMAND,
    SCHEMA_DIR,
    check_schemas,
    main,
    render_schemas,
    write_schemas,
)

pytestmark = pytest.mark.unit


def test_committed_schemas_are_up_to_date() -> None:
    problems = check_schemas(SCHEMA_DIR)
    assert not problems, (
        "The JSON Schemas in libs/contracts/schemas do not match the payload models:\n  "
        + "\n  ".join(problems)
        + f"\nRun: {GENERATE_COMMAND}  (and commit the result)"
    )


def test_schema_dir_is_next_to_the_package() -> None:
    assert SCHEMA_DIR == Path(__file__).resolve().parents[1] / "schemas"


def test_write_then_check_in_a_fresh_directory(tmp_path: Path) -> None:
    assert sorted(check_schemas(tmp_path)) == sorted(f"missing: {rel}" for rel in render_schemas())
    written = write_schemas(tmp_path)
    assert sorted(written) == sorted(render_schemas())
    assert check_schemas(tmp_path) == []
    assert write_schemas(tmp_path) == []  # idempotent

    (tmp_path / "events" / "ledger.gone.v1.json").write_text("{}\n")
    (tmp_path / "envelope.event.json").write_text("{}\n")
    assert check_schemas(tmp_path) == [
        "stale: envelope.event.json",
        "extra: events/ledger.gone.v1.json",
    ]
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert main(["--out", str(tmp_path)]) == 0
    assert not (tmp_path / "events" / "ledger.gone.v1.json").exists()
    assert main(["--check", "--out", str(tmp_path)]) == 0


def test_files_are_deterministic_json() -> None:
    files = render_schemas()
    assert files == render_schemas()
    assert "envelope.event.json" in files and "envelope.command.json" in files
    for rel, content in files.items():
        assert content.endswith("}\n"), rel
        parsed = json.loads(content)
        assert json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == content
    period = json.loads(files["events/ledger.period_created.v1.json"])
    assert period["x-type"] == "ledger.period_created" and period["x-version"] == 1
    amount = json.loads(files["commands/ledger.record_contribution.v1.json"])["properties"][
        "amount"
    ]
    assert amount["type"] == "string"


# --- registry -----------------------------------------------------------------------------------

EXPECTED_EVENTS = {
    "ledger.community_created",
    "ledger.owner_added",
    "ledger.period_created",
    "ledger.period_closed",
    "ledger.contribution_recorded",
    "ledger.expense_recorded",
    "ledger.command_rejected",
}


def test_registry_is_complete_on_import() -> None:
    assert EXPECTED_EVENTS <= {name for name, _ in registry.all_events()}
    assert {"ledger.create_period", "ledger.record_contribution"} <= {
        name for name, _ in registry.all_commands()
    }
    assert registry.event_payload_model("ledger.period_created", 1) is PeriodCreated
    assert registry.command_payload_model("ledger.create_period", 1) is CreatePeriod
    assert registry.event_payload_model("ledger.period_created", 99) is None
    assert registry.event_payload_model("ledger.nothing_happened", 1) is None
    assert registry.command_payload_model("ledger.period_created", 1) is None
    assert registry.event_key(PeriodCreated) == ("ledger.period_created", 1)
    assert registry.command_key(RecordContribution) == ("ledger.record_contribution", 1)
    with pytest.raises(KeyError):
        registry.event_key(CreatePeriod)


def test_every_payload_model_follows_the_conventions() -> None:
    name_re = re.compile(registry.NAME_PATTERN)
    for table in (registry.all_events(), registry.all_commands()):
        for (name, version), model in table.items():
            assert name_re.match(name), name
            assert version >= 1
            assert model.model_config.get("extra") == "ignore", f"{name}: readers must be tolerant"


def test_register_rejects_bad_names_and_conflicts() -> None:
    with pytest.raises(ValueError, match="must look like"):
        registry.event("PeriodCreated")
    with pytest.raises(ValueError, match="must look like"):
        registry.command("ledger.Create-Period")
    with pytest.raises(ValueError, match="version must be"):
        registry.event("ledger.period_created", version=0)

    class Impostor(BaseModel):
        model_config = ConfigDict(extra="ignore")

    with pytest.raises(ValueError, match="already registered"):
        registry.event("ledger.period_created", version=1)(Impostor)
    assert registry.event_payload_model("ledger.period_created", 1) is PeriodCreated


# --- payloads on the wire -----------------------------------------------------------------------


def test_payload_round_trip_through_an_envelope() -> None:
    payload = ExpenseRecorded(
        community_id=1,
        period_id=2,
        expense_id=3,
        paid_by_owner_id=None,
        amount=Decimal("100.00"),
        currency="RUB",
        payment_type="CASH",
        date=datetime(2025, 11, 3, 12, 0, tzinfo=UTC),
        allocation_strategy="FIXED_FEE",
        allocations=[
            {"owner_id": 1, "amount": Decimal("33.34")},
            {"owner_id": 2, "amount": "33.33"},
            {"owner_id": 3, "amount": 33},
        ],
    )
    envelope = EventEnvelope(
        event_type="ledger.expense_recorded",
        producer="ledger",
        aggregate_id="period:2",
        payload=payload.model_dump(mode="json"),
    )
    wire = json.loads(envelope.to_json_bytes())
    assert wire["payload"]["amount"] == "100.00"
    assert [a["amount"] for a in wire["payload"]["allocations"]] == ["33.34", "33.33", "33"]

    received = EventEnvelope.from_json_bytes(envelope.to_json_bytes())
    model = registry.event_payload_model(received.event_type, received.event_version)
    assert model is ExpenseRecorded
    assert model.model_validate(received.payload) == payload


def test_readers_are_tolerant_but_money_is_strict() -> None:
    raw = {
        "community_id": 1,
        "period_id": 2,
        "contribution_id": 3,
        "owner_id": 4,
        "amount": "500.00",
        "currency": "RUB",
        "date": "2025-11-03T10:00:00+03:00",
        "some_future_field": [1, 2, 3],
    }
    event = ContributionRecorded.model_validate(raw)
    assert event.amount == Decimal("500.00") and event.comment is None
    with pytest.raises(ValidationError, match="fractional part"):
        ContributionRecorded.model_validate({**raw, "amount": 500.5})
    with pytest.raises(ValidationError, match="timezone"):
        ContributionRecorded.model_validate({**raw, "date": "2025-11-03T10:00:00"})


def test_commands_validate_like_requests() -> None:
    command = CreatePeriod.model_validate_json(
        '{"community_id": 1, "name": "November 2025", "start_date": "2025-11-01",'
        ' "end_date": "2025-11-30"}'
    )
    assert command.start_date == date(2025, 11, 1) and command.description is None
    # The sign is the use case's rule (one refusal for REST and Kafka); the bounds are the wire's.
    zero = RecordContribution.model_validate_json('{"period_id": 1, "owner_id": 1, "amount": "0"}')
    assert zero.amount == 0
    with pytest.raises(ValidationError, match="amount"):
        RecordContribution.model_validate_json(
            '{"period_id": 1, "owner_id": 1, "amount": "1000000000000"}'
        )
    ok = RecordContribution.model_validate_json('{"period_id": 1, "owner_id": 1, "amount": "5"}')
    assert ok.model_dump(mode="json")["amount"] == "5"
