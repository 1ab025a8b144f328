"""The gateway's own rules, without PostgreSQL, Kafka or Telegram: who may confirm, when a
keyboard stops working, when an event is still news, naming people in a command, a new
community's currency, amounts whose currency is unknown, and the date by the gateway's clock."""

from __future__ import annotations

import doctest
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from bot_gateway.domain import confirmations, naming, news, parsing, periods, reads
from bot_gateway.domain.confirmations import SPLIT_COMMAND, expired, may_confirm_for
from bot_gateway.domain.naming import named, named_in_comment
from bot_gateway.domain.news import still_news
from bot_gateway.domain.texts import money
from bot_gateway.gateway import Gateway
from bot_gateway.settings import Settings
from bot_gateway.telegram import setup
from hypothesis import given, strategies as st
from sosenki_contracts.commands.ledger import CreateCommunity
from sosenki_contracts.commands.splits import CreateGroup
from sosenki_platform.use_case import ManualClock, SystemClock, today_in

pytestmark = pytest.mark.unit

ASKED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SIX_HOURS = 6 * 3600


@pytest.mark.parametrize("module", [confirmations, naming, news, reads])
def test_worked_examples_in_docstrings_hold(module: ModuleType) -> None:
    failed, tried = doctest.testmod(module)
    assert tried > 0 and failed == 0


# Confirm and Cancel --------------------------------------------------------------------------


def _split(split_type: str = "EQUAL", **numbers: object) -> dict[str, object]:
    return {"split_type": split_type, "splits_in": [{"user_id": 1}, {"user_id": 2, **numbers}]}


def test_someone_sharing_a_complete_split_may_confirm_it() -> None:
    assert may_confirm_for(SPLIT_COMMAND, _split(), "ok", 2)


def test_nobody_outside_the_split_may_confirm_it() -> None:
    assert not may_confirm_for(SPLIT_COMMAND, _split(), "ok", 3)
    assert not may_confirm_for(SPLIT_COMMAND, _split(), "ok", None)


def test_only_the_asker_may_cancel_a_split() -> None:
    assert not may_confirm_for(SPLIT_COMMAND, _split(), "no", 2)


def test_a_split_still_missing_numbers_is_only_the_askers() -> None:
    incomplete = _split("SHARES", shares=2)  # user 1 has no share yet
    assert confirmations.needs_numbers(incomplete)
    assert not may_confirm_for(SPLIT_COMMAND, incomplete, "ok", 2)


def test_money_moved_in_a_community_is_confirmed_only_by_the_asker() -> None:
    payload = {"period_id": 1, "owner_id": 2, "amount": "10", "splits_in": [{"user_id": 2}]}
    assert not may_confirm_for("ledger.record_contribution", payload, "ok", 2)


def test_a_keyboard_stops_working_after_its_time() -> None:
    assert not expired(ASKED, ASKED + timedelta(seconds=SIX_HOURS), SIX_HOURS)
    assert expired(ASKED, ASKED + timedelta(seconds=SIX_HOURS + 1), SIX_HOURS)
    assert not expired(None, ASKED + timedelta(days=30), SIX_HOURS)  # age unknown: still works


@given(st.integers(min_value=0, max_value=10 * SIX_HOURS))
def test_a_keyboard_expires_exactly_when_older_than_its_time(seconds: int) -> None:
    assert expired(ASKED, ASKED + timedelta(seconds=seconds), SIX_HOURS) == (seconds > SIX_HOURS)


def test_old_events_are_not_news() -> None:
    now = ASKED + timedelta(hours=24)
    assert still_news(ASKED, now, 24)
    assert not still_news(ASKED - timedelta(seconds=1), now, 24)


def test_linked_chats_hear_when_money_moves_or_a_period_closes() -> None:
    assert news.chat_hears_of("ledger.contribution_recorded")
    assert news.chat_hears_of("splits.settlement_recorded")
    assert news.chat_hears_of("ledger.period_closed")
    assert not news.chat_hears_of("ledger.owner_added")
    assert not news.chat_hears_of("ledger.period_created")


@pytest.mark.parametrize(
    ("event_type", "entry_kind", "hears"),
    [
        ("ledger.charge_recorded", "regular", True),
        ("ledger.charge_recorded", "charge", True),
        ("ledger.charge_recorded", "reversal", True),
        ("ledger.charge_recorded", "opening", False),
        ("ledger.contribution_recorded", "regular", False),
        ("ledger.contribution_recorded", "reversal", True),
        ("ledger.contribution_recorded", "opening", False),
    ],
)
def test_an_owner_hears_in_private_of_charges_and_reversals(
    event_type: str, entry_kind: str, hears: bool
) -> None:
    assert news.owner_hears_in_private(event_type, entry_kind) is hears


# Naming people -------------------------------------------------------------------------------

OWNERS = [(1, "Иван"), (2, "Иван Петров"), (3, ""), (4, "@pavel")]


def test_a_name_is_matched_whole_and_regardless_of_case() -> None:
    assert named(OWNERS, "иван") == (1, "Иван")
    assert named(OWNERS, "ИВАН ПЕТРОВ") == (2, "Иван Петров")
    assert named(OWNERS, "Иван Пет") is None
    assert named(OWNERS, "") is None  # a person not named yet is never matched by nothing
    assert named(OWNERS, "@PAVEL") == (4, "@pavel")


