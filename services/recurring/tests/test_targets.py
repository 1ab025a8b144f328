"""What each kind of target sends for an occurrence, and the deterministic command ids."""

from __future__ import annotations

from datetime import date, time

import pytest
from recurring.domain.schedule import Schedule, build_schedule
from recurring.domain.targets import command_for, command_id, parse_command_id, parse_target
from sosenki_contracts import topics

pytestmark = pytest.mark.unit


def monthly(start: date) -> Schedule:
    return build_schedule(
        frequency="MONTHLY",
        interval=1,
        start_date=start,
        time_of_day=time(0, 0),
        timezone="Europe/Moscow",
        days_of_week=None,
        end_date=None,
        max_occurrences=None,
    )


def test_opening_the_next_ledger_period_runs_it_to_the_day_before_the_next_occurrence() -> None:
    s = monthly(date(2027, 1, 1))
    target = parse_target({"kind": "ledger_period", "community_id": 3, "name": "Period {month}"})
    february = s.first(2)[1]
    command = command_for(target, s, february)
    assert (command.topic, command.command_type) == (
        topics.LEDGER_COMMANDS,
        "ledger.create_period",
    )
    assert command.payload == {
        "community_id": 3,
        "name": "Period 2027-02",
        "start_date": "2027-02-01",
        "end_date": "2027-02-28",
        "description": None,
    }


def test_a_splits_expense_occurrence_names_the_template_and_the_local_date() -> None:
    s = monthly(date(2027, 1, 31))
    target = parse_target({"kind": "splits_expense", "template_expense_id": 42})
    command = command_for(target, s, s.first(2)[1])
    assert (command.topic, command.command_type) == (
        topics.SPLITS_COMMANDS,
        "splits.create_expense_occurrence",
    )
    assert command.payload == {
        "template_expense_id": 42,
        "occurrence_date": "2027-02-28",
        "occurrence_number": 2,
    }


def test_a_reminder_goes_through_the_bot_gateway() -> None:
    s = monthly(date(2027, 1, 25))
    target = parse_target(
        {"kind": "reminder", "chat_id": -100, "text": "Fees for {month} are due (#{number})"}
    )
    command = command_for(target, s, s.first(1)[0])
    assert (command.topic, command.command_type) == (
        topics.GATEWAY_COMMANDS,
        "gateway.send_reminder",
    )
    assert command.payload == {"chat_id": -100, "text": "Fees for 2027-01 are due (#1)"}


def test_command_ids_are_deterministic_and_read_back() -> None:
    pid = "0b9f7c52-64c4-4d47-9d0f-0f2c5b1f9d11"
    assert command_id(pid, 7) == f"recurring:{pid}:7"
    assert parse_command_id(command_id(pid, 7)) == (pid, 7)
    assert parse_command_id("tg:12345") is None
    assert parse_command_id("recurring:abc") is None
    assert parse_command_id(None) is None