def test_the_longest_name_starting_the_comment_wins_and_the_rest_stays() -> None:
    assert named_in_comment(OWNERS, "Иван Петров наличными") == (2, "Иван Петров", "наличными")
    assert named_in_comment(OWNERS, "иван за ноябрь") == (1, "Иван", "за ноябрь")
    assert named_in_comment(OWNERS, "Иван Петров") == (2, "Иван Петров", None)


def test_a_name_must_be_whole_words_at_the_start_of_the_comment() -> None:
    assert named_in_comment(OWNERS, "Иванов долг") is None
    assert named_in_comment(OWNERS, "за Ивана") is None


def test_naming_nobody_pays_for_oneself_unless_a_treasurer_who_is_no_owner() -> None:
    assert naming.nobody_named_means_oneself(is_owner=True, is_treasurer=False)
    assert naming.nobody_named_means_oneself(is_owner=True, is_treasurer=True)
    assert not naming.nobody_named_means_oneself(is_owner=False, is_treasurer=True)  # picks
    # Neither: it is their own (and the ledger refuses it, saying why).
    assert naming.nobody_named_means_oneself(is_owner=False, is_treasurer=False)


# Currencies ----------------------------------------------------------------------------------


def test_a_new_community_or_group_takes_the_currency_typed() -> None:
    assert parsing.parse_name_and_currency("Сосенки EUR", "u", "XXX") == ("Сосенки", "EUR")
    assert parsing.parse_name_and_currency("Trip to Rome", "u", "XXX") == ("Trip to Rome", "XXX")
    # A lone word is the name even when it looks like a currency.
    assert parsing.parse_name_and_currency("EUR", "u", "XXX") == ("EUR", "XXX")
    with pytest.raises(parsing.Unreadable):
        parsing.parse_name_and_currency("   ", "usage_newcommunity", "XXX")
    with pytest.raises(parsing.Unreadable):
        parsing.parse_name_and_currency("x" * 201, "usage_newcommunity", "XXX")


def test_without_a_currency_typed_the_commands_default_is_used() -> None:
    # Not a constant of the gateway's own: whatever the ledger's and splits' commands default to.
    assert setup._COMMUNITY_CURRENCY == CreateCommunity.model_fields["base_currency"].default
    assert setup._GROUP_CURRENCY == CreateGroup.model_fields["base_currency"].default


def test_an_amount_whose_currency_is_unknown_is_shown_without_one() -> None:
    assert money(Decimal("3000.5"), "", "en") == "3,000.50"
    assert money(Decimal("3000.5"), "", "ru") == "3\u00a0000,50"
    assert money(Decimal("3000.5"), "EUR", "en") == "€3,000.50"


# Reads ---------------------------------------------------------------------------------------


def test_the_balance_sheet_is_for_treasurers_and_owners_when_the_community_says_so() -> None:
    treasurer, owner = frozenset({"treasurer"}), frozenset({"owner"})
    assert reads.may_see_report(treasurer, owners_see_balance_sheet=False)
    assert reads.may_see_report(owner, owners_see_balance_sheet=True)
    assert not reads.may_see_report(owner, owners_see_balance_sheet=False)
    assert not reads.may_see_report(frozenset({"member"}), owners_see_balance_sheet=True)


def test_the_current_period_is_the_latest_open_else_the_latest() -> None:
    october = {"id": 1, "status": "CLOSED"}
    november = {"id": 2, "status": "OPEN"}
    december = {"id": 3, "status": "CLOSED"}
    assert reads.current_period([october, november, december]) is november
    assert reads.current_period([october, december]) is december
    assert reads.current_period([]) is None


@given(
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(min_value=-(10**6), max_value=10**6, places=2),
)
def test_a_carried_balance_is_never_shown_as_paid_or_charged(
    paid: Decimal, charged: Decimal, opening: Decimal
) -> None:
    # The ledger books a carried credit as an opening contribution, a debt as an opening charge.
    with_opening = (
        paid + max(opening, Decimal(0)),
        charged + max(-opening, Decimal(0)),
    )
    assert reads.paid_and_charged(*with_opening, opening=opening) == (paid, charged)


def test_after_a_close_the_offer_carries_into_a_later_open_period_if_there_is_one() -> None:
    earlier = {"id": 1, "start_date": "2026-09-01"}
    later = {"id": 3, "start_date": "2026-11-01"}
    latest = {"id": 4, "start_date": "2026-12-01"}
    assert periods.carry_target("2026-10-01", [earlier, later, latest]) is later
    assert periods.carry_target("2026-10-01", [earlier]) is None
    assert periods.carry_target("2026-10-01", []) is None


# The clock -----------------------------------------------------------------------------------


def test_the_gateway_reads_the_time_from_its_clock(tmp_path: Path) -> None:
    no_runtime: Any = None  # neither a database nor Kafka is needed to choose a clock
    clock = ManualClock(ASKED)
    gateway = Gateway(no_runtime, Settings(), no_runtime, clock)
    assert gateway.clock is clock and gateway.identity.clock is clock
    assert isinstance(Gateway(no_runtime, Settings(), no_runtime).clock, SystemClock)
    # Tests of the running service move its clock with a file (SOSENKI_CLOCK_FILE).
    (tmp_path / "now").write_text("2027-01-01T00:00:00+00:00")
    moved = Gateway(no_runtime, Settings(clock_file=str(tmp_path / "now")), no_runtime)
    assert today_in(moved.clock) == date(2027, 1, 1)
